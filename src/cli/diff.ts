/** `meshless diff`: what a change opens or closes, and the findings it introduces or resolves. */
import { MeshlessError } from '../model/errors.js';
import { readInputs, type ReadResult } from '../load/files.js';
import { loadRead } from '../load/input.js';
import type { ParsedInputs } from '../load/text.js';
import { parsedDocuments, type ParsedDocuments } from '../load/yaml.js';
import { mergeBase, parseGitRange, readRevision, resolveRevision, skipBinaryInputs } from '../load/git.js';
import { analyze, type Analysis } from '../netpol/analysis.js';
import { LEVELS, type Level } from '../netpol/reach.js';
import { diffConnectivity, openedConnections, snapshot } from '../netpol/diff.js';
import { changeScope, type ChangeScope, type NoScope } from '../netpol/diff-scope.js';
import { inventoryMemo, type Inventory, type InventoryMemo } from '../model/inventory.js';
import { ALL_CHECKS } from '../checks/index.js';
import { carryEdgeModel } from '../exposure/index.js';
import { runChecks, type CheckFindings } from '../checks/run.js';
import { diffFindings, findingsCarried, newlyFailing, secondVersionChecks, type SecondVersionChecks } from '../checks/diff.js';
import { SEVERITIES, type AuditConfig, type Check, type Finding, type Severity } from '../checks/types.js';
import { diffJson, gateFailed, jsonChunks, type DiffGates, type DiffReport, type DiffSideInfo } from '../report/diff-json.js';
import { diffMarkdown } from '../report/diff-markdown.js';
import { diffTable } from '../report/diff-table.js';
import { loadConfig } from './settings.js';
import { EXIT, Stopwatch, UsageError, endpointFilter, hasInputErrors, oneOf, parse, podCidrs, printStats, reportDiagnostics, type Io, type Loaded, type Options } from './common.js';

export const diffHelp = `Usage: meshless diff OLD NEW [options]
       meshless diff --git BASE[..HEAD|...HEAD] [PATH...] [options]

What a change does: the connections it opens or closes (on the engine's exact
connectivity, not on the YAML text: moving, reordering or renaming policies is
no change) and the audit findings it introduces or resolves.

Input:
  OLD NEW                two files or directories (or - for one of them)
  --git BASE..HEAD       two revisions of the git repository in the working directory,
                         read with git (no checkout; the working tree is not touched)
  --git BASE...HEAD      HEAD against its merge base with BASE (what a pull request adds)
  --git REV              REV against the working tree
  PATH...                with --git: where the manifests are (default: .)

Options:
  --level LEVEL          workload (default), namespace, or pod
  -o FORMAT              table (default), markdown (a pull-request comment), json
  --fail-on-new-connectivity
                         exit 1 when a connection is added or widened
  --to SEL               with --fail-on-new-connectivity: only connections towards SEL
                         (an endpoint id or glob such as payments/*, a namespace, or
                         labels such as app=db) fail; the report still shows all
  --fail-on SEVERITY     exit 1 when a finding at or above SEVERITY is introduced
                         (critical, high, medium, low, info)
  --network-team GROUP   who may edit NetworkPolicies (repeatable), as in audit
  --config FILE          audit settings (YAML), as in audit
  -n, --namespace NS     namespace for objects that name none
  --pod-cidr CIDR        the pod network (default: from the input)
  --stats                phase timings and peak memory on stderr
  -v, --verbose / -q, --quiet   more / fewer diagnostics

Exit codes: 0 no gate tripped, 1 a gate tripped, 2 usage or input error (a
revision that does not exist, errors in the new version's input), 3 internal error.`;

/** One side of the comparison: its name, and how to read it (called once, when its turn comes). */
export interface DiffInput {
  readonly side: DiffSideInfo;
  readonly read: () => Promise<ReadResult>;
  /** The base revision of a --git diff may have no manifests yet (a change that adds them): everything in the new side is then new. */
  readonly mayBeEmpty?: boolean;
}

export interface DiffSettings {
  readonly level: Level;
  readonly podCidrs?: readonly string[];
  readonly defaultNamespace?: string;
  readonly config: AuditConfig;
  readonly checks: readonly Check[];
  /** `--fail-on-new-connectivity`, with `--to` when given. */
  readonly failOnNewConnectivity?: { readonly to?: string };
  readonly failOn?: Severity;
  /**
   * `change` (default): connections are compared only in the namespaces the change can
   * act on, when that is provably all that can differ (netpol/diff-scope.ts), the checks
   * the change cannot affect are not run again, and the second version's inventory and
   * classes take what the first's derived from what they share; `whole`: both versions
   * built and compared in full, with nothing reused (what the rest is tested against).
   */
  readonly compare?: 'change' | 'whole';
}

/** One version, whole: what the CLI reports diagnostics from. Alive only while `onSide` runs. */
export interface DiffSide {
  readonly which: 'before' | 'after';
  readonly input: DiffInput;
  readonly read: ReadResult;
  readonly loaded: Loaded;
  readonly analysis: Analysis;
  /** The checks' findings and problems (a comparison reads no per-control summary, so none is made). */
  readonly audit: CheckFindings;
  /** What this version cost, by phase (ms): `--stats` shows the second version's apart, since it is what a change-sized diff would save. */
  readonly phases: Readonly<Record<string, number>>;
  /**
   * The checks run on this version: all for the first; for the second, those the change
   * can affect (a change of NetworkPolicies that keeps every pod's isolation leaves the
   * findings of the checks that read no more of them, `Check.policyReads`, as they were),
   * counting those run only for the namespaces whose policies changed.
   */
  readonly checksRun: number;
  /** Of the others, those run only for the namespaces whose policies changed (`Check.policyReads: 'namespace'`). */
  readonly checksLocal: number;
}

/**
 * What is kept of a version for the comparison: its inventory and analysis (the
 * connections are taken from them once both versions are known, over the namespaces
 * the change can act on), its findings, and the gate's endpoints.
 */
interface KeptSide {
  readonly inventory: Inventory;
  readonly analysis: Analysis;
  readonly findings: Pick<CheckFindings, 'findings'>;
  /** Endpoint ids the `--to` selector matches in this version (labels are per version). */
  readonly gateTo?: ReadonlySet<string>;
}

/**
 * The first version's documents by their text, from its parse until the second
 * version's: a change leaves most documents as they were, and those need no parse.
 */
interface Reuse {
  known?: ParsedDocuments;
  /** What the first version's inventory derived from each document: the second takes it for the documents they share. */
  readonly memo?: InventoryMemo;
}

/** One version read and analysed, not yet audited. */
interface LoadedSide {
  readonly which: 'before' | 'after';
  readonly input: DiffInput;
  readonly read: ReadResult;
  readonly loaded: Loaded;
  readonly inventory: Inventory;
  readonly analysis: Analysis;
  readonly start: Readonly<Record<string, number>>;
}

/** Reads and analyses one version. */
async function loadSide(which: 'before' | 'after', input: DiffInput, s: DiffSettings, watch: Stopwatch, reuse: Reuse, base?: Analysis): Promise<LoadedSide> {
  const start = { ...watch.phases };
  const read = await input.read();
  watch.lap('read');
  const loaded = await loadRead(read, {
    watch,
    ...(s.defaultNamespace !== undefined ? { defaultNamespace: s.defaultNamespace } : {}),
    ...(reuse.known ? { known: reuse.known } : {}),
    ...(reuse.memo ? { memo: reuse.memo } : {}),
    ...(which === 'before' ? { onParsed: (p: ParsedInputs) => void (reuse.known = parsedDocuments(p.files, p.docs)) } : {}),
  });
  // Parsed: the first version's documents that changed can go.
  if (which === 'after') delete reuse.known;
  const inventory = loaded.inventory;
  // A side that reads as nothing would make every connection of the other side "added" or "removed": name it.
  if (inventory.objects.length === 0 && !input.mayBeEmpty) {
    throw new MeshlessError('input-invalid', `no objects read from the ${which === 'before' ? 'old' : 'new'} side (${input.side.label}${input.side.sha !== undefined ? ` ${input.side.sha.slice(0, 12)}` : ''})`, {
      hint: 'point both sides at the files or folders that hold the Kubernetes manifests (.yaml, .yml, .json); a path that did not exist at a revision reads as nothing',
    });
  }
  // The second version takes the first's classes when its pods are the first's (a change of policies only).
  const analysis = analyze(inventory, { ...(s.podCidrs ? { podCidrs: s.podCidrs } : {}), ...(base ? { base } : {}) });
  watch.lap('classes');
  return { which, input, read, loaded, inventory, analysis, start };
}

/** What the second version took from the first for its audit (`--stats`: scope). */
export interface SecondVersionReuse {
  /** Checks not run again (`Check.policyReads` none or isolation). */
  readonly checksKept: number;
  /** Checks run only for the namespaces whose policies changed (`Check.policyReads` namespace). */
  readonly checksLocal: number;
  /** The entry points (which read no NetworkPolicy) were the first version's, with the second's objects. */
  readonly edgeModelCarried: boolean;
}

/** What the second version need not find again: the plan (`secondVersionChecks`), and the first version's findings that stand. */
interface KeptFindings {
  readonly plan: SecondVersionChecks;
  readonly findings: readonly Finding[];
}

/** Audits one version, hands it to `onSide` whole, and keeps only what the comparison needs. */
function auditSide(side: LoadedSide, s: DiffSettings, watch: Stopwatch, onSide: ((side: DiffSide) => void) | undefined, kept?: KeptFindings): KeptSide {
  const { which, input, read, loaded, inventory, analysis, start } = side;
  const local = kept?.plan.local;
  const checks = kept ? s.checks.filter((c) => !kept.plan.kept.has(c.id)) : s.checks;
  // The checks local to a namespace run only where the policies changed.
  const audit = runChecks(inventory, analysis, { config: s.config, checks, ...(local ? { namespaces: local.namespaces } : {}) });
  watch.lap('audit');
  let gateTo: Set<string> | undefined;
  const sel = s.failOnNewConnectivity?.to;
  if (sel !== undefined) {
    const labels = new Map(inventory.endpoints.map((e) => [e.id, e.labels]));
    const workloads = new Map(inventory.endpoints.map((e) => [e.id, e.workload]));
    const match = endpointFilter(sel, (id) => labels.get(id), (id) => workloads.get(id))!;
    gateTo = new Set(inventory.endpoints.filter((e) => match(e.id)).map((e) => e.id));
  }
  const phases: Record<string, number> = {};
  for (const [k, v] of Object.entries(watch.phases)) if (v !== (start[k] ?? 0)) phases[k] = v - (start[k] ?? 0);
  onSide?.({ which, input, read, loaded, analysis, audit, phases, checksRun: checks.length, checksLocal: local?.checks.size ?? 0 });
  // Kept findings are the first version's, equal in this one by fingerprint, severity and suppression: all the comparison reads.
  const findings = kept ? [...kept.findings, ...audit.findings] : audit.findings;
  return { inventory, analysis, findings: { findings }, ...(gateTo ? { gateTo } : {}) };
}

/**
 * The whole comparison: each version read, analysed and audited in turn (handed
 * to `onSide` whole, then reduced to its inventory, analysis and findings), the
 * connectivity compared over the namespaces the change can act on, the second
 * version's checks run only where the change can affect them (`onScope` is told
 * which, or why all, and how many checks were kept from the first version), the
 * findings compared, the gates evaluated. The CLI and the benchmark call it.
 */
export async function computeDiff(before: DiffInput, after: DiffInput, s: DiffSettings, watch = new Stopwatch(), onSide?: (side: DiffSide) => void, onScope?: (scope: ChangeScope | NoScope, reuse: SecondVersionReuse) => void): Promise<DiffReport> {
  // `whole` is the reference the rest is tested against: nothing of the first version is reused in the second.
  const whole = s.compare === 'whole';
  const reuse: Reuse = whole ? {} : { memo: inventoryMemo() };
  const b = auditSide(await loadSide('before', before, s, watch, reuse), s, watch, onSide);
  const loadedAfter = await loadSide('after', after, s, watch, reuse, whole ? undefined : b.analysis);
  const scope: ChangeScope | NoScope = whole ? { reason: 'asked for (compare: whole)', isolationKept: false } : changeScope(b, loadedAfter);
  // Checks the change cannot affect are not run again: their findings are the first version's.
  const plan = secondVersionChecks(s.checks, scope);
  // The edge model reads no NetworkPolicy: when nothing else changed, the second version takes the first's, with its own objects.
  const edgeModelCarried = !whole && carryEdgeModel(b.inventory, loadedAfter.inventory);
  const a = auditSide(loadedAfter, s, watch, onSide, plan ? { plan, findings: findingsCarried(plan, b.findings.findings) } : undefined);
  onScope?.(scope, { checksKept: plan?.kept.size ?? 0, checksLocal: plan?.local?.checks.size ?? 0, edgeModelCarried });
  const within = 'namespaces' in scope ? scope : undefined;
  const sb = snapshot(b.analysis, within);
  const sa = snapshot(a.analysis, within);
  const connectivity = diffConnectivity(sb, sa, { level: s.level });
  watch.lap('diff');
  const findings = diffFindings(b.findings, a.findings);
  let gates: DiffGates = {};
  if (s.failOnNewConnectivity) {
    const sel = s.failOnNewConnectivity.to;
    let opened = openedConnections(connectivity);
    if (sel !== undefined) {
      // A label selector matches an endpoint that has the labels in either version; a glob
      // or namespace also matches outside pieces whose ids only the comparison names.
      const byId = endpointFilter(sel, () => undefined)!;
      // A gate that watches nothing would pass every change: name the selector instead.
      if ((b.gateTo?.size ?? 0) + (a.gateTo?.size ?? 0) === 0 && !connectivity.external.some((x) => byId(x.id))) {
        throw new MeshlessError('unknown-endpoint', `the new-connectivity gate's selector ${sel} matches no endpoint in either version`, { hint: 'give an endpoint or workload id, a workload name, a namespace, a glob such as payments/*, or labels such as app=web' });
      }
      const to = (id: string): boolean => (b.gateTo?.has(id) ?? false) || (a.gateTo?.has(id) ?? false) || byId(id);
      opened = openedConnections(diffConnectivity(sb, sa, { level: s.level, to }));
    }
    gates = { ...gates, newConnectivity: { ...(sel !== undefined ? { to: sel } : {}), opened } };
  }
  if (s.failOn) gates = { ...gates, findings: { failOn: s.failOn, failing: newlyFailing(findings, s.failOn) } };
  watch.lap('compare');
  return { before: before.side, after: after.side, connectivity, findings, gates };
}

/**
 * The two sides from the arguments: two paths, or a git range (and the paths
 * inside it). Revisions are resolved now, so a wrong one fails before any work;
 * files are read when their side's turn comes, so one version's text is in memory at a time.
 */
async function readSides(values: Options, positionals: readonly string[]): Promise<[DiffInput, DiffInput]> {
  const spec = values['git'];
  if (typeof spec !== 'string') {
    if (positionals.length !== 2) throw new UsageError(`diff needs OLD and NEW (two files or directories), or --git BASE..HEAD; got ${positionals.length} path(s)`);
    const [oldPath, newPath] = positionals as [string, string];
    if (oldPath === '-' && newPath === '-') throw new UsageError('only one of OLD and NEW can be - (standard input)');
    return [
      { side: { label: oldPath }, read: async () => skipBinaryInputs(await readInputs([oldPath]), oldPath) },
      { side: { label: newPath }, read: async () => skipBinaryInputs(await readInputs([newPath]), newPath) },
    ];
  }
  const paths = positionals.length > 0 ? positionals : ['.'];
  // A GitError is a MeshlessError (input, exit 2), whether found up front or while reading.
  {
    const range = parseGitRange(spec);
    let base = await resolveRevision(range.base);
    const head = range.head !== undefined ? await resolveRevision(range.head) : undefined;
    if (range.mergeBase && head) base = await mergeBase(base, head);
    const baseRev = base;
    const before: DiffInput = { side: { label: baseRev.name, sha: baseRev.sha }, read: () => readRevision(baseRev, paths), mayBeEmpty: true };
    const after: DiffInput = head
      ? { side: { label: head.name, sha: head.sha }, read: () => readRevision(head, paths) }
      : { side: { label: 'working tree' }, read: async () => skipBinaryInputs(await readInputs(paths), 'the working tree') };
    return [before, after];
  }
}

export async function runDiff(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    git: { type: 'string' },
    level: { type: 'string' },
    'fail-on-new-connectivity': { type: 'boolean' },
    to: { type: 'string' },
    'fail-on': { type: 'string' },
    'network-team': { type: 'string', multiple: true },
    config: { type: 'string' },
  });
  if (values['help']) {
    io.out(diffHelp);
    return EXIT.ok;
  }
  const format = oneOf(values['output'], ['table', 'json', 'markdown'] as const, '-o', 'table');
  const level = oneOf(values['level'], LEVELS, '--level', 'workload');
  const failOn = oneOf<Severity | 'none'>(values['fail-on'], [...SEVERITIES, 'none'], '--fail-on', 'none');
  const to = values['to'];
  if (to !== undefined && values['fail-on-new-connectivity'] !== true) throw new UsageError('--to goes with --fail-on-new-connectivity (it says which new connections fail the check)');
  if (to !== undefined) endpointFilter(to, () => undefined); // a malformed selector is a usage error before any work
  const cfg = await loadConfig(values);
  const cidrs = podCidrs(values);
  const ns = typeof values['namespace'] === 'string' ? values['namespace'] : undefined;
  const watch = new Stopwatch();
  const [beforeIn, afterIn] = await readSides(values, positionals);
  watch.lap('resolve');
  const settings: DiffSettings = {
    level,
    config: cfg.config,
    checks: ALL_CHECKS.filter((c) => !cfg.ignore.includes(c.id)),
    ...(cidrs ? { podCidrs: cidrs } : {}),
    ...(ns !== undefined ? { defaultNamespace: ns } : {}),
    ...(values['fail-on-new-connectivity'] === true ? { failOnNewConnectivity: typeof to === 'string' ? { to } : {} } : {}),
    ...(failOn !== 'none' ? { failOn } : {}),
  };
  // Each version's diagnostics are printed while it is in memory; the report follows.
  const state = { internal: false, inputErrors: false, endpoints: 0, policies: 0, versions: {} as Record<string, Readonly<Record<string, number>>>, scope: {} as Record<string, unknown>, reused: 'nothing' as string };
  const report = await computeDiff(beforeIn, afterIn, settings, watch, (side) => {
    const label = `${side.which} (${side.input.side.label})`;
    reportDiagnostics({ ...io, err: (m) => { io.err(`${label}: ${m}`); } }, side.loaded, [...side.analysis.diagnostics, ...side.audit.diagnostics, ...side.audit.errors], values);
    if (side.audit.errors.length > 0) state.internal = true;
    state.versions[side.which] = side.phases;
    if (side.which === 'after') {
      // Errors in the new version's input are the change's: the old version's are only reported.
      state.inputErrors = hasInputErrors(side.loaded.inventory);
      state.endpoints = side.loaded.inventory.endpoints.length;
      state.policies = side.loaded.inventory.policies.length;
      state.reused = side.analysis.reused;
    }
  }, (scope, reuse) => {
    state.scope = { ...('namespaces' in scope ? { core: scope.core.size, namespaces: scope.namespaces.size, changedObjects: scope.changedObjects } : { whole: scope.reason }), ...reuse };
  });
  switch (format) {
    case 'json':
      for (const chunk of jsonChunks(diffJson(report))) io.out(chunk);
      break;
    case 'markdown':
      io.out(diffMarkdown(report));
      break;
    case 'table':
      io.out(diffTable(report, { colour: io.colour === true, ...(values['verbose'] === true ? {} : { limit: 200 }) }));
      break;
  }
  watch.lap('output');
  if (values['stats']) {
    const st = report.connectivity.stats;
    printStats(io, watch, { endpoints: state.endpoints, policies: state.policies, jointSourceRoles: st.jointSourceRoles, rolePairsCompared: st.rolePairsCompared, rolePairsChanged: st.rolePairsChanged, versions: state.versions, scope: { ...state.scope, classesReused: state.reused } });
  }
  if (state.internal) return EXIT.internal;
  if (state.inputErrors) return EXIT.usage;
  return gateFailed(report) ? EXIT.findings : EXIT.ok;
}
