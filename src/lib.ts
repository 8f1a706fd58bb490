/**
 * meshless as a library: `import { loadText, analyze, audit } from 'meshless'`.
 *
 * The same functions the CLI, the admission webhook and the web UI call
 * (docs/adr/0003-one-engine-everywhere.md), so a program that uses them gets the
 * answers `meshless` prints. Everything here is pure except the `load*`
 * functions, which read files, git or a cluster.
 *
 * @example
 * ```ts
 * import { loadFiles, analyze, audit } from 'meshless';
 * const inventory = (await loadFiles(['k8s/'])).inventory;
 * const result = audit(inventory);
 * for (const f of result.findings) console.log(f.check, f.message);
 * ```
 * @packageDocumentation
 */
import { analyze as analyzeInventory, type Analysis, type AnalyzeOptions } from './netpol/analysis.js';
import { reach as reachQuery, type ReachQuery, type ReachResult } from './netpol/reach.js';
import { explain as explainConnection, type Explanation, type PortQuery } from './netpol/explain.js';
import { diffConnectivity, type ConnectivityDiff } from './netpol/diff.js';
import { runAudit, type AuditResult, type Baseline } from './checks/run.js';
import { diffFindings, type FindingsDiff } from './checks/diff.js';
import { ALL_CHECKS, checkById } from './checks/index.js';
import { DEFAULT_CONFIG, type AuditConfig, type Check } from './checks/types.js';
import { inventoryFromText, inventoryFromTexts } from './load/text.js';
import { loadInput, type InputSource, type Loaded, type LoadOptions } from './load/input.js';
import type { Inventory } from './model/inventory.js';
import type { Level } from './netpol/reach.js';

export { VERSION } from './version.js';
export { MeshlessError, ERROR_KINDS, type ErrorCode, type ErrorKind } from './model/errors.js';
export type { Diagnostic } from './model/diagnostics.js';
export type { Inventory, Namespace, ParsedDocument } from './model/inventory.js';
export type { LoadedObject, KubeObject } from './model/kube.js';
export type { Endpoint } from './model/workloads.js';
export type { Analysis, AnalyzeOptions } from './netpol/analysis.js';
export type { ReachQuery, ReachResult, ReachEntry, Level } from './netpol/reach.js';
export type { Explanation, PortQuery } from './netpol/explain.js';
export type { ConnectivityDiff } from './netpol/diff.js';
export type { FindingsDiff } from './checks/diff.js';
export type { AuditResult, Baseline, ControlStatus, WorkloadRow } from './checks/run.js';
export type { AuditConfig, Check, Control, Finding, Severity, EntryPoint, CniStatus } from './checks/types.js';
export { CONTROLS, SEVERITIES, DEFAULT_CONFIG } from './checks/types.js';
export { ALL_CHECKS, checkById };
export type { InputSource, Loaded, LoadOptions } from './load/input.js';
export type { InputDigest, LoadProgress } from './load/types.js';
export { decide, parseAdmissionReview, admissionResponse, snapshotFromInventory, DEFAULT_GUARD_CONFIG, type GuardConfig, type GuardDecision, type GuardSnapshot, type AdmissionRequest } from './guard/decide.js';
export { parseSpec, checkSpec, generate, plan, type Platform, type SpecProblem, type GenerateResult, type GenerateOptions, type GeneratedFile } from './generate/index.js';
export { auditJson } from './report/audit-json.js';
export { auditSarif } from './report/audit-sarif.js';
export { auditJunit } from './report/audit-junit.js';
export { auditMarkdown } from './report/audit-markdown.js';
export { auditTable } from './report/audit-table.js';
export { reachJson, reachTable } from './report/reach.js';
export { explainText } from './report/explain.js';

/**
 * Builds an Inventory from YAML or JSON text (one or more documents). Problems in
 * the text are diagnostics in `inventory.diagnostics`, never thrown.
 * @param text Kubernetes manifests.
 * @param file The name diagnostics and findings point at.
 */
export function loadText(text: string, file = 'input.yaml', options: { readonly defaultNamespace?: string } = {}): Inventory {
  return inventoryFromText(text, file, options);
}

/** As {@link loadText}, for several texts at once (one per file). */
export function loadTexts(inputs: readonly { readonly file: string; readonly text: string }[], options: { readonly defaultNamespace?: string } = {}): Inventory {
  return inventoryFromTexts(inputs, options);
}

/**
 * Reads files and directories (`-` for standard input) into an Inventory. Large
 * files are parsed on worker threads.
 */
export function loadFiles(paths: readonly string[], options: LoadOptions = {}): Promise<Loaded> {
  return loadInput({ kind: 'files', paths }, options);
}

/**
 * Loads from any source: files, the same paths at a git revision, or a live
 * cluster through a kubeconfig. Throws a {@link MeshlessError} (code
 * `git-failed`, `cluster-unreachable`, …) when the source cannot be read at all.
 */
export function load(source: InputSource, options: LoadOptions = {}): Promise<Loaded> {
  return loadInput(source, options);
}

/**
 * The NetworkPolicy engine's view of an Inventory: endpoints grouped into
 * classes, every policy layer compiled. Reused by {@link reach}, {@link explain},
 * {@link audit} and {@link diff}.
 */
export function analyze(inventory: Inventory, options: AnalyzeOptions = {}): Analysis {
  return analyzeInventory(inventory, options);
}

/** Who may talk to whom: every allowed connection at the pod, workload or namespace level. */
export function reach(analysis: Analysis, query: Partial<ReachQuery> = {}): ReachResult {
  return reachQuery(analysis, { level: 'workload', ...query });
}

/**
 * Why one connection is allowed or denied, layer by layer and rule by rule.
 * @param from An endpoint id (`namespace/kind/name`) or `{ ip }`.
 * @param to An endpoint id or `{ ip }`.
 * @throws MeshlessError `unknown-endpoint` when an end is not in the input.
 */
export function explain(analysis: Analysis, from: string | { ip: string }, to: string | { ip: string }, port: PortQuery = {}): Explanation {
  return explainConnection(analysis, from, to, port);
}

/** Options of {@link audit}; everything has a default. */
export interface AuditOptions {
  readonly config?: Partial<AuditConfig>;
  /** The checks to run; default: all ({@link ALL_CHECKS}). */
  readonly checks?: readonly Check[];
  readonly baseline?: Baseline;
  /** An analysis of the same inventory, when you have one. */
  readonly analysis?: Analysis;
  readonly podCidrs?: readonly string[];
}

/** Runs the checks (default: all of them) and sums the findings up per control. */
export function audit(inventory: Inventory, options: AuditOptions = {}): AuditResult {
  const analysis = options.analysis ?? analyzeInventory(inventory, options.podCidrs ? { podCidrs: options.podCidrs } : {});
  return runAudit(inventory, analysis, {
    config: { ...DEFAULT_CONFIG, ...options.config },
    checks: options.checks ?? ALL_CHECKS,
    ...(options.baseline ? { baseline: options.baseline } : {}),
  });
}

/** What a change does: connections it opens or closes, findings it introduces or resolves. */
export interface DiffResult {
  readonly connectivity: ConnectivityDiff;
  readonly findings: FindingsDiff;
}

/** Compares two versions of the same platform by what the engine computes, never by YAML text. */
export function diff(before: Inventory, after: Inventory, options: { readonly level?: Level; readonly config?: Partial<AuditConfig>; readonly podCidrs?: readonly string[] } = {}): DiffResult {
  const opts = options.podCidrs ? { podCidrs: options.podCidrs } : {};
  const a = analyzeInventory(before, opts);
  const b = analyzeInventory(after, opts);
  const auditOpts = { config: { ...DEFAULT_CONFIG, ...options.config }, checks: ALL_CHECKS };
  return {
    connectivity: diffConnectivity(a, b, { level: options.level ?? 'workload' }),
    findings: diffFindings(runAudit(before, a, auditOpts), runAudit(after, b, auditOpts)),
  };
}
