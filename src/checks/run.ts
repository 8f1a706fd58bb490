/**
 * Runs checks over an Inventory and sums them up per control. Pure: the CLI,
 * the webhook and the UI all call this, so they can never disagree.
 */
import type { Inventory } from '../model/inventory.js';
import { AUDIT_SETTINGS_KIND, inputAuditSettings } from '../model/audit-settings.js';
import type { LoadedObject } from '../model/kube.js';
import type { Diagnostic } from '../model/diagnostics.js';
import type { Analysis } from '../netpol/analysis.js';
import { DIRECT_WAYS_IN, KNOWN_EDGES, UNKNOWN_EDGE, entryDetail, entryPoints } from '../exposure/index.js';
import { ofKind } from '../exposure/lookup.js';
import { unknownCheckProblem } from './index.js';
import { detectCni } from './cni.js';
import {
  CONTROLS,
  SEVERITY_RANK,
  findingNamespace,
  type AuditConfig,
  type Check,
  type CheckContext,
  type CniStatus,
  type Control,
  type EntryPoint,
  type Finding,
  type FindingDraft,
  type ObjectRef,
  type Severity,
} from './types.js';

export type ControlState = 'pass' | 'partial' | 'fail' | 'unknown';

export interface ControlStatus {
  readonly status: ControlState;
  /** Unsuppressed findings (info excluded). */
  readonly findings: number;
  readonly suppressed: number;
  /** One or two sentences: what was found, or what evidence would settle an unknown. */
  readonly note: string;
  readonly requirements: readonly string[];
}

export interface WorkloadRow {
  readonly id: string;
  readonly namespace: string;
  /** Reachable from outside through an entry point (Ingress, route, Service LoadBalancer/NodePort, host port). */
  readonly exposed: boolean;
  /** null when not exposed. */
  readonly authenticated: boolean | null;
  readonly tls: boolean | null;
  /** Node-to-node encryption (cluster-wide); null when unknown. */
  readonly nodeEncryption: boolean | null;
  readonly ingressIsolated: boolean;
  readonly egressIsolated: boolean;
}

export interface AuditResult {
  readonly controls: Readonly<Record<Control, ControlStatus>>;
  /** All findings, suppressed ones included (they carry `suppressed`), sorted. */
  readonly findings: readonly Finding[];
  readonly workloads: readonly WorkloadRow[];
  readonly entryPoints: readonly EntryPoint[];
  readonly cni: CniStatus;
  /** Problems in the input the audit noticed (a `meshless.dev/ignore` naming no check): warnings, never thrown. */
  readonly diagnostics: readonly Diagnostic[];
  /** Checks that failed to run (a bug): reported, never thrown. */
  readonly errors: readonly Diagnostic[];
  readonly checksRun: number;
}

/** A baseline: findings accepted as they are, by fingerprint. */
export interface Baseline {
  readonly entries: ReadonlyMap<string, string>;
}

/** The audit's settings as commands read them (config file, flags, baseline): what runAudit needs besides the input. */
export interface AuditSettings {
  readonly config: AuditConfig;
  readonly checks: readonly Check[];
  readonly baseline?: Baseline;
}

export interface AuditOptions {
  readonly config: AuditConfig;
  readonly checks: readonly Check[];
  readonly baseline?: Baseline;
  /** Kinds the input could not include (a live cluster that refused to list them). */
  readonly unavailableKinds?: readonly string[];
  /**
   * For the checks that declare `policyReads: 'namespace'`: only their findings about
   * objects of these namespaces (and of none) are asked for (`CheckContext.namespaces`).
   * The other checks run in full.
   */
  readonly namespaces?: ReadonlySet<string>;
}

export const CONTROL_REQUIREMENTS: Readonly<Record<Control, readonly string[]>> = {
  authentication: ['PCI-DSS 8.3.1', 'GDPR Art. 32'],
  'ingress-encryption': ['PCI-DSS 4.2.1', 'GDPR Art. 32'],
  'in-cluster-encryption': ['PCI-DSS 4.2.1 (where node traffic crosses open networks)', 'GDPR Art. 32'],
  segregation: ['PCI-DSS 1.3.1', 'PCI-DSS 1.4.1'],
};

export const IGNORE_ANNOTATION = 'meshless.dev/ignore';
export const IGNORE_REASON_ANNOTATION = 'meshless.dev/ignore-reason';

const isLoaded = (o: LoadedObject | ObjectRef): o is LoadedObject => 'object' in o && 'source' in o;

/** A stable identity for a finding, independent of line numbers: check, object and field. */
export function fingerprint(f: Pick<Finding, 'check' | 'object' | 'path'>): string {
  return [f.check, f.object.kind, f.object.namespace ?? '', f.object.name, f.path ?? ''].join('|');
}

function toFinding(check: Check, d: FindingDraft, inv: Inventory): Finding {
  let object: ObjectRef;
  if (isLoaded(d.object)) {
    const o = d.object;
    const line = d.path ? inv.locate(o.source, d.path) : o.source.itemPath ? inv.locate(o.source, '') : undefined;
    object = {
      kind: o.object.kind,
      ...(o.object.metadata.namespace !== undefined ? { namespace: o.object.metadata.namespace } : {}),
      name: o.object.metadata.name,
      file: o.source.file,
      ...(line !== undefined || o.source.line > 0 ? { line: line ?? o.source.line } : {}),
    };
  } else object = d.object;
  return {
    check: check.id,
    control: check.control,
    severity: d.severity ?? check.severity,
    object,
    ...(d.path !== undefined ? { path: d.path } : {}),
    message: d.message,
    why: d.why ?? check.rationale,
    fix: d.fix,
    ...(d.fixObjects !== undefined ? { fixObjects: d.fixObjects } : {}),
    requirements: check.requirements ?? [],
  };
}

/**
 * `meshless.dev/ignore` ids, and AuditSettings `accepted` entries, that name no check or
 * cannot match: a typo there would silently keep a finding, so each is a warning (with the
 * nearest id).
 */
export function ignoreAnnotationProblems(inventory: Inventory): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const o of inventory.objects) {
    const value = o.object.metadata.annotations?.[IGNORE_ANNOTATION];
    if (value === undefined) continue;
    for (const id of value.split(',').map((s) => s.trim())) {
      const problem = id === '*' || id === '' ? undefined : unknownCheckProblem(id);
      if (problem) out.push({ severity: 'warning', code: 'unknown-check', message: `${o.object.kind} ${o.object.metadata.namespace ? `${o.object.metadata.namespace}/` : ''}${o.object.metadata.name}: ${IGNORE_ANNOTATION} names an ${problem}`, hint: 'the finding it meant to suppress is reported', source: o.source });
    }
  }
  // The findings the input's AuditSettings accept: an entry that cannot match is said.
  const settings = inputAuditSettings(inventory);
  for (const problem of settings?.problems ?? []) out.push({ severity: 'warning', code: 'accepted-invalid', message: `${AUDIT_SETTINGS_KIND} ${problem}`, hint: 'give check, kind, name and reason (namespace and path when the finding has them)' });
  for (const a of settings?.accepted ?? []) {
    const problem = unknownCheckProblem(a.check);
    if (problem) out.push({ severity: 'warning', code: 'unknown-check', message: `${AUDIT_SETTINGS_KIND} (${settings!.from.join(', ')}): accepted names an ${problem}`, hint: 'the finding it meant to accept is reported' });
  }
  return out;
}

function suppression(f: Finding, d: FindingDraft, baseline: Baseline | undefined): Finding['suppressed'] {
  if (isLoaded(d.object)) {
    const ann = d.object.object.metadata.annotations ?? {};
    const ids = (ann[IGNORE_ANNOTATION] ?? '').split(',').map((s) => s.trim());
    const reason = ann[IGNORE_REASON_ANNOTATION]?.trim();
    if ((ids.includes(f.check) || ids.includes('*')) && reason) return { by: 'annotation', reason };
  }
  const b = baseline?.entries.get(fingerprint(f));
  if (b !== undefined) return { by: 'baseline', reason: b || 'accepted in the baseline' };
  return undefined;
}

const cmp = (a: string | number | undefined, b: string | number | undefined): number =>
  a === b ? 0 : a === undefined ? 1 : b === undefined ? -1 : a < b ? -1 : 1;

export function sortFindings(list: Finding[]): Finding[] {
  return list.sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      cmp(a.control, b.control) ||
      cmp(a.check, b.check) ||
      cmp(a.object.namespace, b.object.namespace) ||
      cmp(a.object.name, b.object.name) ||
      cmp(a.path, b.path),
  );
}

/** Builds the context checks run in; objectsOfKind is indexed once. */
export function checkContext(inventory: Inventory, analysis: Analysis, config: AuditConfig, namespaces?: ReadonlySet<string>): CheckContext {
  return { inventory, analysis, config, objectsOfKind: (k) => ofKind(inventory, k), ...(namespaces ? { namespaces } : {}) };
}

const EDGE_KINDS = ['Ingress', 'HTTPRoute', 'GRPCRoute', 'IngressRoute', 'Gateway'];

/**
 * A control's state from its findings (info excluded): `gap`, a hole in the input that
 * leaves it unknown whatever was found; `missing`, evidence whose absence leaves it
 * unknown only when nothing was found.
 */
function controlState(mine: readonly Finding[], gap: string | undefined, missing: string | undefined): { status: ControlState; note: string } {
  const open = mine.filter((f) => !f.suppressed);
  const count = `${open.length} open finding${open.length === 1 ? '' : 's'}`;
  if (gap !== undefined) return { status: 'unknown', note: open.length === 0 ? gap : `${gap}; ${count} on what could be read` };
  if (open.length === 0) {
    if (missing !== undefined) return { status: 'unknown', note: missing };
    return { status: 'pass', note: mine.length > 0 ? `no open findings (${mine.length} suppressed)` : 'no findings' };
  }
  const worst = open.reduce((w, f) => Math.max(w, SEVERITY_RANK[f.severity]), -1);
  const bySev = (['critical', 'high', 'medium', 'low'] as Severity[]).map((s) => [s, open.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  return { status: worst >= SEVERITY_RANK.high ? 'fail' : 'partial', note: `${count} (${bySev.map(([s, n]) => `${n} ${s}`).join(', ')})` };
}

/**
 * Entry points whose controller meshless cannot judge (an Ingress with no class and
 * no default IngressClass in the input, or a controller it does not model): the edge
 * controls cannot pass on them, so they are `unknown` unless something else fails.
 */
function unjudgedEdgeNote(eps: readonly EntryPoint[]): string | undefined {
  const routes = new Map<string, string>();
  for (const e of eps) {
    if (KNOWN_EDGES.has(e.via) || DIRECT_WAYS_IN.has(e.via)) continue;
    const o = e.route.object;
    routes.set(`${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`, e.via);
  }
  if (routes.size === 0) return undefined;
  const noClass = [...routes].filter(([, via]) => via === UNKNOWN_EDGE).map(([r]) => r);
  const other = [...routes].filter(([, via]) => via !== UNKNOWN_EDGE).map(([r, via]) => `${r} (${via})`);
  const parts: string[] = [];
  if (noClass.length > 0) parts.push(`${noClass.slice(0, 3).join(', ')}${noClass.length > 3 ? ` and ${noClass.length - 3} more` : ''} name${noClass.length === 1 ? 's' : ''} no ingressClassName and the input has no default IngressClass, so the controller serving ${noClass.length === 1 ? 'it' : 'them'} is unknown: include the IngressClasses (kubectl get ingressclass -o yaml) or set spec.ingressClassName`);
  if (other.length > 0) parts.push(`${other.slice(0, 3).join(', ')}${other.length > 3 ? ` and ${other.length - 3} more` : ''} use${other.length === 1 ? 's' : ''} a controller meshless does not judge (it knows ingress-nginx, Traefik and Gateway API)`);
  return parts.join('; ');
}

/**
 * The baseline the audit applies: the one given (`--baseline`), over the findings the
 * input's AuditSettings accept with a reason (what generate leaves open on purpose).
 */
function effectiveBaseline(inventory: Inventory, given: Baseline | undefined): Baseline | undefined {
  const accepted = inputAuditSettings(inventory)?.accepted ?? [];
  if (accepted.length === 0) return given;
  const entries = new Map(accepted.map((a) => [fingerprint({ check: a.check, object: { kind: a.kind, name: a.name, ...(a.namespace !== undefined ? { namespace: a.namespace } : {}) }, ...(a.path !== undefined ? { path: a.path } : {}) }), a.reason]));
  for (const [k, v] of given?.entries ?? []) entries.set(k, v);
  return { entries };
}

/** What the checks found, without the summary per control and workload: what `diff` compares. */
export type CheckFindings = Pick<AuditResult, 'findings' | 'diagnostics' | 'errors'>;

/**
 * Runs the checks, and only them: the findings (sorted, suppressions applied), the
 * input's problems the audit notices, and the checks that failed. `runAudit` adds the
 * controls, the entry points and the per-workload view, which a comparison does not read.
 */
export function runChecks(inventory: Inventory, analysis: Analysis, options: AuditOptions): CheckFindings {
  const { findings, errors } = checkFindings(checkContext(inventory, analysis, options.config), options);
  return { findings, diagnostics: ignoreAnnotationProblems(inventory), errors };
}

function checkFindings(ctx: CheckContext, options: AuditOptions): { findings: Finding[]; errors: Diagnostic[] } {
  const inventory = ctx.inventory;
  const baseline = effectiveBaseline(inventory, options.baseline);
  const findings: Finding[] = [];
  const errors: Diagnostic[] = [];
  const unavailable = new Set(options.unavailableKinds ?? []);
  const only = options.namespaces;
  const scoped: CheckContext = only ? { ...ctx, namespaces: only } : ctx;
  for (const check of options.checks) {
    // A check that reasons on the absence of a kind the input could not include would make findings up.
    if (check.requires?.some((k) => unavailable.has(k)) === true) continue;
    const local = only !== undefined && check.policyReads === 'namespace';
    let drafts: readonly FindingDraft[];
    try {
      drafts = check.run(local ? scoped : ctx);
    } catch (e) {
      // Fail loudly but keep going: one broken check must not hide the others.
      errors.push({ severity: 'error', code: 'check-failed', message: `check ${check.id} failed: ${e instanceof Error ? e.message : String(e)}`, hint: 'this is a bug in meshless; please report it with the input' });
      continue;
    }
    for (const d of drafts) {
      const f = toFinding(check, d, inventory);
      const ns = local ? findingNamespace(f.object) : undefined;
      if (ns !== undefined && !only!.has(ns)) continue;
      const s = suppression(f, d, baseline);
      findings.push(s ? { ...f, suppressed: s } : f);
    }
  }
  sortFindings(findings);
  return { findings, errors };
}

export function runAudit(inventory: Inventory, analysis: Analysis, options: AuditOptions): AuditResult {
  const ctx = checkContext(inventory, analysis, options.config);
  const { findings, errors } = checkFindings(ctx, options);
  const unavailable = new Set(options.unavailableKinds ?? []);

  let eps: EntryPoint[] = [];
  let cni: CniStatus = { encryption: 'unknown', note: 'not evaluated' };
  try {
    eps = entryPoints(ctx);
    cni = detectCni(ctx);
  } catch (e) {
    errors.push({ severity: 'error', code: 'check-failed', message: `edge or CNI detection failed: ${e instanceof Error ? e.message : String(e)}` });
  }

  // A Service of type LoadBalancer or NodePort, or a host port, is a way in too: the edge controls judge it.
  const hasEdge = EDGE_KINDS.some((k) => ctx.objectsOfKind(k).length > 0) || eps.some((e) => DIRECT_WAYS_IN.has(e.via));
  const edgeUnavailable = EDGE_KINDS.filter((k) => unavailable.has(k));
  const unjudged = unjudgedEdgeNote(eps);
  const evidence: Record<Control, string | undefined> = {
    authentication: hasEdge ? unjudged : `no Ingress, Gateway API route or Traefik IngressRoute in the input${edgeUnavailable.length ? ` (could not list ${edgeUnavailable.join(', ')})` : ''}: include the objects that expose applications to settle authentication`,
    'ingress-encryption': hasEdge ? unjudged : 'no Ingress, Gateway or route in the input: include the objects that expose applications to settle edge TLS',
    'in-cluster-encryption': cni.encryption === 'unknown' ? cni.note : undefined,
    segregation: inventory.endpoints.length === 0 ? 'no workloads (Pods, Deployments, StatefulSets…) in the input: include them to settle segregation' : undefined,
  };
  // Gaps that leave a control unknown whatever else was found: without the NetworkPolicies, isolation cannot be judged at all.
  const blocked: Partial<Record<Control, string>> = unavailable.has('NetworkPolicy')
    ? { segregation: 'NetworkPolicies could not be listed, so isolation was not judged: grant list on networkpolicies.networking.k8s.io to settle segregation' }
    : {};

  const controls = {} as Record<Control, ControlStatus>;
  for (const c of CONTROLS) {
    const mine = findings.filter((f) => f.control === c && f.severity !== 'info');
    const { status, note } = controlState(mine, blocked[c], evidence[c]);
    const open = mine.filter((f) => !f.suppressed).length;
    controls[c] = { status, findings: open, suppressed: mine.length - open, note: c === 'in-cluster-encryption' && cni.encryption !== 'unknown' ? `${cni.note}; ${note}` : note, requirements: CONTROL_REQUIREMENTS[c] };
  }

  // Per-workload view.
  const byWorkload = new Map<string, { namespace: string; ingress: boolean; egress: boolean }>();
  for (const cls of analysis.classes) {
    for (const e of cls.endpoints) {
      const w = byWorkload.get(e.workload) ?? { namespace: e.namespace, ingress: true, egress: true };
      w.ingress &&= cls.ingressIsolated;
      w.egress &&= cls.egressIsolated;
      byWorkload.set(e.workload, w);
    }
  }
  const workloadOf = new Map(inventory.endpoints.map((e) => [e.id, e.workload]));
  const exposure = new Map<string, EntryPoint[]>();
  for (const ep of eps) {
    for (const id of ep.endpoints) {
      const w = workloadOf.get(id) ?? id;
      const l = exposure.get(w) ?? [];
      l.push(ep);
      exposure.set(w, l);
    }
  }
  const nodeEncryption = cni.encryption === 'unknown' ? null : cni.encryption !== 'none';
  const workloads: WorkloadRow[] = [...byWorkload.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([id, w]) => {
      const all = exposure.get(id) ?? [];
      // An edge proxy's own load balancer: the routes behind it carry authentication and TLS, not the proxy.
      const ex = all.filter((e) => entryDetail(ctx, e)?.edgeProxy === undefined);
      return {
        id,
        namespace: w.namespace,
        exposed: all.length > 0,
        authenticated: ex.length === 0 ? null : ex.every((e) => e.authenticated || e.publicReason !== undefined),
        tls: ex.length === 0 ? null : ex.every((e) => e.tls),
        nodeEncryption,
        ingressIsolated: w.ingress,
        egressIsolated: w.egress,
      };
    });
  return { controls, findings, workloads, entryPoints: eps, cni, diagnostics: ignoreAnnotationProblems(inventory), errors, checksRun: options.checks.length };
}

/** Findings that are open and at or above a severity: what fails a CI gate. */
export function failing(result: AuditResult, threshold: Severity): Finding[] {
  return result.findings.filter((f) => !f.suppressed && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
}
