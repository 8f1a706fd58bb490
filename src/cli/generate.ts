/**
 * `meshless generate`: the whole mesh-free platform from one spec. Writes the
 * files (or, with --check, says whether a directory is up to date). A spec
 * with problems writes nothing: every problem is printed with file, line and
 * field, and what to write instead.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { GENERATED_MARKER, generate, type GeneratedFile } from '../generate/index.js';
import { unifiedDiff } from '../generate/diff.js';
import { formatPath, parseSpec, type Platform, type SpecProblem } from '../generate/spec.js';
import { EXIT, UsageError, parse, type Io, type Options } from './common.js';

export const generateHelp = `Usage: meshless generate [-c meshless.yaml] -o DIR
       meshless generate [-c meshless.yaml] --check DIR

Writes the whole mesh-free platform described by the spec: per service a
Namespace, default-deny and DNS NetworkPolicies and one policy per declared
flow; the edge (Gateway API with Envoy Gateway SecurityPolicies, or
ingress-nginx Ingresses) with oauth2-proxy in front; the cert-manager
ClusterIssuer; CNI encryption; RBAC; and a kustomization.yaml.

Options:
  -c, --config FILE   the Platform spec (default meshless.yaml); see meshless schema
  -o, --output DIR    write the files there (created if missing). Files meshless
                      wrote before and no longer writes are removed; other files
                      are left alone.
  --check DIR         write nothing: exit 1 and print a diff when DIR is not what
                      the spec generates (for CI)
  --input PATH        with cluster.isolateKubeSystem: true, the cluster's manifests
                      (files, directories, - for stdin; repeatable): list what
                      they show the default deny in kube-system would cut off
  -q, --quiet         do not list the files written

Exit codes: 0 written / up to date, 1 --check found differences,
2 usage error or a spec with problems (nothing written), 3 internal error.`;

export interface LoadedSpec {
  readonly spec?: Platform;
  /** Problems, already formatted `file:line: field: message` with hints. */
  readonly errors: readonly string[];
}

/** The line of the node at a path, or of its nearest ancestor that exists. */
function lineOfPath(doc: Document, lc: LineCounter, path: readonly (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined;
  const lineOf = (n: unknown): number | undefined => {
    const r = (n as YamlNode | null)?.range;
    return r ? lc.linePos(r[0]).line : undefined;
  };
  best = lineOf(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      // An unknown key's problem points at the key itself.
      best = lineOf(pair.key) ?? best;
      node = pair.value;
      best = lineOf(node) ?? best;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      best = lineOf(node) ?? best;
    } else break;
  }
  return best;
}

function formatProblem(file: string, line: number | undefined, p: SpecProblem): string {
  const where = line !== undefined ? `${file}:${line}` : file;
  const hint = p.hint ? `\n    ${p.hint.split('\n').join('\n    ')}` : '';
  return `${where}: error: ${formatPath(p.path)}: ${p.message}${hint}`;
}

/** Reads and validates a spec file; every problem comes back with its line. */
export function loadSpecText(text: string, file: string): LoadedSpec {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => {
        const line = e.linePos?.[0].line ?? lc.linePos(e.pos[0]).line;
        return `${file}:${line}: error: YAML: ${e.message.split('\n')[0]!}\n    fix the YAML syntax at that line`;
      }),
    };
  }
  const r = parseSpec(doc.toJS());
  if (!r.ok) return { errors: r.problems.map((p) => formatProblem(file, lineOfPath(doc, lc, p.path), p)) };
  return { spec: r.spec, errors: [] };
}

async function readSpec(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file; write one with meshless init, or pass -c FILE` : `${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Every file under dir, relative, with `/`. */
async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort();
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Files in dir that meshless wrote (they start with its header comment). */
async function generatedFilesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of await listFiles(dir)) {
    if (!f.endsWith('.yaml')) continue;
    const text = await readIfExists(join(dir, f));
    if (text?.startsWith(`# ${GENERATED_MARKER}`)) out.push(f);
  }
  return out;
}

export interface CheckResult {
  readonly changed: string[];
  readonly missing: string[];
  /** Files meshless wrote earlier that the spec no longer produces. */
  readonly extra: string[];
  readonly diff: string;
}

export async function checkDir(dir: string, files: readonly GeneratedFile[]): Promise<CheckResult> {
  const changed: string[] = [];
  const missing: string[] = [];
  let diff = '';
  for (const f of files) {
    const have = await readIfExists(join(dir, f.path));
    if (have === undefined) {
      missing.push(f.path);
      diff += unifiedDiff('', f.content, '/dev/null', `b/${f.path}`);
    } else if (have !== f.content) {
      changed.push(f.path);
      diff += unifiedDiff(have, f.content, `a/${f.path}`, `b/${f.path}`);
    }
  }
  const wanted = new Set(files.map((f) => f.path));
  const extra = (await generatedFilesIn(dir)).filter((p) => !wanted.has(p));
  for (const p of extra) diff += unifiedDiff((await readIfExists(join(dir, p))) ?? '', '', `a/${p}`, '/dev/null');
  return { changed, missing, extra, diff };
}

/** `--input`: what the default deny in kube-system would cut off, when the spec asks for one. */
async function reportLosses(spec: Platform, files: readonly GeneratedFile[], values: Options, io: Io): Promise<void> {
  const input = values['input'];
  if (!Array.isArray(input) || input.length === 0) return;
  const ns = spec.cluster.dns.namespace;
  if (!spec.cluster.isolateKubeSystem) {
    io.err(`note: --input is read only with cluster.isolateKubeSystem: true (${ns} gets no default deny, so nothing there loses traffic)`);
    return;
  }
  const { kubeSystemLosses, lossesText } = await import('./generate-impact.js');
  for (const line of lossesText(ns, input, await kubeSystemLosses(spec, files, input))) io.err(line);
}

export async function runGenerate(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: 'string', short: 'c' }, check: { type: 'string' }, input: { type: 'string', multiple: true } });
  if (values['help']) {
    io.out(generateHelp);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}: the spec is given with -c FILE, the output with -o DIR`);
  const file = typeof values['config'] === 'string' ? values['config'] : 'meshless.yaml';
  const out = typeof values['output'] === 'string' ? values['output'] : undefined;
  const check = typeof values['check'] === 'string' ? values['check'] : undefined;
  if (out === undefined && check === undefined) throw new UsageError('give -o DIR to write the files, or --check DIR to compare');
  if (out !== undefined && check !== undefined) throw new UsageError('give either -o DIR or --check DIR, not both');

  const loaded = loadSpecText(await readSpec(file), file);
  if (!loaded.spec) {
    for (const e of loaded.errors) io.err(e);
    io.err(`${file}: ${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'}; nothing was written. The spec format: meshless schema, docs/spec.md.`);
    return EXIT.usage;
  }
  const result = generate(loaded.spec, { source: file });

  if (check !== undefined) {
    const r = await checkDir(check, result.files);
    const n = r.changed.length + r.missing.length + r.extra.length;
    if (n === 0) {
      if (values['quiet'] !== true) io.err(`${check} is up to date with ${file} (${result.files.length} files)`);
      return EXIT.ok;
    }
    io.out(r.diff.trimEnd());
    const parts = [r.changed.length ? `${r.changed.length} changed` : '', r.missing.length ? `${r.missing.length} missing` : '', r.extra.length ? `${r.extra.length} no longer generated` : ''].filter(Boolean);
    io.err(`${check} is out of date with ${file}: ${parts.join(', ')}. Run: ${io.prog} generate -c ${file} -o ${check}`);
    return EXIT.findings;
  }

  const dir = out!;
  const stale = (await generatedFilesIn(dir)).filter((p) => !result.files.some((f) => f.path === p));
  for (const f of result.files) {
    const target = join(dir, f.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.content);
  }
  for (const p of stale) await rm(join(dir, p));
  if (values['quiet'] !== true) {
    for (const f of result.files) io.out(`wrote ${join(dir, f.path)}`);
    for (const p of stale) io.out(`removed ${join(dir, p)} (no longer generated)`);
  }
  for (const n of result.notes) io.err(`note: ${n}`);
  await reportLosses(loaded.spec, result.files, values, io);
  io.err(`${result.files.length} files in ${dir}; apply with kubectl apply -k ${dir}`);
  return EXIT.ok;
}
