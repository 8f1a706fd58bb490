/**
 * Benchmark of `meshless diff` on a synthetic cluster (L for issue 6, N10K for
 * issue 18): two versions that differ in 1% of their NetworkPolicies (60 of L's
 * 6,000, 300 of N10K's 30,000: a port or a selector changed, chosen
 * deterministically), against analysing one version.
 *
 *   one analysis: read + parse + inventory + analyze + reach at workload level
 *                 (the level diff uses by default);
 *   full diff:    what `meshless diff L.yaml L-1pct.yaml` computes (computeDiff in
 *                 src/cli/diff.ts): both versions read, parsed, analysed and audited,
 *                 connectivity compared at workload level, findings compared.
 *
 * Each figure is the median of 3 runs in this process, diff and single analysis
 * alternating (with --expose-gc, a GC before each). Wall and CPU time (all threads)
 * are both recorded. Goal: full diff ≤ 2.5 × one analysis (wall). Reported, never asserted.
 *
 * With `endToEnd` (always when run alone), also the commands as a user runs them,
 * each in its own process, alternating: `meshless diff FILE SECOND -o json` against
 * `meshless reach FILE --level namespace -o json` (issue 18's goal on N10K: ≤ 1.5×),
 * wall time and --stats phases (dist/cli/main.js; build first).
 *
 * Exported for bench/run.ts (which measures the end-to-end ratio itself, beside
 * reach and audit); also runs alone:
 *   node --expose-gc --import tsx bench/diff.ts [bench/out/L.yaml | bench/out/N10K.yaml]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateToFile } from './generate.js';
import { readInputs } from '../src/load/files.js';
import { inventoryFromParsed } from '../src/load/text.js';
import { parseInputsParallel } from '../src/load/parallel.js';
import { analyze } from '../src/netpol/analysis.js';
import { reach } from '../src/netpol/reach.js';
import { ALL_CHECKS } from '../src/checks/index.js';
import { DEFAULT_CONFIG } from '../src/checks/types.js';
import { computeDiff, type DiffInput } from '../src/cli/diff.js';
import type { DiffReport } from '../src/report/diff-json.js';
import { Stopwatch } from '../src/load/progress.js';

export const DIFF_GOAL_RATIO = 2.5;
const RUNS = 3;
/** Every 100th policy, from the 50th: 60 of L's 6,000. */
const EVERY = 100;
const FIRST = 50;

/**
 * Changes one policy document the way a reviewed pull request would: a port, or
 * the pods a rule admits. Default-deny policies are left alone (see secondVersion).
 */
export function mutatePolicy(doc: string): string | undefined {
  const swaps: readonly [string, string][] = [
    ['port: 53\n', 'port: 5353\n'], // dns-egress: DNS on another port
    ['port: 443\n', 'port: 8443\n'], // https-egress
    ['port: http\n', 'port: metrics\n'], // ingress-controller, app-to-app: another named port
    ['    - from:\n        - podSelector: {}\n', '    - from:\n        - podSelector:\n            matchLabels:\n              tier: frontend\n'], // same-namespace: only frontends may call in
  ];
  for (const [from, to] of swaps) if (doc.includes(from)) return doc.replace(from, to);
  return undefined;
}

/**
 * The second version of a generated file: every EVERY-th NetworkPolicy changed by
 * mutatePolicy. A default deny that comes up is skipped for the next policy: narrowing
 * one un-isolates its namespace, which opens it to every pod of the cluster (millions
 * of workload pairs) — a real change diff must catch (see the test), but not the 1% of
 * routine edits the goal is about; `drastic` measures that case separately.
 */
export function secondVersion(text: string, drastic = false): { text: string; changed: number; policies: number } {
  const docs = text.split(/(?=^---\n)/m);
  let policies = 0;
  let changed = 0;
  let due = false;
  for (let i = 0; i < docs.length; i++) {
    if (!docs[i]!.includes('\nkind: NetworkPolicy\n')) continue;
    if (policies % EVERY === FIRST) due = true;
    policies++;
    if (!due) continue;
    const m = drastic && docs[i]!.includes('name: default-deny-all\n') ? docs[i]!.replace('spec:\n  podSelector: {}\n', 'spec:\n  podSelector:\n    matchLabels:\n      tier: data\n') : mutatePolicy(docs[i]!);
    if (m === undefined) continue;
    docs[i] = m;
    changed++;
    due = false;
  }
  return { text: docs.join(''), changed, policies };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const gc = (): void => {
  (globalThis as { gc?: () => void }).gc?.();
};

export interface DiffBenchFigures {
  readonly file: string;
  readonly secondFile: string;
  readonly policies: number;
  readonly policiesChanged: number;
  readonly runs: number;
  /** Read + parse + inventory + analyze + reach (workload), one version: median wall time and each run (ms). */
  readonly oneAnalysisMs: number;
  readonly oneAnalysisRuns: readonly number[];
  /** CPU time of the process (all threads) for the same, median (ms). */
  readonly oneAnalysisCpuMs: number;
  /** The phases of the median single analysis. */
  readonly oneAnalysisPhases: Record<string, number>;
  /** Workload-level pairs reach lists for one version. */
  readonly reachPairs: number;
  /** computeDiff on both versions, reads included: median wall time and each run (ms). */
  readonly fullDiffMs: number;
  readonly fullDiffRuns: readonly number[];
  readonly fullDiffCpuMs: number;
  readonly fullDiffPhases: Record<string, number>;
  /** diffConnectivity alone, on the two versions' snapshots (ms, in the median run). */
  readonly connectivityDiffMs: number;
  /** Wall-time ratio (the goal) and CPU-time ratio (less sensitive to other load on the machine). */
  readonly ratio: number;
  readonly cpuRatio: number;
  readonly goalRatio: number;
  readonly pass: boolean;
  readonly result: {
    readonly added: number;
    readonly removed: number;
    readonly changed: number;
    readonly findingsIntroduced: number;
    readonly findingsResolved: number;
    readonly jointSourceRoles: number;
    readonly jointDestinationRoles: number;
    readonly rolePairsCompared: number;
    readonly rolePairsChanged: number;
  };
  /** Peak RSS after the first full diff (which runs first), and at the end. */
  readonly diffMaxRssKiB: number;
  readonly maxRssKiB: number;
  /** The 1-minute load average before and after: above about 1 on 2 cores, other work shares the CPU. */
  readonly loadAverage: readonly [number, number];
  /** The commands end to end (with `endToEnd`). */
  readonly endToEnd?: EndToEndFigures;
}

export interface EndToEndFigures {
  /** `meshless reach FILE --level namespace -o json --stats`: median wall (ms), each run, the median run's phases. */
  readonly reachMs: number;
  readonly reachRuns: readonly number[];
  readonly reachPhases: Record<string, number>;
  /** `meshless diff FILE SECOND -o json --stats`. */
  readonly diffMs: number;
  readonly diffRuns: readonly number[];
  readonly diffPhases: Record<string, number>;
  /** diff / reach, wall medians: issue 18's goal on N10K is ≤ 1.5. */
  readonly ratio: number;
}

/** The second version's file, beside the first: `L-diff-1pct.yaml` for `L.yaml`. */
export function secondFileOf(file: string): string {
  return join(dirname(file), `${basename(file).replace(/\.ya?ml$/, '')}-diff-1pct.yaml`);
}

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');

/** One command in its own process, standard output discarded: wall time and the --stats phases. */
function runCli(args: readonly string[]): Promise<{ ms: number; phases: Record<string, number> }> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 1 << 20) err += b.toString('utf8');
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const line = err.split('\n').find((l) => l.startsWith('meshless-stats '));
      if (line === undefined) {
        fail(new Error(`meshless ${args[0]} exited ${code ?? 'on a signal'} without a stats line: ${err.slice(-500)}`));
        return;
      }
      done({ ms, phases: (JSON.parse(line.slice('meshless-stats '.length)) as { phases: Record<string, number> }).phases });
    });
  });
}

/** diff against reach, as commands, runs alternating. */
async function endToEnd(file: string, secondFile: string): Promise<EndToEndFigures> {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: npm run build first`);
  const reachRuns: { ms: number; phases: Record<string, number> }[] = [];
  const diffRuns: { ms: number; phases: Record<string, number> }[] = [];
  for (let r = 0; r < RUNS; r++) {
    reachRuns.push(await runCli(['reach', file, '--level', 'namespace', '-o', 'json', '--stats']));
    diffRuns.push(await runCli(['diff', file, secondFile, '-o', 'json', '--stats']));
  }
  const mid = (xs: readonly { ms: number; phases: Record<string, number> }[]) => [...xs].sort((x, y) => x.ms - y.ms)[Math.floor(xs.length / 2)]!;
  const reachMs = median(reachRuns.map((x) => x.ms));
  const diffMs = median(diffRuns.map((x) => x.ms));
  return { reachMs, reachRuns: reachRuns.map((x) => x.ms), reachPhases: mid(reachRuns).phases, diffMs, diffRuns: diffRuns.map((x) => x.ms), diffPhases: mid(diffRuns).phases, ratio: diffMs / reachMs };
}

interface Run {
  readonly ms: number;
  readonly cpuMs: number;
  readonly phases: Record<string, number>;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One version: what `reach --level workload` computes, without printing. */
async function oneAnalysis(file: string): Promise<Run & { pairs: number }> {
  gc();
  const t0 = performance.now();
  const c0 = cpuMs();
  const watch = new Stopwatch();
  const read = await readInputs([file]);
  watch.lap('read');
  const parsed = await parseInputsParallel(read.inputs);
  watch.lap('parse');
  const inv = inventoryFromParsed(parsed, { diagnostics: read.diagnostics });
  watch.lap('inventory');
  const a = analyze(inv);
  watch.lap('classes');
  const res = reach(a, { level: 'workload' });
  watch.lap('reach');
  return { ms: performance.now() - t0, cpuMs: cpuMs() - c0, phases: watch.phases, pairs: res.allowed.length };
}

/** Both versions, the whole comparison, as `meshless diff OLD NEW` computes it. */
async function fullDiff(file: string, secondFile: string): Promise<Run & { report: DiffReport }> {
  gc();
  const t0 = performance.now();
  const c0 = cpuMs();
  const watch = new Stopwatch();
  const before: DiffInput = { side: { label: file }, read: () => readInputs([file]) };
  const after: DiffInput = { side: { label: secondFile }, read: () => readInputs([secondFile]) };
  const report = await computeDiff(before, after, { level: 'workload', config: DEFAULT_CONFIG, checks: ALL_CHECKS }, watch);
  return { ms: performance.now() - t0, cpuMs: cpuMs() - c0, phases: watch.phases, report };
}

/**
 * Measures diff against one analysis on a generated file (L generated into lYamlPath
 * when missing). Runs alternate, so load on the machine hits both alike.
 */
export async function benchDiff(lYamlPath: string, options: { endToEnd?: boolean } = {}): Promise<DiffBenchFigures> {
  if (!existsSync(lYamlPath)) generateToFile('L', lYamlPath);
  const secondFile = secondFileOf(lYamlPath);
  const v2 = secondVersion(readFileSync(lYamlPath, 'utf8'));
  writeFileSync(secondFile, v2.text);
  const load0 = loadavg()[0]!;

  const single: (Run & { pairs: number })[] = [];
  const full: (Run & { report: DiffReport })[] = [];
  let diffMaxRssKiB = 0;
  for (let r = 0; r < RUNS; r++) {
    full.push(await fullDiff(lYamlPath, secondFile));
    if (r === 0) diffMaxRssKiB = process.resourceUsage().maxRSS;
    single.push(await oneAnalysis(lYamlPath));
  }

  const e2e = options.endToEnd === true ? await endToEnd(lYamlPath, secondFile) : undefined;

  const mid = <T extends Run>(xs: readonly T[]): T => [...xs].sort((x, y) => x.ms - y.ms)[Math.floor(xs.length / 2)]!;
  const oneMs = median(single.map((s) => s.ms));
  const fullMs = median(full.map((f) => f.ms));
  const oneCpu = median(single.map((s) => s.cpuMs));
  const fullCpu = median(full.map((f) => f.cpuMs));
  const done = mid(full);
  const c = done.report.connectivity;
  const f = done.report.findings;
  return {
    file: lYamlPath,
    secondFile,
    policies: v2.policies,
    policiesChanged: v2.changed,
    runs: RUNS,
    oneAnalysisMs: oneMs,
    oneAnalysisRuns: single.map((s) => s.ms),
    oneAnalysisCpuMs: oneCpu,
    oneAnalysisPhases: mid(single).phases,
    reachPairs: single[0]!.pairs,
    fullDiffMs: fullMs,
    fullDiffRuns: full.map((x) => x.ms),
    fullDiffCpuMs: fullCpu,
    fullDiffPhases: done.phases,
    connectivityDiffMs: done.phases['diff'] ?? NaN,
    ratio: fullMs / oneMs,
    cpuRatio: fullCpu / oneCpu,
    goalRatio: DIFF_GOAL_RATIO,
    pass: fullMs / oneMs <= DIFF_GOAL_RATIO,
    result: {
      added: c.added.length,
      removed: c.removed.length,
      changed: c.changed.length,
      findingsIntroduced: f.introduced.length + f.worsened.length,
      findingsResolved: f.resolved.length + f.suppressed.length,
      jointSourceRoles: c.stats.jointSourceRoles,
      jointDestinationRoles: c.stats.jointDestinationRoles,
      rolePairsCompared: c.stats.rolePairsCompared,
      rolePairsChanged: c.stats.rolePairsChanged,
    },
    diffMaxRssKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
    loadAverage: [load0, loadavg()[0]!],
    ...(e2e ? { endToEnd: e2e } : {}),
  };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const file = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'out', 'L.yaml');
  benchDiff(file, { endToEnd: true }).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    },
    (e: unknown) => {
      process.stderr.write(`bench/diff.ts: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
