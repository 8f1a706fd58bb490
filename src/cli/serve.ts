/** `meshless serve`: a local web UI — the controls, the graph, explanations, diff mode. */
import { spawn } from 'node:child_process';
import { DEFAULT_MAX_WORKLOADS, startServer, isLoopback, type RunningServer } from '../server/serve.js';
import { loadSnapshot, type SnapshotSpec } from '../load/snapshot.js';
import type { InputSource } from '../load/input.js';
import { AUDIT_SETTING_OPTIONS, auditSettings } from './settings.js';
import { formatDiagnostic } from '../model/diagnostics.js';
import type { AuditResult } from '../checks/run.js';
import { CLUSTER_OPTIONS, EXIT, UsageError, defaultNamespace, inputSource, parse, podCidrs, reportDiagnostics, type Io } from './common.js';
import { MeshlessError } from '../model/errors.js';

export const serveHelp = `Usage: meshless serve PATH... | --cluster [options]
       meshless serve --diff OLD NEW [options]
       meshless serve --git BASE[..HEAD] [PATH...] [options]

Starts a local web UI: the four controls with their findings, the graph of
who may talk to whom (namespaces, workloads, the internet and the edge), the
explanation of any connection with the policies (file:line) that decide it,
each workload's findings and fixes. Re-loads when the input files change.

Input:
  PATH...                files, directories (watched for changes)
  --cluster              the live cluster of the current kubeconfig context
  --context NAME, --kubeconfig FILE, -A/--all-namespaces, -n/--namespace NS,
  --request-timeout 30s (per API request; 0: none)
  --diff OLD NEW         diff mode: NEW as the graph, with the connections it
                         adds and removes against OLD marked (each a file or
                         directory)
  --git BASE[..HEAD]     diff mode from git: PATH... (default .) at BASE against
                         HEAD (or the working tree); BASE...HEAD compares with
                         the merge base, as a pull request does

Options:
  --port N               port (default 7474; 0 picks a free one)
  --host ADDR            address to bind (default 127.0.0.1); anything else
                         exposes the UI and your manifests to the network
  --open                 open the page in the default browser
  --max-workloads N      above this many workloads, start at namespace level
                         and load workloads per namespace (default ${DEFAULT_MAX_WORKLOADS})
  --network-team GROUP, --config FILE, --baseline FILE   as for meshless audit
  --pod-cidr CIDR        the pod network (default: from the input)

Stop it with Ctrl-C.

Exit codes: 0 stopped, 2 usage or input error, 3 internal error.`;

export interface StartedServe {
  readonly server: RunningServer;
  readonly url: string;
}

function intOption(value: unknown, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${flag} takes a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return n;
}

function openBrowser(url: string, io: Io): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => { io.err(`could not open a browser (${cmd}); open ${url} yourself`); });
    child.unref();
  } catch {
    io.err(`could not open a browser; open ${url} yourself`);
  }
}

/** Starts the server and returns once it listens (the first load goes on in the background). */
export async function startServe(args: readonly string[], io: Io): Promise<StartedServe | number> {
  const { values, positionals } = parse(args, {
    ...CLUSTER_OPTIONS,
    ...AUDIT_SETTING_OPTIONS,
    port: { type: 'string' },
    host: { type: 'string' },
    open: { type: 'boolean' },
    diff: { type: 'boolean' },
    'max-workloads': { type: 'string' },
  });
  if (values['help']) {
    io.out(serveHelp);
    return EXIT.ok;
  }
  const port = intOption(values['port'], '--port', 7474, 0, 65535);
  const maxWorkloads = intOption(values['max-workloads'], '--max-workloads', DEFAULT_MAX_WORKLOADS, 1, 1_000_000);
  const host = typeof values['host'] === 'string' && values['host'] !== '' ? values['host'] : '127.0.0.1';
  const cluster = values['cluster'] === true;
  const gitSpec = typeof values['git'] === 'string' ? values['git'] : undefined;
  if (gitSpec !== undefined && (values['diff'] === true || cluster)) throw new UsageError('--git BASE[..HEAD] is its own diff mode: without --diff and --cluster');
  const diff = values['diff'] === true || gitSpec !== undefined;
  if (cluster && positionals.length > 0) throw new UsageError('give either PATH... or --cluster, not both');
  if (cluster && diff) throw new UsageError('--diff compares two versions on disk: --diff OLD NEW, without --cluster');
  if (diff && gitSpec === undefined && positionals.length !== 2) throw new UsageError(`--diff takes exactly two paths, OLD and NEW (got ${positionals.length})`);
  if (!cluster && gitSpec === undefined && positionals.length === 0) throw new UsageError('no input: give one or more files or directories, or --cluster');
  if (positionals.includes('-')) throw new UsageError('serve cannot read standard input (it re-reads its inputs when they change): give files or directories');

  const { settings } = await auditSettings(values);
  const cidrs = podCidrs(values);
  // --git BASE..HEAD (or BASE...HEAD, or BASE against the working tree): both versions from git itself.
  let revs: { old?: string; new?: string; label: string } = { label: '' };
  if (gitSpec !== undefined) {
    // A GitError is a MeshlessError (input, exit 2).
    const { parseGitRange, resolveRevision, mergeBase } = await import('../load/git.js');
    const range = parseGitRange(gitSpec);
    const head = range.head !== undefined ? await resolveRevision(range.head) : undefined;
    let base = await resolveRevision(range.base);
    if (range.mergeBase && head) base = await mergeBase(base, head);
    revs = { old: base.sha, ...(head ? { new: head.sha } : {}), label: `${range.base} → ${range.head ?? 'working tree'}` };
  }
  const gitCwd = process.cwd();
  // Checks that failed (a bug) are reported when the audit runs: on the page's first request for findings.
  const onAudited = (r: AuditResult): void => {
    for (const e of r.errors) io.err(formatDiagnostic(e));
  };
  const source = (paths: readonly string[], sha?: string): InputSource =>
    cluster ? inputSource([], values) : sha !== undefined ? { kind: 'git', rev: sha, paths, cwd: gitCwd } : { kind: 'files', paths };
  const spec = (paths: readonly string[], sha?: string): SnapshotSpec => ({ source: source(paths, sha), ...defaultNamespace(values), onAudited, ...(cidrs ? { podCidrs: cidrs } : {}), audit: settings });
  const gitPaths = positionals.length > 0 ? positionals : ['.'];
  const newPaths = gitSpec !== undefined ? gitPaths : diff ? [positionals[1]!] : positionals;
  const oldPaths = gitSpec !== undefined ? gitPaths : diff ? [positionals[0]!] : [];

  if (!isLoopback(host)) io.err(`warning: --host ${host} makes the UI, the API and the text of your manifests reachable from the network, without authentication`);
  let started = false;
  const log = (line: string): void => { io.err(`${new Date().toISOString().slice(11, 19)} ${line}`); };
  let server: RunningServer;
  try {
    server = await startServer({
      host,
      port,
      maxWorkloads,
      load: async (progress) => {
        const snap = await loadSnapshot({ ...spec(newPaths, revs.new), onProgress: progress });
        if (!started) reportDiagnostics(io, snap.loaded, snap.analysis.diagnostics, values);
        return snap;
      },
      ...(diff ? { loadOld: () => loadSnapshot(spec(oldPaths, revs.old)) } : {}),
      // A revision does not change; the working tree does.
      watch: cluster || revs.new !== undefined ? [] : gitSpec !== undefined ? gitPaths : positionals,
      log,
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new MeshlessError('port-in-use', `port ${port} on ${host} is in use`, { hint: 'pass --port N, or --port 0 for a free one', cause: e });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new MeshlessError('address-unavailable', `cannot bind ${host}: not an address of this machine`, { hint: 'pass --host with an address of this machine, such as 127.0.0.1', cause: e });
    throw e;
  }
  io.out(`meshless serve: ${server.url}${gitSpec !== undefined ? ` (diff: ${revs.label})` : diff ? ` (diff: ${oldPaths[0]!} → ${newPaths[0]!})` : ''}`);
  const t0 = performance.now();
  server.ready.then(
    (v) => {
      started = true;
      // Only what loading already knows: the audit runs when the page first asks for it,
      // so that on a large cluster it does not hold up the namespace graph, the first view.
      const inv = v.snap.loaded.inventory;
      const workloads = new Set(inv.endpoints.map((e) => e.workload)).size;
      log(`loaded in ${Math.round(performance.now() - t0)} ms: ${inv.summary.used} objects, ${workloads} workloads in ${inv.namespaces.size} namespaces${cluster ? '; a live cluster is read once: restart to re-read it' : '; watching the inputs for changes'}`);
    },
    () => undefined,
  );
  if (values['open'] === true) openBrowser(server.url, io);
  return { server, url: server.url };
}

export async function runServe(args: readonly string[], io: Io): Promise<number> {
  const started = await startServe(args, io);
  if (typeof started === 'number') return started;
  const { server } = started;
  try {
    await server.ready;
  } catch (e) {
    await server.close();
    if (e instanceof MeshlessError) throw e;
    io.err(`meshless serve: cannot load the input: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.usage;
  }
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return EXIT.ok;
}
