/**
 * What every command shares: option parsing, loading the inputs with timings,
 * printing diagnostics, and exit codes. Only src/cli decides exit codes.
 */
import { inputAuditSettings } from '../model/audit-settings.js';
import { suggestEndpoints } from '../netpol/resolve.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadInput, type InputSource, type Loaded } from '../load/input.js';
import { Stopwatch } from '../load/progress.js';
import { parseRequestTimeout } from '../load/kube-client.js';
import type { Inventory } from '../model/inventory.js';
import { formatDiagnostic, type Diagnostic } from '../model/diagnostics.js';
import { MeshlessError } from '../model/errors.js';
import { parseCidr } from '../model/ip.js';
import { PROTOCOLS, type Protocol } from '../model/networkpolicy.js';
import { analyze, type Analysis } from '../netpol/analysis.js';
import { nearest } from '../model/suggest.js';
import type { InputFacts } from '../report/input-json.js';

/** Exit codes (STYLE.md): 0 clean, 1 findings or denied, 2 usage or input error, 3 internal error (or the machine refused). */
export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3 } as const;

/** A mistake in how the command was called: printed with the usage hint, exit 2. */
export class UsageError extends MeshlessError {
  constructor(message: string, hint?: string) {
    super('usage', message, hint === undefined ? {} : { hint });
  }
}

/** The exit code an error means, by its code's kind; anything not a MeshlessError is a bug. */
export function exitCodeOf(e: unknown): number {
  if (!(e instanceof MeshlessError)) return EXIT.internal;
  switch (e.kind) {
    case 'usage':
    case 'input':
      return EXIT.usage;
    case 'environment':
    case 'internal':
      return EXIT.internal;
  }
}

export { Stopwatch };
export type { Loaded };

export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly isTTY: boolean;
  /**
   * Whether tables may be coloured: set by main() from `--color auto|always|never`
   * (auto: standard output is a terminal and `NO_COLOR` is unset or empty).
   */
  readonly colour?: boolean;
  /** The name the tool was called by: `meshless` or `kubectl meshless`. */
  readonly prog: string;
}

export const COLOR_MODES = ['auto', 'always', 'never'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

/** `--color` as kubectl users expect it; `NO_COLOR` (https://no-color.org) turns `auto` off. */
export function colourFor(mode: ColorMode, isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (mode !== 'auto') return mode === 'always';
  return isTTY && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '');
}

export type Options = Record<string, string | boolean | string[] | undefined>;

export const COMMON_OPTIONS = {
  output: { type: 'string', short: 'o' },
  namespace: { type: 'string', short: 'n' },
  'pod-cidr': { type: 'string', multiple: true },
  stats: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/**
 * `-o=json` as kubectl accepts it: node's parseArgs would read the value as `=json`.
 * Only before `--`, after which everything is a positional.
 */
function splitShortEquals(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  return args.flatMap((a, i) => {
    const m = end !== -1 && i > end ? null : /^-([A-Za-z])=(.*)$/s.exec(a);
    return m ? [`-${m[1]!}`, m[2]!] : [a];
  });
}

export function parse(args: readonly string[], options: ParseArgsConfig['options']): { values: Options; positionals: string[] } {
  const all = { ...COMMON_OPTIONS, ...options };
  try {
    const r = parseArgs({ args: splitShortEquals(args), options: all, allowPositionals: true, strict: true });
    return { values: r.values, positionals: r.positionals };
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(e);
    // An unknown flag: name the nearest one the command has.
    const unknown = /^Unknown option '(-{1,2}[^'=]+)'/.exec(message)?.[1];
    if (unknown !== undefined) {
      const near = unknown.startsWith('--') ? nearest(unknown.slice(2), Object.keys(all)) : undefined;
      throw new UsageError(`unknown flag ${unknown}${near !== undefined ? `; did you mean --${near}?` : ''}`);
    }
    throw new UsageError(message);
  }
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

/** `80`, `80/TCP`, `53/udp` → port and protocol. */
export function parsePortFlag(value: unknown): { port: number; protocol: Protocol } | undefined {
  if (value === undefined) return undefined;
  const m = typeof value === 'string' ? /^(\d{1,5})(?:\/([A-Za-z]+))?$/.exec(value) : null;
  const port = m ? Number(m[1]) : NaN;
  const protocol = (m?.[2] ?? 'TCP').toUpperCase() as Protocol;
  if (!m || port < 1 || port > 65535 || !PROTOCOLS.includes(protocol)) {
    throw new UsageError(`--port takes N or N/PROTOCOL with N from 1 to 65535 and PROTOCOL one of TCP, UDP, SCTP, or a container port name such as http (got ${JSON.stringify(value)})`);
  }
  return { port, protocol };
}

export function podCidrs(values: Options): string[] | undefined {
  const list = values['pod-cidr'];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out = list.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const c of out) {
    const p = parseCidr(c);
    if (typeof p === 'string') throw new UsageError(`--pod-cidr ${c}: ${p}`);
  }
  return out;
}

export const CLUSTER_OPTIONS = {
  cluster: { type: 'boolean' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  'request-timeout': { type: 'string' },
  git: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Paths, `--git REV` (with paths, default `.`), or `--cluster` (the kubeconfig's current context, or --context): where to load from. */
export function inputSource(paths: readonly string[], values: Options): InputSource {
  const rev = values['git'];
  if (typeof rev === 'string') {
    if (values['cluster'] === true) throw new UsageError('give either --git REV or --cluster, not both');
    return { kind: 'git', rev, paths: paths.length > 0 ? paths : ['.'] };
  }
  if (values['cluster'] !== true) {
    for (const f of ['context', 'kubeconfig', 'all-namespaces', 'request-timeout'] as const) {
      if (values[f] !== undefined) throw new UsageError(`--${f} goes with --cluster`);
    }
    if (paths.length === 0) throw new UsageError('no input: give one or more files or directories, or - for standard input');
    return { kind: 'files', paths };
  }
  if (paths.length > 0) throw new UsageError('give either PATH... or --cluster, not both');
  const ns = typeof values['namespace'] === 'string' ? values['namespace'] : undefined;
  return {
    kind: 'cluster',
    ...(typeof values['kubeconfig'] === 'string' ? { kubeconfig: values['kubeconfig'] } : {}),
    ...(typeof values['context'] === 'string' ? { context: values['context'] } : {}),
    ...(ns ? { namespace: ns } : {}),
    allNamespaces: values['all-namespaces'] === true,
    ...requestTimeout(values),
  };
}

/** `--request-timeout 5s` (kubectl's flag and syntax; 0: none) for commands that talk to the API server. */
export function requestTimeout(values: Options): { requestTimeoutMs?: number } {
  const raw = values['request-timeout'];
  if (typeof raw !== 'string') return {};
  const ms = parseRequestTimeout(raw);
  if (typeof ms === 'string') throw new UsageError(ms);
  return { requestTimeoutMs: ms };
}

/** `-n NS` for files: the namespace of namespaced objects that name none. */
export function defaultNamespace(values: Options): { defaultNamespace?: string } {
  return typeof values['namespace'] === 'string' && values['namespace'] !== '' ? { defaultNamespace: values['namespace'] } : {};
}

/** Loads what the arguments name (src/load does the work). */
export async function loadFromArgs(paths: readonly string[], values: Options, watch: Stopwatch): Promise<Loaded> {
  return loadInput(inputSource(paths, values), { watch, ...defaultNamespace(values) });
}

/** Loads the inputs (as loadFromArgs) and analyses them with the --pod-cidr the user gave: what reach, explain and audit start from. */
export async function loadAndAnalyze(paths: readonly string[], values: Options, watch: Stopwatch): Promise<{ loaded: Loaded; analysis: Analysis }> {
  const loaded = await loadFromArgs(paths, values, watch);
  // --pod-cidr wins; then the pod network generate wrote beside its manifests (meshless-audit.yaml).
  const fromInput = inputAuditSettings(loaded.inventory)?.podCidrs;
  const cidrs = podCidrs(values) ?? (fromInput !== undefined && fromInput.length > 0 ? [...fromInput] : undefined);
  const analysis = analyze(loaded.inventory, cidrs ? { podCidrs: cidrs } : {});
  watch.lap('classes');
  return { loaded, analysis };
}

const ORDER: Record<string, number> = { error: 0, warning: 1, info: 2 };

/** Prints diagnostics (errors and warnings; info with --verbose) and the load summary to stderr. */
export function reportDiagnostics(io: Io, loaded: Loaded, extra: readonly Diagnostic[], values: Options): void {
  const all = [...loaded.inventory.diagnostics, ...extra];
  const shown = all
    .filter((d) => d.severity === 'error' || (d.severity === 'warning' && values['quiet'] !== true) || values['verbose'] === true)
    .sort((a, b) => (a.source?.file ?? '').localeCompare(b.source?.file ?? '') || (a.line ?? a.source?.line ?? 0) - (b.line ?? b.source?.line ?? 0) || ORDER[a.severity]! - ORDER[b.severity]!);
  const MAX = values['verbose'] === true ? Infinity : 50;
  for (const d of shown.slice(0, MAX)) io.err(formatDiagnostic(d));
  if (shown.length > MAX) io.err(`… and ${shown.length - MAX} more (use --verbose to see all)`);
  const s = loaded.inventory.summary;
  const skipped = Object.entries(s.skipped).map(([r, n]) => `${r}: ${n}`).join(', ');
  const counts = (sev: string): number => all.filter((d) => d.severity === sev).length;
  if (values['quiet'] !== true || counts('error') > 0) {
    const from = loaded.files === 0 && loaded.inventory.objects[0]?.source.file.startsWith('cluster:') ? 'the cluster' : `${loaded.files} file${loaded.files === 1 ? '' : 's'}`;
    io.err(`read ${s.read} objects from ${from}: ${s.used} used, ${s.read - s.used} skipped${skipped ? ` (${skipped})` : ''}; ${counts('error')} error(s), ${counts('warning')} warning(s)`);
  }
}

/** What a report says was read: the load's counts and every diagnostic (the loader's and `extra`, the analysis' own). */
export function inputFacts(loaded: Loaded, extra: readonly Diagnostic[]): InputFacts {
  return {
    files: loaded.files,
    ...(loaded.clusterName !== undefined ? { clusterName: loaded.clusterName } : {}),
    summary: loaded.inventory.summary,
    diagnostics: [...loaded.inventory.diagnostics, ...extra],
  };
}

export function hasInputErrors(inv: Inventory): boolean {
  return inv.diagnostics.some((d) => d.severity === 'error');
}

/** The `--stats` line on stderr: phases (ms), peak memory, and the command's counts (diff adds each version's phases under `versions`). */
export function printStats(io: Io, watch: Stopwatch, extra: Readonly<Record<string, number | Readonly<Record<string, unknown>>>>): void {
  io.err(`meshless-stats ${JSON.stringify({ phases: watch.phases, maxRssKiB: process.resourceUsage().maxRSS, ...extra })}`);
}

/** `--from`/`--to`: an endpoint id glob (`payments/*`), a namespace name, or labels (`app=web,tier!=db`). */
export function endpointFilter(sel: unknown, labelsOf: (id: string) => Readonly<Record<string, string>> | undefined, workloadOf?: (id: string) => string | undefined): ((id: string) => boolean) | undefined {
  if (sel === undefined) return undefined;
  if (typeof sel !== 'string' || sel === '') throw new UsageError('--from/--to take an endpoint id, a glob such as payments/*, a namespace name, or labels such as app=web');
  if (sel.includes('=')) {
    const reqs = sel.split(',').map((part) => {
      const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*([^\s]*)\s*$/.exec(part);
      if (!m) throw new UsageError(`cannot read the label requirement ${JSON.stringify(part)}; write key=value or key!=value`);
      return { key: m[1]!, neg: m[2] === '!=', value: m[3]! };
    });
    return (id) => {
      const labels = labelsOf(id);
      if (!labels) return false;
      return reqs.every((r) => (labels[r.key] === r.value) !== r.neg);
    };
  }
  if (sel.includes('/') || sel.includes('*')) {
    const re = new RegExp(`^${sel.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return (id) => re.test(id);
  }
  // A namespace, or a bare workload or endpoint name (`redis-cart`), as explain accepts it.
  return (id) => id.startsWith(`${sel}/`) || id === sel || id.slice(id.lastIndexOf('/') + 1) === sel || (workloadOf !== undefined && workloadOf(id)?.slice(workloadOf(id)!.lastIndexOf('/') + 1) === sel);
}

/**
 * `--from`/`--to` as endpointFilter, checked against the input: a selector that matches
 * no endpoint would print an empty answer that reads as "nothing is allowed", so it is
 * an input error naming the flag, with the nearest ids.
 */
export function checkedEndpointFilter(flag: string, sel: unknown, inv: Inventory): ((id: string) => boolean) | undefined {
  // No selector, no filter: and no index of every endpoint (a large cluster has 100,000).
  if (sel === undefined) return undefined;
  // Not a string: endpointFilter says what --from/--to take.
  if (typeof sel !== 'string') return endpointFilter(sel, () => undefined);
  const labels = new Map(inv.endpoints.map((e) => [e.id, e.labels]));
  const workloads = new Map(inv.endpoints.map((e) => [e.id, e.workload]));
  const f = endpointFilter(sel, (id) => labels.get(id), (id) => workloads.get(id));
  if (f && !inv.endpoints.some((e) => f(e.id))) {
    throw new MeshlessError('unknown-endpoint', `${flag} ${sel} matches no endpoint in the input${!sel.includes('=') ? suggestEndpoints(inv, sel) : ''}`, {
      hint: 'give an endpoint or workload id, a workload name, a namespace, a glob such as payments/*, or labels such as app=web; meshless reach lists the endpoints',
    });
  }
  return f;
}
