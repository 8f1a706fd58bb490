/**
 * `meshless guard`: the validating admission webhook that enforces, as objects are
 * created, what `meshless audit` reports afterwards — every Pod selected by a
 * NetworkPolicy, namespaces named after services, Ingresses and routes with TLS and
 * authentication. Three forms:
 *
 *   meshless guard serve ...        the webhook (HTTPS, watch cache, metrics)
 *   meshless guard --check FILE...  what the webhook would answer, offline
 *   meshless guard manifests ...    what installs it
 */
import { loadConfig } from './settings.js';
import { apiGroup, type LoadedObject } from '../model/kube.js';
import { parseCidr } from '../model/ip.js';
import { formatSource } from '../model/source.js';
import {
  admissionResponse,
  decide,
  DEFAULT_EXEMPT_NAMESPACES,
  FAILURE_POLICIES,
  GUARD_MODES,
  REVIEWED_KINDS,
  snapshotFromInventory,
  type GuardConfig,
  type GuardDecision,
} from '../guard/decide.js';
import { DEFAULT_MANIFEST_OPTIONS, guardManifests, manifestsYaml, type ManifestOptions } from '../guard/manifests.js';
import { EXIT, UsageError, defaultNamespace, hasInputErrors, oneOf, parse, reportDiagnostics, requestTimeout, type Io, type Options } from './common.js';
import { MeshlessError } from '../model/errors.js';
import { loadInput } from '../load/input.js';

export const guardHelp = `Usage:
  meshless guard serve --cert FILE --key FILE [options]
  meshless guard --check FILE... [options] [-o table|json]
  meshless guard manifests [--image IMAGE] [options]

The admission webhook that enforces at creation what meshless audit reports:
  - Pods and the pod templates of Deployments, StatefulSets, DaemonSets,
    ReplicaSets, Jobs and CronJobs are denied when no NetworkPolicy of their
    namespace selects them for ingress (and egress, with --require-egress);
    the message names the labels, the nearest policies and the fix.
  - Namespaces named after a team are denied (the audit's ns-team-name rule).
  - Ingresses and Gateway API routes are denied without TLS or without
    authentication (unless marked meshless.dev/public with a
    meshless.dev/public-reason); softer findings come back as warnings.

serve                      run the webhook: HTTPS on --port with POST /validate,
                           /healthz, /readyz (200 once the cache has synced) and
                           /metrics; watches NetworkPolicies, Namespaces and the
                           edge context (IngressClasses, Gateways, SecurityPolicies,
                           ReferenceGrants, Issuers, Middlewares...)
  --cert FILE, --key FILE  serving certificate and key (PEM), reloaded when the
                           files change
  --port N                 default 8443
  --log-level LEVEL        info (default): a JSON line on stdout for every review
                           that is not a plain allow (denied, would-deny, warned,
                           undecided, invalid); debug: plain allows too; warn,
                           error: less
  --kubeconfig FILE, --context NAME
                           default: the pod's service account, $KUBECONFIG or
                           ~/.kube/config
  --request-timeout 30s    the longest one list may take (0: none)

--check FILE...            print what the webhook would answer for each object in
                           the files (directories, - for stdin), with the
                           NetworkPolicies and Namespaces in the same files as
                           its cache; exit 1 if anything would be denied
  -o table|json            output format (table, the default, is also called text)

manifests                  print the YAML that installs the webhook (needs
                           cert-manager): meshless guard manifests | kubectl apply -f -
  --image IMAGE            the meshless image (default ${DEFAULT_MANIFEST_OPTIONS.image})
  -n, --namespace NS       where it runs (default ${DEFAULT_MANIFEST_OPTIONS.namespace})
  --control-plane-cidr CIDR
                           where the API server calls from (repeatable; default
                           the private ranges ${DEFAULT_MANIFEST_OPTIONS.controlPlaneCidrs.join(', ')})
  --metrics-namespace NS   namespace allowed to scrape /metrics (default ${DEFAULT_MANIFEST_OPTIONS.metricsNamespace})
  --replicas N             default ${DEFAULT_MANIFEST_OPTIONS.replicas}

Decision options (serve, --check, manifests):
  --mode MODE              enforce (deny; default, except manifests: warn), warn (allow with a warning),
                           audit-only (allow; record in logs, metrics and the API
                           server's audit log)
  --exempt-namespace NS    do not review objects in NS (repeatable); always
                           exempt: ${DEFAULT_EXEMPT_NAMESPACES.join(', ')}
  --require-egress         Pods must be selected for egress too
  --failure-policy P       fail (default) or ignore: the answer when the guard
                           cannot decide (cache not synced, internal error), and the
                           webhook's failurePolicy
  --config FILE            audit settings (YAML): teams and teamNamespacePatterns
                           name what a team namespace looks like

Exit codes: 0 ok (serve: stopped by a signal), 1 something would be denied
(--check), 2 usage or input error, 3 internal error.`;

const OPTIONS = {
  cert: { type: 'string' },
  key: { type: 'string' },
  port: { type: 'string' },
  'log-level': { type: 'string' },
  mode: { type: 'string' },
  'exempt-namespace': { type: 'string', multiple: true },
  'require-egress': { type: 'boolean' },
  'failure-policy': { type: 'string' },
  config: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'request-timeout': { type: 'string' },
  check: { type: 'boolean' },
  image: { type: 'string' },
  'control-plane-cidr': { type: 'string', multiple: true },
  'metrics-namespace': { type: 'string' },
  replicas: { type: 'string' },
} as const;

/** Flags that belong to one form only: naming them elsewhere is a mistake worth saying. */
const ONLY: Record<string, readonly string[]> = {
  serve: ['cert', 'key', 'port', 'log-level', 'kubeconfig', 'context', 'request-timeout'],
  check: ['output'],
  manifests: ['image', 'control-plane-cidr', 'metrics-namespace', 'replicas'],
};

function rejectForeign(form: keyof typeof ONLY, values: Options): void {
  for (const [other, flags] of Object.entries(ONLY)) {
    if (other === form) continue;
    for (const f of flags) {
      if (values[f] !== undefined) throw new UsageError(`--${f} goes with ${other === 'check' ? '--check' : other}, not ${form === 'check' ? '--check' : form}`);
    }
  }
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const list = (v: unknown): string[] => (Array.isArray(v) ? v.flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean) : []);


async function guardConfig(values: Options, defaultMode: GuardConfig['mode'] = 'enforce'): Promise<GuardConfig> {
  const exempt = list(values['exempt-namespace']);
  return {
    mode: oneOf(values['mode'], GUARD_MODES, '--mode', defaultMode),
    failurePolicy: oneOf(values['failure-policy'], FAILURE_POLICIES, '--failure-policy', 'fail'),
    requireEgress: values['require-egress'] === true,
    exemptNamespaces: [...new Set([...DEFAULT_EXEMPT_NAMESPACES, ...exempt])],
    audit: (await loadConfig(values)).config,
  };
}

export async function runGuard(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values['help']) {
    io.out(guardHelp);
    return EXIT.ok;
  }
  const [sub, ...rest] = positionals;
  if (values['check'] === true) {
    if (sub === 'serve' || sub === 'manifests') throw new UsageError(`--check takes files, not ${sub}`);
    rejectForeign('check', values);
    return check(positionals, values, io);
  }
  if (sub === 'serve') {
    rejectForeign('serve', values);
    if (rest.length > 0) throw new UsageError(`serve takes no file arguments (got ${rest.join(' ')}); to check files offline use --check`);
    return serve(values, io);
  }
  if (sub === 'manifests') {
    rejectForeign('manifests', values);
    if (rest.length > 0) throw new UsageError(`manifests takes no arguments (got ${rest.join(' ')})`);
    return manifests(values, io);
  }
  throw new UsageError(sub === undefined ? 'say what to do: serve, --check FILE..., or manifests' : `unknown form "${sub}": use serve, --check FILE..., or manifests`);
}

// ---- --check -------------------------------------------------------------------

const VERDICT_WORD: Readonly<Record<GuardDecision['verdict'], string>> = { allowed: 'ALLOWED', denied: 'DENIED', 'would-deny': 'WOULD DENY', undecided: 'UNDECIDED' };

async function check(paths: readonly string[], values: Options, io: Io): Promise<number> {
  const format = oneOf(values['output'], ['table', 'text', 'json'] as const, '-o', 'table');
  const config = await guardConfig(values);
  const loaded = await loadInput({ kind: 'files', paths }, { ...defaultNamespace(values) });
  const inv = loaded.inventory;
  const snapshot = snapshotFromInventory(inv);
  const results: { source: LoadedObject['source']; line: number | undefined; decision: GuardDecision; review: Record<string, unknown> }[] = [];
  for (const o of inv.objects) {
    if (!REVIEWED_KINDS.includes(o.object.kind)) continue;
    const apiVersion = o.object.apiVersion;
    const group = apiGroup(apiVersion);
    const version = group === '' ? apiVersion : apiVersion.slice(group.length + 1);
    const ns = o.object.metadata.namespace;
    const uid = `check-${results.length + 1}`;
    const request = { uid, kind: { group, version, kind: o.object.kind }, operation: 'CREATE' as const, name: o.object.metadata.name, ...(ns !== undefined ? { namespace: ns } : {}), object: o.object as unknown as Record<string, unknown> };
    const decision = decide(request, snapshot, config);
    const line = o.source.line > 0 ? inv.locate(o.source, '') ?? o.source.line : undefined;
    results.push({ source: o.source, line, decision, review: admissionResponse(uid, decision) });
  }
  const denied = results.filter((r) => !r.decision.allowed).length;
  if (format === 'json') {
    io.out(
      JSON.stringify(
        results.map((r) => ({
          object: { ...r.decision.object, file: r.source.file, ...(r.line !== undefined ? { line: r.line } : {}) },
          verdict: r.decision.verdict,
          reasons: r.decision.reasons,
          review: r.review,
        })),
        null,
        2,
      ),
    );
  } else {
    for (const r of results) {
      const d = r.decision;
      const name = `${d.object.kind} ${d.object.namespace !== undefined ? `${d.object.namespace}/` : ''}${d.object.name}`;
      const exempt = d.reasons.some((x) => x.code === 'exempt') ? ' (exempt)' : '';
      io.out(`${VERDICT_WORD[d.verdict].padEnd(10)} ${name}${exempt}  ${formatSource(r.source, r.line)}`);
      if (d.status) io.out(d.status.message.replace(/^/gm, '    '));
      for (const w of d.warnings) io.out(`    warning: ${w}`);
    }
    const warned = results.filter((r) => r.decision.warnings.length > 0).length;
    const would = results.filter((r) => r.decision.verdict === 'would-deny').length;
    io.out(
      `\n${results.length} object${results.length === 1 ? '' : 's'} reviewed (mode ${config.mode}): ${results.length - denied} allowed, ${denied} denied` +
        `${would > 0 ? `, ${would} would be denied in enforce mode` : ''}${warned > 0 ? `; ${warned} with warnings` : ''}`,
    );
  }
  reportDiagnostics(io, loaded, [], values);
  if (hasInputErrors(inv)) return EXIT.usage;
  return denied > 0 ? EXIT.findings : EXIT.ok;
}

// ---- manifests -----------------------------------------------------------------

async function manifests(values: Options, io: Io): Promise<number> {
  // A first install warns rather than denies: existing workloads that would be denied show up first.
  const config = await guardConfig(values, 'warn');
  const cidrs = list(values['control-plane-cidr']);
  for (const c of cidrs) {
    const p = parseCidr(c);
    if (typeof p === 'string') throw new UsageError(`--control-plane-cidr ${c}: ${p}`);
  }
  const replicasRaw = values['replicas'];
  const replicas = replicasRaw === undefined ? DEFAULT_MANIFEST_OPTIONS.replicas : Number(replicasRaw);
  if (!Number.isInteger(replicas) || replicas < 1) throw new UsageError(`--replicas takes a whole number of at least 1 (got ${JSON.stringify(replicasRaw)})`);
  const options: ManifestOptions = {
    ...DEFAULT_MANIFEST_OPTIONS,
    ...(typeof values['image'] === 'string' ? { image: values['image'] } : {}),
    ...(typeof values['namespace'] === 'string' ? { namespace: values['namespace'] } : {}),
    ...(typeof values['metrics-namespace'] === 'string' ? { metricsNamespace: values['metrics-namespace'] } : {}),
    ...(cidrs.length > 0 ? { controlPlaneCidrs: cidrs } : {}),
    mode: config.mode,
    failurePolicy: config.failurePolicy,
    requireEgress: config.requireEgress,
    exemptNamespaces: list(values['exempt-namespace']),
    replicas,
  };
  if (values['config'] !== undefined) io.err('note: --config is read by the running guard, not written into the manifests; mount it and pass --config yourself');
  if (values['mode'] === undefined) io.err('note: --mode warn, the default for a first install: what would be denied is allowed with a warning; once the warnings are understood, regenerate with --mode enforce');
  io.err(`note: the image ${options.image} is built from this repository (docker build -t ${options.image} . with its Dockerfile) and pushed where the cluster pulls from; give another name with --image`);
  io.out(manifestsYaml(guardManifests(options), options));
  return EXIT.ok;
}

// ---- serve ---------------------------------------------------------------------

/** Seconds the server keeps answering after SIGTERM while Kubernetes takes the pod out of the Service. */
const SHUTDOWN_DELAY_MS = 5000;

async function serve(values: Options, io: Io): Promise<number> {
  const cert = values['cert'];
  const key = values['key'];
  if (typeof cert !== 'string' || typeof key !== 'string') throw new UsageError('serve needs --cert FILE and --key FILE (PEM; cert-manager writes tls.crt and tls.key)');
  const portRaw = values['port'] ?? '8443';
  const port = Number(portRaw);
  if (typeof portRaw !== 'string' || !/^\d+$/.test(portRaw) || port > 65535) throw new UsageError(`--port takes a number from 0 to 65535 (got ${JSON.stringify(portRaw)})`);
  const config = await guardConfig(values);
  const level = oneOf(values['log-level'], LOG_LEVELS, '--log-level', 'info');

  // Loaded here: file-only commands should not pay for the server's dependencies.
  const { default: pino } = await import('pino');
  const { GuardCache } = await import('../guard/cache.js');
  const { startGuardServer } = await import('../guard/server.js');
  const destination = pino.destination({ dest: 1, sync: false });
  // Epoch-millisecond `time` (pino's default) rather than ISO strings: a line per review, and formatting a date costs more than deciding.
  const logger = pino({ level, base: { component: 'meshless-guard' }, formatters: { level: (label) => ({ level: label }) } }, destination);

  const cache = new GuardCache({
    ...(typeof values['kubeconfig'] === 'string' ? { kubeconfig: values['kubeconfig'] } : {}),
    ...(typeof values['context'] === 'string' ? { context: values['context'] } : {}),
    ...requestTimeout(values),
    logger,
  });
  let server;
  try {
    server = await startGuardServer({ certFile: cert, keyFile: key, port, config, source: cache, logger });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EACCES') throw new MeshlessError('input-unreadable', `cannot read ${err.path ?? 'the certificate or key'}: ${err.code === 'ENOENT' ? 'no such file' : 'permission denied'}`);
    if (err.code === 'EADDRINUSE') throw new MeshlessError('port-in-use', `port ${port} is already in use`, { hint: 'choose another with --port', cause: e });
    throw new MeshlessError('input-invalid', `cannot start the HTTPS server with --cert ${cert} and --key ${key}: ${err.message}`, { cause: e });
  }
  try {
    await cache.start();
  } catch (e) {
    await server.close();
    throw new UsageError(`cannot use the kubeconfig: ${e instanceof Error ? e.message : String(e)}`);
  }
  io.err(`meshless guard: serving https on port ${server.port} (mode ${config.mode}, failure policy ${config.failurePolicy}); logs on stdout`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const on = (s: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(s);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
  logger.info({ signal }, 'shutting down');
  // After SIGTERM the pod leaves the Service's endpoints a moment later: keep answering until then.
  if (signal === 'SIGTERM') await new Promise((r) => setTimeout(r, SHUTDOWN_DELAY_MS));
  await server.close();
  await cache.stop();
  logger.info('stopped');
  destination.flushSync();
  return EXIT.ok;
}
