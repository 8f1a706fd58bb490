/**
 * The guard's decision: one AdmissionReview request and what the cluster holds
 * (its NetworkPolicies and Namespaces) in, a verdict out. Pure — no I/O, no
 * clock — so that the webhook, `meshless guard --check` and the tests all call
 * the same function, and so that it agrees with `meshless audit`:
 *
 * - Pods and pod templates: the rule of `seg-workload-not-isolated-ingress`
 *   (and `-egress` when egress is required), evaluated with the engine's own
 *   pieces (`parseNetworkPolicy` for policyTypes defaulting, `matches` for
 *   selectors) on the policies of the pod's namespace only: an index lookup,
 *   not a scan of every policy.
 * - Namespaces: the rule of `ns-team-name` (`teamNameReason`).
 * - Ingresses and Gateway API routes: the audit's edge checks themselves, run
 *   through `runAudit` on a small inventory made of the object and the context
 *   the snapshot holds.
 */
import { POD_TEMPLATE_PATH } from '../model/workloads.js';
import { editDistance } from '../model/suggest.js';
import type { Inventory } from '../model/inventory.js';
import { buildInventory, type ParsedDocument } from '../model/inventory.js';
import { apiGroup, isClusterScoped, type KubeObject, type LoadedObject } from '../model/kube.js';
import { formatLabels, NAMESPACE_NAME_LABEL, type Labels } from '../model/labels.js';
import { parseNetworkPolicy, type FieldProblem, type LabelSelector, type NetworkPolicy, type Protocol } from '../model/networkpolicy.js';
import type { SourceRef } from '../model/source.js';
import { analyze } from '../netpol/analysis.js';
import { describeSelector, matches, whyNotMatched } from '../netpol/selector.js';
import { edgeChecks } from '../checks/registry-edge.js';
import { checkById, unknownCheckProblem, type CheckId } from '../checks/index.js';
import { IGNORE_ANNOTATION, IGNORE_REASON_ANNOTATION, runAudit } from '../checks/run.js';
import { teamNameReason } from '../checks/ns-team-name.js';
import { DEFAULT_CONFIG, objectText, type AuditConfig, type Finding } from '../checks/types.js';
import { ingressEdge, KNOWN_EDGES, TRAEFIK } from '../exposure/index.js';
import { identifyingLabels } from '../checks/segregation.js';
import { objectsYaml, workloadEgressPolicy, workloadIngressPolicy } from '../generate/fixes.js';
import { dig, isRecord, str } from '../model/json.js';
import type { LayerPolicy, LayerTier } from '../model/layers.js';
import { isLayerObject, layerIsolating, parseLayerObject } from './layers.js';

// ---------------------------------------------------------------------------
// Configuration

export type GuardMode = 'enforce' | 'warn' | 'audit-only';
export const GUARD_MODES: readonly GuardMode[] = ['enforce', 'warn', 'audit-only'];
export type FailurePolicy = 'fail' | 'ignore';
export const FAILURE_POLICIES: readonly FailurePolicy[] = ['fail', 'ignore'];

export interface GuardConfig {
  /** enforce: deny; warn: allow with a warning; audit-only: allow, record the verdict in logs, metrics and audit annotations. */
  readonly mode: GuardMode;
  /** Pods must also be selected for egress (the audit's `requireEgressIsolation`). */
  readonly requireEgress: boolean;
  /** Namespaces whose objects are allowed unchecked (for a Namespace object: its own name). */
  readonly exemptNamespaces: readonly string[];
  /** What a request the guard cannot decide gets: `fail` denies it, `ignore` allows it with a warning. */
  readonly failurePolicy: FailurePolicy;
  /** The audit settings the shared rules read (team names and patterns). */
  readonly audit: AuditConfig;
}

/** Namespaces the platform itself runs in: exempt unless the configuration says otherwise. */
export const DEFAULT_EXEMPT_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease', 'meshless-system'];

export const DEFAULT_GUARD_CONFIG: GuardConfig = {
  mode: 'enforce',
  requireEgress: false,
  exemptNamespaces: DEFAULT_EXEMPT_NAMESPACES,
  failurePolicy: 'fail',
  audit: DEFAULT_CONFIG,
};

// ---------------------------------------------------------------------------
// AdmissionReview (admission.k8s.io/v1)

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** The parts of an AdmissionRequest the guard reads. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: { readonly group: string; readonly version: string; readonly kind: string };
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: Operation;
  /** The object as it will be stored (CREATE, UPDATE); absent for DELETE and CONNECT. */
  readonly object?: Record<string, unknown>;
  readonly dryRun?: boolean;
}

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

type Json = Record<string, unknown>;

/**
 * Checks that a parsed body is an `admission.k8s.io/v1` AdmissionReview with a
 * request the guard can read. The error names the field and what the API server
 * would have sent (these are 400s: a client bug, not a policy decision).
 */
export function parseAdmissionReview(body: unknown): { readonly request: AdmissionRequest } | { readonly error: string } {
  if (!isRecord(body)) return { error: 'the body must be a JSON object: an admission.k8s.io/v1 AdmissionReview' };
  const apiVersion = body['apiVersion'];
  if (apiVersion !== ADMISSION_API_VERSION) {
    return {
      error:
        apiVersion === 'admission.k8s.io/v1beta1'
          ? 'apiVersion admission.k8s.io/v1beta1 is not served: set admissionReviewVersions: [v1] in the ValidatingWebhookConfiguration'
          : `apiVersion must be ${ADMISSION_API_VERSION}, got ${JSON.stringify(apiVersion ?? null)}`,
    };
  }
  if (body['kind'] !== 'AdmissionReview') return { error: `kind must be AdmissionReview, got ${JSON.stringify(body['kind'] ?? null)}` };
  const req = body['request'];
  if (!isRecord(req)) return { error: 'request is missing: an AdmissionReview sent to a webhook carries request {uid, kind, operation, object...}' };
  const uid = str(req['uid']);
  if (uid === undefined) return { error: 'request.uid is missing: it must be a non-empty string (the response echoes it)' };
  const kind = req['kind'];
  if (!isRecord(kind) || str(kind['kind']) === undefined || typeof kind['version'] !== 'string' || typeof (kind['group'] ?? '') !== 'string') {
    return { error: 'request.kind must be {group, version, kind} (e.g. {"group": "apps", "version": "v1", "kind": "Deployment"})' };
  }
  const operation = req['operation'];
  if (typeof operation !== 'string' || !OPERATIONS.includes(operation as Operation)) {
    return { error: `request.operation must be one of ${OPERATIONS.join(', ')}, got ${JSON.stringify(operation ?? null)}` };
  }
  const object = req['object'];
  if ((operation === 'CREATE' || operation === 'UPDATE') && !isRecord(object)) {
    return { error: `request.object is missing: a ${operation} request carries the object to admit` };
  }
  for (const f of ['name', 'namespace', 'subResource'] as const) {
    if (req[f] !== undefined && req[f] !== null && typeof req[f] !== 'string') return { error: `request.${f} must be a string` };
  }
  const request: AdmissionRequest = {
    uid,
    kind: { group: (kind['group'] as string | undefined) ?? '', version: kind['version'], kind: kind['kind'] as string },
    operation: operation as Operation,
    ...(str(req['subResource']) !== undefined ? { subResource: req['subResource'] as string } : {}),
    ...(str(req['name']) !== undefined ? { name: req['name'] as string } : {}),
    ...(str(req['namespace']) !== undefined ? { namespace: req['namespace'] as string } : {}),
    ...(isRecord(object) ? { object } : {}),
    ...(req['dryRun'] === true ? { dryRun: true } : {}),
  };
  return { request };
}

// ---------------------------------------------------------------------------
// The snapshot: what the cache knows

/** A cluster-wide resource the cache lists and watches. */
export interface WatchedResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  /**
   * Context for the edge checks: a cluster may not serve it (no Envoy Gateway, no
   * cert-manager: 404) or the guard may not be allowed to read it (403). Either way it
   * is marked unavailable and does not hold up readiness; the decisions that need it
   * fall back to a warning naming it. Without `context`, the resource is required.
   */
  readonly context?: boolean;
}

/** What the guard needs: nothing more is read (the RBAC in `meshless guard manifests` grants exactly these). Never Secrets. */
export const GUARD_RESOURCES: readonly WatchedResource[] = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies' },
  // The edge checks' context: which edge serves an Ingress, and what authenticates and encrypts a route.
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', plural: 'ingressclasses', context: true },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', plural: 'gateways', context: true },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', plural: 'gatewayclasses', context: true },
  { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', plural: 'referencegrants', context: true },
  { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'SecurityPolicy', plural: 'securitypolicies', context: true },
  // An EnvoyProxy with a ClusterIP Service makes a Gateway internal: without it a private route would be judged public.
  { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyProxy', plural: 'envoyproxies', context: true },
  { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', plural: 'issuers', context: true },
  { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', plural: 'clusterissuers', context: true },
  { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', plural: 'middlewares', context: true },
  // Cluster-wide and CNI policies: a pod one of them isolates is covered. Optional: a cluster
  // without the CRD simply has none.
  { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', plural: 'clusternetworkpolicies', context: true },
  { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', plural: 'adminnetworkpolicies', context: true },
  { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', plural: 'baselineadminnetworkpolicies', context: true },
  { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', plural: 'globalnetworkpolicies', context: true },
  { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', plural: 'networkpolicies', context: true },
  { apiVersion: 'projectcalico.org/v3', kind: 'Tier', plural: 'tiers', context: true },
  { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', plural: 'ciliumnetworkpolicies', context: true },
  { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', plural: 'ciliumclusterwidenetworkpolicies', context: true },
];

/** `issuers.cert-manager.io`, `namespaces`: how RBAC and kubectl name a resource. */
export function qualifiedResource(r: WatchedResource): string {
  const slash = r.apiVersion.indexOf('/');
  return slash < 0 ? r.plural : `${r.plural}.${r.apiVersion.slice(0, slash)}`;
}

/** The ClusterRole rules that read exactly the watched resources: get, list and watch, by API group. */
export function guardRbacRules(resources: readonly WatchedResource[] = GUARD_RESOURCES): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const byGroup = new Map<string, string[]>();
  for (const r of resources) {
    const slash = r.apiVersion.indexOf('/');
    const group = slash < 0 ? '' : r.apiVersion.slice(0, slash);
    const l = byGroup.get(group);
    if (l) l.push(r.plural);
    else byGroup.set(group, [r.plural]);
  }
  return [...byGroup].map(([group, plurals]) => ({ apiGroups: [group], resources: plurals, verbs: ['get', 'list', 'watch'] }));
}

/** What the decision reads from the cluster. The watch cache and `--check` both provide one. */
export interface GuardSnapshot {
  /** False until the cache has listed everything once: Pods cannot be decided before that. */
  readonly synced: boolean;
  /**
   * True when the snapshot holds every object there is (an offline check of files, like
   * the audit's input); false for the watch cache, which holds only some kinds, so that
   * findings drawn from the absence of other objects (a TLS Secret, a Service) are not made.
   */
  readonly complete: boolean;
  /** The valid NetworkPolicies of one namespace. */
  policiesIn(namespace: string): readonly NetworkPolicy[];
  /** A Namespace object, as loaded. */
  namespaceObject(name: string): LoadedObject | undefined;
  /** The cluster-wide and CNI policies, and the Calico Tiers (absent: none are held). */
  layers?(): { readonly policies: readonly LayerPolicy[]; readonly tiers: readonly LayerTier[] };
  /** Other objects the edge checks may read (Gateways, SecurityPolicies, Services...); empty unless the snapshot holds them. */
  contextObjects(): readonly LoadedObject[];
  /**
   * Context kinds the snapshot cannot hold, with why (the cluster does not serve them, or
   * the guard may not read them). Absent or empty: every kind the edge checks read is held.
   */
  unavailableKinds?(): ReadonlyMap<string, string>;
}

const CLUSTER_SOURCE: SourceRef = { file: 'cluster', doc: 0, line: 0 };

const objectKey = (kind: string, namespace: string | undefined, name: string): string => `${kind}|${namespace ?? ''}|${name}`;

/**
 * The cache's view, kept up to date event by event: NetworkPolicies parsed once
 * when they arrive and grouped by namespace (a review reads one namespace's
 * array), Namespaces by name, and any other kind as context for the edge checks.
 * Mutable, but pure: no I/O, no clock.
 */
export class PolicyIndex implements GuardSnapshot {
  synced = false;
  complete = false;
  private readonly policies = new Map<string, Map<string, NetworkPolicy>>();
  /** Per namespace, the policies as an array (rebuilt when that namespace changes). */
  private readonly arrays = new Map<string, readonly NetworkPolicy[]>();
  private readonly namespaces = new Map<string, LoadedObject>();
  private readonly context = new Map<string, LoadedObject>();
  private contextList: readonly LoadedObject[] | undefined;
  /** NetworkPolicies the API server would have rejected (never expected from a cluster): left out. */
  private readonly invalid = new Map<string, readonly FieldProblem[]>();
  private readonly unavailable = new Map<string, string>();
  /** Layer objects by `group|kind|namespace|name`: their policies and (for a Tier) the tier. */
  private readonly layerObjects = new Map<string, { policies: LayerPolicy[]; tier?: LayerTier }>();
  private layerView: { policies: LayerPolicy[]; tiers: LayerTier[] } | undefined;

  layers(): { readonly policies: readonly LayerPolicy[]; readonly tiers: readonly LayerTier[] } {
    if (!this.layerView) {
      const policies: LayerPolicy[] = [];
      const tiers: LayerTier[] = [];
      for (const v of this.layerObjects.values()) {
        policies.push(...v.policies);
        if (v.tier) tiers.push(v.tier);
      }
      this.layerView = { policies, tiers };
    }
    return this.layerView;
  }

  unavailableKinds(): ReadonlyMap<string, string> {
    return this.unavailable;
  }

  /** Marks a context kind unavailable (with why), or available again (`undefined`). */
  setUnavailable(kind: string, why: string | undefined): void {
    if (why === undefined) this.unavailable.delete(kind);
    else this.unavailable.set(kind, why);
  }

  policiesIn(namespace: string): readonly NetworkPolicy[] {
    let a = this.arrays.get(namespace);
    if (a === undefined) {
      const m = this.policies.get(namespace);
      a = m ? [...m.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)) : [];
      this.arrays.set(namespace, a);
    }
    return a;
  }

  namespaceObject(name: string): LoadedObject | undefined {
    return this.namespaces.get(name);
  }

  contextObjects(): readonly LoadedObject[] {
    this.contextList ??= [...this.context.values()];
    return this.contextList;
  }

  /** Adds or replaces one object (a list item or an ADDED/MODIFIED event). Returns why a NetworkPolicy was left out, if it was. */
  set(object: KubeObject, source: SourceRef = CLUSTER_SOURCE): readonly FieldProblem[] {
    const { kind, metadata } = object;
    if (isLayerObject(object.apiVersion, kind)) {
      const parsed = parseLayerObject(object, source);
      const key = `${apiGroup(object.apiVersion)}|${kind}|${metadata.namespace ?? ''}|${metadata.name}`;
      if (parsed.policies.length > 0 || parsed.tier) this.layerObjects.set(key, { policies: parsed.policies, ...(parsed.tier ? { tier: parsed.tier } : {}) });
      else this.layerObjects.delete(key);
      this.layerView = undefined;
      return parsed.problems;
    }
    if (kind === 'NetworkPolicy') {
      const ns = metadata.namespace ?? 'default';
      const problems: FieldProblem[] = [];
      const p = parseNetworkPolicy(object, ns, source, problems);
      const key = `${ns}/${metadata.name}`;
      let m = this.policies.get(ns);
      if (p) {
        if (!m) this.policies.set(ns, (m = new Map<string, NetworkPolicy>()));
        m.set(metadata.name, p);
        this.invalid.delete(key);
      } else {
        m?.delete(metadata.name);
        this.invalid.set(key, problems);
      }
      this.arrays.delete(ns);
      return problems;
    }
    if (kind === 'Namespace') {
      // The API server sets this label on every namespace; objects from files may lack it.
      const labels = { ...(metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: metadata.name };
      this.namespaces.set(metadata.name, { object: { ...object, metadata: { ...metadata, labels } }, source });
      return [];
    }
    this.context.set(objectKey(kind, metadata.namespace, metadata.name), { object, source });
    this.contextList = undefined;
    return [];
  }

  /** Removes one object (a DELETED event). `apiVersion` tells a Calico NetworkPolicy from a Kubernetes one. */
  delete(kind: string, namespace: string | undefined, name: string, apiVersion = 'networking.k8s.io/v1'): void {
    if (isLayerObject(apiVersion, kind)) {
      this.layerObjects.delete(`${apiGroup(apiVersion)}|${kind}|${namespace ?? ''}|${name}`);
      this.layerView = undefined;
    } else if (kind === 'NetworkPolicy') {
      const ns = namespace ?? 'default';
      this.policies.get(ns)?.delete(name);
      this.invalid.delete(`${ns}/${name}`);
      this.arrays.delete(ns);
    } else if (kind === 'Namespace') {
      this.namespaces.delete(name);
    } else if (this.context.delete(objectKey(kind, namespace, name))) {
      this.contextList = undefined;
    }
  }

  /** Replaces every object of one kind (a fresh list, e.g. after 410 Gone). */
  replaceKind(kind: string, objects: readonly KubeObject[], source: SourceRef = CLUSTER_SOURCE, apiVersion = 'networking.k8s.io/v1'): void {
    if (isLayerObject(apiVersion, kind)) {
      const prefix = `${apiGroup(apiVersion)}|${kind}|`;
      for (const k of [...this.layerObjects.keys()]) if (k.startsWith(prefix)) this.layerObjects.delete(k);
      this.layerView = undefined;
    } else if (kind === 'NetworkPolicy') {
      this.policies.clear();
      this.arrays.clear();
      this.invalid.clear();
    } else if (kind === 'Namespace') {
      this.namespaces.clear();
    } else {
      for (const [k, o] of this.context) if (o.object.kind === kind) this.context.delete(k);
      this.contextList = undefined;
    }
    for (const o of objects) this.set(o, source);
  }

  /** How many objects of each kind it holds (for /metrics). */
  counts(): Record<string, number> {
    let policies = 0;
    for (const m of this.policies.values()) policies += m.size;
    const out: Record<string, number> = { NetworkPolicy: policies, Namespace: this.namespaces.size };
    for (const k of this.layerObjects.keys()) {
      const kind = k.split('|')[1]!;
      out[kind] = (out[kind] ?? 0) + 1;
    }
    for (const o of this.context.values()) out[o.object.kind] = (out[o.object.kind] ?? 0) + 1;
    return out;
  }

  /** NetworkPolicies left out because they are invalid, with the reasons. */
  invalidPolicies(): ReadonlyMap<string, readonly FieldProblem[]> {
    return this.invalid;
  }
}

/** A synced snapshot of the given objects (tests, and objects assembled by hand). */
export function snapshotFromObjects(objects: readonly KubeObject[], source: SourceRef = CLUSTER_SOURCE): PolicyIndex {
  const index = new PolicyIndex();
  for (const o of objects) index.set(o, source);
  index.synced = true;
  return index;
}

/**
 * A snapshot of an Inventory (`meshless guard --check FILE...`): its policies as the
 * audit parsed them, its declared Namespaces, and every other object as context, so
 * that the edge checks see what `meshless audit` sees for the same files.
 */
export function snapshotFromInventory(inv: Inventory): GuardSnapshot {
  const byNs = new Map<string, NetworkPolicy[]>();
  for (const p of inv.policies) {
    const l = byNs.get(p.namespace);
    if (l) l.push(p);
    else byNs.set(p.namespace, [p]);
  }
  const namespaces = new Map<string, LoadedObject>();
  const context: LoadedObject[] = [];
  for (const o of inv.objects) {
    if (o.object.kind === 'Namespace' && o.object.apiVersion === 'v1') namespaces.set(o.object.metadata.name, o);
    else if (o.object.kind !== 'NetworkPolicy') context.push(o);
  }
  return {
    synced: true,
    complete: true,
    policiesIn: (ns) => byNs.get(ns) ?? [],
    layers: () => inv.layers,
    namespaceObject: (name) => namespaces.get(name),
    contextObjects: () => context,
  };
}

// ---------------------------------------------------------------------------
// The decision

/** `allowed`: nothing to object to; `denied`: refused (enforce); `would-deny`: allowed only because of the mode; `undecided`: the failure policy answered. */
export type Verdict = 'allowed' | 'denied' | 'would-deny' | 'undecided';

export interface GuardReason {
  /** The audit check it applies (`seg-workload-not-isolated-ingress`, `ns-team-name`, `tls-host-without-tls`...) or the guard's own code (`exempt`, `not-reviewed`, `undecided`...). */
  readonly code: string;
  /** deny: the object breaks a rule; warn: a softer finding, shown as an AdmissionReview warning; info: why nothing was checked. */
  readonly effect: 'deny' | 'warn' | 'info';
  /** One line. */
  readonly summary: string;
  /** The full explanation with the fix (YAML), for the denial message. */
  readonly detail?: string;
}

export interface ReviewedObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface GuardDecision {
  readonly allowed: boolean;
  readonly verdict: Verdict;
  /** Set when the request is refused: what kubectl prints after `denied the request:`. */
  readonly status?: { readonly code: number; readonly message: string };
  /** AdmissionReview warnings (kubectl prints each as `Warning: ...`). */
  readonly warnings: readonly string[];
  readonly reasons: readonly GuardReason[];
  /** Recorded in the API server's audit log (prefixed there with the webhook name). */
  readonly auditAnnotations?: Readonly<Record<string, string>>;
  readonly object: ReviewedObject;
}

/** The API server truncates longer warnings; keep each to one readable line. */
export const MAX_WARNING_LENGTH = 256;

function clip(s: string, max = MAX_WARNING_LENGTH): string {
  const one = s.replace(/\s*\n\s*/g, ' ');
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/** Pod-bearing kinds and where each keeps its pod template (shared with the inventory). */
const TEMPLATE_PATH: Readonly<Record<string, readonly string[]>> = POD_TEMPLATE_PATH;

/** Kinds whose exposure the edge checks judge. */
const EDGE_KINDS: ReadonlySet<string> = new Set(['Ingress', 'HTTPRoute', 'GRPCRoute']);

/**
 * The edge checks whose findings deny: those that declare `admission: 'deny'`
 * (exposed without authentication, or without TLS). Every other edge finding is a warning.
 */
export const DENYING_EDGE_CHECKS: ReadonlySet<string> = new Set(edgeChecks.filter((c) => c.admission === 'deny').map((c) => c.id));

/**
 * Edge checks that conclude from the absence of an object (the TLS Secret, the Service
 * auth-url names, the issuer): run only on a complete snapshot, since the watch cache
 * does not hold those kinds.
 */
export const ABSENCE_CHECKS: ReadonlySet<string> = new Set(['tls-no-certificate-source', 'auth-url-target-missing', 'tls-issuer-missing'] as const satisfies readonly CheckId[]);

export const WORKLOAD_INGRESS_CHECK = 'seg-workload-not-isolated-ingress' satisfies CheckId;
export const WORKLOAD_EGRESS_CHECK = 'seg-workload-not-isolated-egress' satisfies CheckId;
export const NAMESPACE_CHECK = 'ns-team-name' satisfies CheckId;

/** Kinds the guard reviews (any other kind is allowed unchecked). */
export const REVIEWED_KINDS: readonly string[] = [...Object.keys(TEMPLATE_PATH), 'Namespace', ...EDGE_KINDS];
const REVIEWED: ReadonlySet<string> = new Set(REVIEWED_KINDS);

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** The object under review: kind, namespace and a name to show (generated names are not known yet at CREATE). */
function reviewedObject(req: AdmissionRequest): ReviewedObject {
  const kind = req.kind.kind;
  const m = req.object?.['metadata'];
  const meta: Json = isRecord(m) ? m : {};
  const generated = str(meta['generateName']);
  const name = str(meta['name']) ?? req.name ?? (generated !== undefined ? `${generated}<generated>` : '<unnamed>');
  const namespace = isClusterScoped(kind) ? undefined : (req.namespace ?? str(meta['namespace']) ?? 'default');
  return namespace === undefined ? { kind, name } : { kind, namespace, name };
}

/** `meshless.dev/ignore: CHECK[,CHECK]` with a non-empty `meshless.dev/ignore-reason`: the audit's suppression, honoured here too. */
function suppressedBy(annotations: Readonly<Record<string, string>>, check: string): string | undefined {
  const ids = (annotations[IGNORE_ANNOTATION] ?? '').split(',').map((s) => s.trim());
  const reason = annotations[IGNORE_REASON_ANNOTATION]?.trim();
  return (ids.includes(check) || ids.includes('*')) && reason ? reason : undefined;
}

/** Composes the answer from the reasons, the mode and the failure policy. */
function conclude(object: ReviewedObject, reasons: readonly GuardReason[], config: GuardConfig): GuardDecision {
  const denies = reasons.filter((r) => r.effect === 'deny');
  const softer = reasons.filter((r) => r.effect === 'warn').map((r) => clip(r.summary));
  if (denies.length === 0) return { allowed: true, verdict: 'allowed', warnings: softer, reasons, object };
  const message = denies.map((d) => d.detail ?? d.summary).filter((m) => m !== '').join('\n\n');
  switch (config.mode) {
    case 'enforce':
      return { allowed: false, verdict: 'denied', status: { code: 403, message }, warnings: softer, reasons, object };
    case 'warn':
      return { allowed: true, verdict: 'would-deny', warnings: [...denies.map((d) => clip(`meshless guard (warn mode) would deny this: ${d.summary}`)), ...softer], reasons, object };
    case 'audit-only':
      return { allowed: true, verdict: 'would-deny', warnings: [], reasons, object, auditAnnotations: { 'would-deny': clip(denies.map((d) => d.summary).join('; '), 1024) } };
  }
}

/**
 * The answer for a request the guard cannot decide (the cache has not synced, or
 * the decision failed): the configured failure policy.
 */
export function undecided(request: AdmissionRequest, why: string, config: Pick<GuardConfig, 'failurePolicy'>): GuardDecision {
  const object = reviewedObject(request);
  const reason: GuardReason = { code: 'undecided', effect: 'info', summary: `meshless guard could not decide on ${objectText(object)}: ${why}` };
  if (config.failurePolicy === 'fail') {
    return {
      allowed: false,
      verdict: 'undecided',
      status: { code: 500, message: `${reason.summary}. The failure policy is fail, so it is refused; try again shortly, and check the meshless-guard logs and /readyz if it persists.` },
      warnings: [],
      reasons: [reason],
      object,
    };
  }
  return { allowed: true, verdict: 'undecided', warnings: [clip(`${reason.summary}; allowed unchecked (failure policy ignore)`)], reasons: [reason], object };
}

/**
 * Decides one admission request against the snapshot. Never throws for bad
 * input; the server turns an unexpected exception into `undecided`.
 */
export function decide(request: AdmissionRequest, snapshot: GuardSnapshot, config: GuardConfig): GuardDecision {
  const object = reviewedObject(request);
  const kind = request.kind.kind;
  const info = (code: string, summary: string): GuardDecision => ({ allowed: true, verdict: 'allowed', warnings: [], reasons: [{ code, effect: 'info', summary }], object });

  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return info('not-reviewed', `${request.operation} is not reviewed`);
  if (request.subResource !== undefined) return info('not-reviewed', `subresource ${request.subResource} is not reviewed`);
  if (!REVIEWED.has(kind)) return info('not-reviewed', `kind ${kind} is not reviewed`);
  const obj = request.object!;
  const scope = kind === 'Namespace' ? object.name : object.namespace;
  if (scope !== undefined && config.exemptNamespaces.includes(scope)) return info('exempt', `namespace ${scope} is exempt`);
  // Removing finalizers from an object being deleted is an UPDATE: never block a deletion.
  const deleting = dig(obj, ['metadata', 'deletionTimestamp']);
  if (deleting !== undefined && deleting !== null) return info('deleting', `${objectText(object)} is being deleted`);
  // A mistyped id in meshless.dev/ignore would silently keep a finding: warn, as meshless audit does.
  const typos = ignoreAnnotationReasons(object, obj);
  if (kind === 'Namespace') return conclude(object, [...namespaceReasons(request, object, obj, config), ...typos], config);
  if (EDGE_KINDS.has(kind)) return conclude(object, [...edgeReasons(request, object, obj, snapshot, config), ...typos], config);
  if (!snapshot.synced) return undecided(request, 'its NetworkPolicy cache has not synced with the API server yet', config);
  const reasons = workloadReasons(object, obj, snapshot, config);
  if (reasons === undefined) return undecided(request, `the ${kind} has no pod template at ${[...(TEMPLATE_PATH[kind] ?? []), 'spec'].join('.')}`, config);
  return conclude(object, [...reasons, ...typos], config);
}

/**
 * `meshless.dev/ignore` ids that name no check (on the object, or on the pod template of
 * a controller): one warning each, with the nearest id. Same wording as the audit's.
 */
function ignoreAnnotationReasons(object: ReviewedObject, obj: Json): GuardReason[] {
  const values = [dig(obj, ['metadata', 'annotations', IGNORE_ANNOTATION]), ...(TEMPLATE_PATH[object.kind] ? [dig(obj, [...TEMPLATE_PATH[object.kind]!, 'metadata', 'annotations', IGNORE_ANNOTATION])] : [])];
  const out: GuardReason[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string') continue;
    for (const id of value.split(',').map((x) => x.trim())) {
      if (id === '*' || id === '' || seen.has(id)) continue;
      seen.add(id);
      const problem = unknownCheckProblem(id);
      if (problem !== undefined) out.push({ code: 'unknown-check', effect: 'warn', summary: `${objectText(object)}: ${IGNORE_ANNOTATION} names an ${problem}; the finding it meant to suppress is reported` });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Pods and pod templates

interface PortLine {
  readonly port: number;
  readonly protocol: string;
}

function containerPorts(podSpec: Json): PortLine[] {
  const out: PortLine[] = [];
  const seen = new Set<string>();
  const lists = [podSpec['containers'], podSpec['initContainers']];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isRecord(c) || (list === podSpec['initContainers'] && c['restartPolicy'] !== 'Always')) continue;
      const ports = c['ports'];
      if (!Array.isArray(ports)) continue;
      for (const p of ports) {
        const port = dig(p, ['containerPort']);
        if (typeof port !== 'number') continue;
        const protocol = str(dig(p, ['protocol'])) ?? 'TCP';
        const k = `${protocol}/${port}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push({ port, protocol });
      }
    }
  }
  return out;
}


/** A typo rather than another name: at most 2 edits, and fewer than a third of the word. */
const similar = (a: string, b: string): boolean => {
  const e = editDistance(a, b);
  return e <= 2 && e * 3 < Math.max(a.length, b.length);
};

/**
 * Does the selector nearly select the labels? Exactly one requirement fails, and
 * either another positive requirement (a label, In, Exists) holds — the selector
 * agrees on something and is one label off — or the failing one is a near miss: a
 * value one typo away, or a value the pod carries under another key.
 */
function nearlyMatches(sel: LabelSelector, labels: Labels): boolean {
  const failing: { key: string; values: readonly string[] }[] = [];
  let agreeing = 0;
  for (const k in sel.matchLabels) {
    if (labels[k] !== sel.matchLabels[k]) failing.push({ key: k, values: [sel.matchLabels[k]!] });
    else agreeing++;
  }
  for (const r of sel.matchExpressions) {
    if (!matches({ matchLabels: {}, matchExpressions: [r] }, labels)) failing.push({ key: r.key, values: r.operator === 'In' ? r.values : [] });
    else if (r.operator === 'In' || r.operator === 'Exists') agreeing++;
  }
  if (failing.length !== 1) return false;
  if (agreeing > 0) return true;
  const f = failing[0]!;
  const have = labels[f.key];
  const values = Object.values(labels);
  return f.values.some((v) => (have !== undefined && similar(v, have)) || (have === undefined && values.includes(v)));
}

type Direction = 'ingress' | 'egress';
const TYPE: Record<Direction, string> = { ingress: 'Ingress', egress: 'Egress' };

function typesOf(p: NetworkPolicy): string {
  const t = [p.ingressType ? 'Ingress' : '', p.egressType ? 'Egress' : ''].filter(Boolean);
  return `[${t.join(', ')}]${p.policyTypesDefaulted ? ' (defaulted: policyTypes is not set and spec.egress is empty)' : ''}`;
}

/** `file:line` of a policy read from files; nothing for one from the cluster. */
const where = (p: NetworkPolicy): string | undefined => (p.source.line > 0 ? `${p.source.file}:${p.source.line}` : undefined);

interface Near {
  readonly policy: NetworkPolicy;
  /** 1: one requirement off; 2: selects the pods for another direction only. */
  readonly distance: number;
  readonly text: string;
}

/**
 * Policies in the namespace that nearly cover the pods: first those whose selector
 * misses by one requirement (typically a typo), then those that select the pods
 * for the other direction only.
 */
function nearestPolicies(policies: readonly NetworkPolicy[], labels: Labels, missing: readonly Direction[]): Near[] {
  const out: Near[] = [];
  for (const p of policies) {
    const has = missing.filter((d) => (d === 'ingress' ? p.ingressType : p.egressType));
    if (matches(p.podSelector, labels)) {
      // It selects the pods, yet they are not isolated in a missing direction: its policyTypes leave that direction out.
      const at = where(p);
      out.push({ policy: p, distance: 2, text: `NetworkPolicy ${p.name}${at !== undefined ? ` (${at})` : ''} selects these pods, but not for ${missing.join(' or ')}: its policyTypes are ${typesOf(p)}` });
      continue;
    }
    if (has.length === 0 || !nearlyMatches(p.podSelector, labels)) continue;
    const why = whyNotMatched(p.podSelector, labels) ?? 'one requirement differs';
    const at = where(p);
    out.push({ policy: p, distance: 1, text: `NetworkPolicy ${p.name} (${has.map((x) => TYPE[x]).join(', ')}${at !== undefined ? `, ${at}` : ''}) is one label off: podSelector ${describeSelector(p.podSelector)} ${why}` });
  }
  return out.sort((a, b) => a.distance - b.distance || (a.policy.name < b.policy.name ? -1 : 1)).slice(0, 3);
}

/** Picks a name for the policy the fix proposes: the app label, else the object's name. */
function baseName(labels: Labels, object: ReviewedObject): string {
  const fromLabel = labels['app.kubernetes.io/name'] ?? labels['app'] ?? labels['k8s-app'];
  const raw = fromLabel ?? object.name.replace(/<generated>$/, '').replace(/-$/, '');
  return raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'workload';
}

/** The policy the denial proposes: the same builder as the audit's finding (generate/fixes.ts). */
function fixYaml(dir: Direction, name: string, namespace: string, labels: Labels, ports: readonly PortLine[]): string[] {
  const w = { namespace, name, select: identifyingLabels(labels) };
  const policy = dir === 'ingress' ? workloadIngressPolicy({ ...w, ports: ports.map((p) => ({ protocol: p.protocol as Protocol, port: p.port })) }) : workloadEgressPolicy(w);
  return objectsYaml([policy]).trimEnd().split('\n');
}

/**
 * The segregation rule: a pod must be selected by a NetworkPolicy of its
 * namespace that has Ingress (and, when required, Egress) among its effective
 * policyTypes — exactly what makes the engine mark its class isolated. Undefined
 * when the object has no pod template to judge.
 */
function workloadReasons(object: ReviewedObject, obj: Json, snapshot: GuardSnapshot, config: GuardConfig): GuardReason[] | undefined {
  const path = TEMPLATE_PATH[object.kind]!;
  const template = path.length === 0 ? obj : dig(obj, path);
  const podSpec = dig(template, ['spec']);
  if (!isRecord(podSpec)) return undefined;
  const namespace = object.namespace ?? 'default';
  if (podSpec['hostNetwork'] === true) {
    return [{ code: 'host-network', effect: 'warn', summary: `${objectText(object)} uses hostNetwork: NetworkPolicies do not govern its traffic (it is the node's), so it is not checked; protect the node with host firewall rules` }];
  }
  // The labels as sent (the API server has validated them as strings): matching reads them without a copy.
  const rawLabels = dig(template, ['metadata', 'labels']);
  const labels: Labels = isRecord(rawLabels) ? (rawLabels as Labels) : {};
  const policies = snapshot.policiesIn(namespace);
  let ingress = false;
  let egress = false;
  for (const p of policies) {
    if ((p.ingressType && !ingress) || (p.egressType && !egress)) {
      if (!matches(p.podSelector, labels)) continue;
      if (p.ingressType) ingress = true;
      if (p.egressType) egress = true;
    }
  }
  // A cluster-wide or CNI policy that isolates the pods covers them too.
  const layers = snapshot.layers?.();
  if (layers && layers.policies.length > 0 && (!ingress || (!egress && config.requireEgress))) {
    const nsObject = snapshot.namespaceObject(namespace);
    const ns = { name: namespace, labels: { ...(nsObject?.object.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: namespace }, declared: nsObject !== undefined };
    const sa = str(podSpec['serviceAccountName']) ?? 'default';
    if (!ingress && layerIsolating(layers.policies, layers.tiers, labels, ns, sa, 'ingress')) ingress = true;
    if (!egress && config.requireEgress && layerIsolating(layers.policies, layers.tiers, labels, ns, sa, 'egress')) egress = true;
  }
  const missing: Direction[] = [];
  if (!ingress) missing.push('ingress');
  if (!egress && config.requireEgress) missing.push('egress');
  if (missing.length === 0) return [];

  const annotations = stringMap(dig(obj, ['metadata', 'annotations']));
  const reasons: GuardReason[] = [];
  const open: Direction[] = [];
  for (const d of missing) {
    const check = d === 'ingress' ? WORKLOAD_INGRESS_CHECK : WORKLOAD_EGRESS_CHECK;
    const why = suppressedBy(annotations, check);
    if (why !== undefined) reasons.push({ code: check, effect: 'info', summary: `${check} is suppressed by ${IGNORE_ANNOTATION}: ${why}` });
    else open.push(d);
  }
  if (open.length === 0) return reasons;

  // Denied: from here on, what is shown to people (string labels only).
  const shown: Labels = stringMap(labels);

  const what = objectText(object);
  const summaryFor = (d: Direction): string => `${what}: no NetworkPolicy in namespace ${namespace} selects its pods ${formatLabels(shown)} for ${d}`;
  const near = nearestPolicies(policies, shown, open);
  const lines = [
    `${what}: no NetworkPolicy in namespace ${namespace} selects its pods ${formatLabels(shown)} for ${open.join(' or ')}.`,
    open.includes('ingress')
      ? 'Unselected for ingress, they accept connections from every pod in the cluster and from anything outside that can route to them.'
      : 'Unselected for egress, they may connect to every pod in the cluster and to the internet.',
  ];
  if (near.length > 0) {
    lines.push('', 'Nearest policies:', ...near.map((n) => `  - ${n.text}`));
  } else if (policies.length === 0) {
    lines.push('', `Namespace ${namespace} has no NetworkPolicy at all.`);
  } else {
    const others = policies.slice(0, 5).map((p) => `${p.name} ${describeSelector(p.podSelector)}`);
    lines.push('', `The policies of ${namespace} select other pods: ${others.join('; ')}${policies.length > 5 ? `; and ${policies.length - 5} more` : ''}.`);
  }
  const name = baseName(shown, object);
  lines.push('', `Fix: ${near.length > 0 ? 'correct the nearest policy above, or ' : ''}add a NetworkPolicy that selects these pods and admits only what they need (replace the <...> placeholders):`);
  const taken = new Set(policies.map((p) => p.name));
  open.forEach((d, i) => {
    if (i > 0) lines.push('---');
    // Never the name of an existing policy: applying the fix must not overwrite one.
    let policyName = `${name}-${d}`;
    for (let n = 2; taken.has(policyName); n++) policyName = `${name}-${d}-${n}`;
    lines.push(...fixYaml(d, policyName, namespace, shown, containerPorts(podSpec)));
  });
  const checks = open.map((d) => (d === 'ingress' ? WORKLOAD_INGRESS_CHECK : WORKLOAD_EGRESS_CHECK));
  lines.push('', `To accept the risk instead, annotate ${object.kind === 'Pod' ? 'the Pod (in its controller, the pod template)' : `the ${object.kind}`} with ${IGNORE_ANNOTATION}: ${checks.join(',')} and ${IGNORE_REASON_ANNOTATION}: "<why>".`);
  // One reason per direction (each is one audit check); the explanation, written once, rides on the first.
  open.forEach((d, i) => {
    reasons.push({ code: checks[i]!, effect: 'deny', summary: summaryFor(d), detail: i === 0 ? lines.join('\n') : '' });
  });
  return reasons;
}

// ---------------------------------------------------------------------------
// Namespaces

function namespaceReasons(request: AdmissionRequest, object: ReviewedObject, obj: Json, config: GuardConfig): GuardReason[] {
  const why = teamNameReason(object.name, config.audit);
  if (why === undefined) return [];
  const summary = `namespace ${object.name} matches ${why}: it is named after a team, not the service it provides`;
  if (request.operation === 'UPDATE') {
    // A name never changes: refusing updates would only block harmless edits of an existing namespace.
    return [{ code: NAMESPACE_CHECK, effect: 'warn', summary: `${summary} (existing namespace: not refused; meshless audit reports it)` }];
  }
  const suppressed = suppressedBy(stringMap(dig(obj, ['metadata', 'annotations'])), NAMESPACE_CHECK);
  if (suppressed !== undefined) return [{ code: NAMESPACE_CHECK, effect: 'info', summary: `${NAMESPACE_CHECK} is suppressed by ${IGNORE_ANNOTATION}: ${suppressed}` }];
  return [
    {
      code: NAMESPACE_CHECK,
      effect: 'deny',
      summary,
      detail: [
        `${summary}.`,
        'Namespace names become part of in-cluster DNS names (service.namespace.svc.cluster.local) and of NetworkPolicies: treat them as an internal API.',
        'Teams reorganise; the services they provide keep their names.',
        '',
        `Fix: name it after the service it provides (for example orders-db, auth, licensing) instead of ${object.name}.`,
        `To accept it instead, annotate the Namespace with ${IGNORE_ANNOTATION}: ${NAMESPACE_CHECK} and ${IGNORE_REASON_ANNOTATION}: "<why>".`,
      ].join('\n'),
    },
  ];
}

// ---------------------------------------------------------------------------
// Ingresses and routes

const ADMISSION_SOURCE: SourceRef = { file: 'admission-request', doc: 0, line: 0 };

const isReviewed = (f: Finding, o: ReviewedObject): boolean => f.object.kind === o.kind && f.object.namespace === o.namespace && f.object.name === o.name;

function edgeReasons(request: AdmissionRequest, object: ReviewedObject, obj: Json, snapshot: GuardSnapshot, config: GuardConfig): GuardReason[] {
  const meta = isRecord(obj['metadata']) ? obj['metadata'] : {};
  // The object as the API server will store it: namespace and a name filled in, so that the inventory takes it.
  const value = { ...obj, kind: object.kind, metadata: { ...meta, name: object.name, ...(object.namespace !== undefined ? { namespace: object.namespace } : {}) } };
  const context = snapshot.contextObjects().filter((o) => !(o.object.kind === object.kind && o.object.metadata.name === object.name && o.object.metadata.namespace === object.namespace));
  const namespaces = new Set<string>();
  if (object.namespace !== undefined) namespaces.add(object.namespace);
  for (const o of context) if (o.object.metadata.namespace !== undefined) namespaces.add(o.object.metadata.namespace);
  const docs: ParsedDocument[] = [];
  for (const ns of namespaces) {
    const n = snapshot.namespaceObject(ns);
    if (n) docs.push({ value: n.object, source: n.source });
  }
  for (const o of context) docs.push({ value: o.object, source: o.source });
  docs.push({ value, source: ADMISSION_SOURCE });
  const inv = buildInventory(docs);
  const self = inv.objects.find((o) => o.source === ADMISSION_SOURCE);
  if (!self) {
    const problem = inv.diagnostics.find((d) => d.source === ADMISSION_SOURCE && d.severity === 'error');
    return [{ code: 'invalid-object', effect: 'warn', summary: `${objectText(object)} could not be read (${problem?.message ?? 'not a Kubernetes object'}); TLS and authentication were not checked` }];
  }
  const checks = snapshot.complete ? edgeChecks : edgeChecks.filter((c) => !ABSENCE_CHECKS.has(c.id));
  const result = runAudit(inv, analyze(inv), { config: config.audit, checks });
  const reasons: GuardReason[] = [];
  const missing = missingContext(inv, self, object, snapshot);
  if (missing.length > 0) {
    // Without a kind the verdict depends on, a finding may be wrong (a SecurityPolicy unseen is not a missing one): warn, never deny.
    reasons.push({
      code: 'not-checked',
      effect: 'warn',
      summary: `${objectText(object)}: its TLS and authentication were not checked, because ${missing.join('; ')} (meshless audit checks them)`,
    });
    return reasons;
  }
  for (const f of result.findings) {
    if (!isReviewed(f, object)) continue;
    if (f.suppressed) {
      reasons.push({ code: f.check, effect: 'info', summary: `${f.check} is suppressed (${f.suppressed.by}): ${f.suppressed.reason}` });
      continue;
    }
    const deny = checkById(f.check)?.admission === 'deny';
    reasons.push({ code: f.check, effect: deny ? 'deny' : 'warn', summary: deny ? f.message : `${f.message} [${f.check}]`, ...(deny ? { detail: `${f.message}.\n${f.why}\n\nFix: ${f.fix}` } : {}) });
  }
  for (const e of result.errors) reasons.push({ code: 'check-failed', effect: 'warn', summary: e.message });
  const note = unexposedNote(inv, self, object, request, result.entryPoints.some((ep) => ep.route === self));
  if (note) reasons.push(note);
  return reasons;
}

/**
 * The context kinds the verdict on this object depends on, per edge: a route's Gateway,
 * its class and EnvoyProxy (is it internal?), the SecurityPolicies and ReferenceGrants
 * (is it authenticated?); an Ingress's IngressClass (which edge serves it) and, for
 * Traefik, its Middlewares. Issuers only feed warnings, so they never hold a verdict up.
 */
const VERDICT_CONTEXT: Readonly<Record<string, readonly string[]>> = {
  HTTPRoute: ['Gateway', 'SecurityPolicy', 'ReferenceGrant', 'GatewayClass', 'EnvoyProxy'],
  GRPCRoute: ['Gateway', 'SecurityPolicy', 'ReferenceGrant', 'GatewayClass', 'EnvoyProxy'],
  Ingress: ['IngressClass'],
};

/** The unavailable context kinds this object's verdict depends on, each with why. */
function missingContext(inv: Inventory, self: LoadedObject, object: ReviewedObject, snapshot: GuardSnapshot): string[] {
  const unavailable = snapshot.unavailableKinds?.();
  if (unavailable === undefined || unavailable.size === 0) return [];
  const kinds = [...(VERDICT_CONTEXT[object.kind] ?? [])];
  if (object.kind === 'Ingress' && !unavailable.has('IngressClass') && ingressEdge(inv, self) === TRAEFIK) kinds.push('Middleware');
  return kinds.flatMap((k) => {
    const why = unavailable.get(k);
    return why === undefined ? [] : [why];
  });
}

/** Why the edge checks could not judge an object: its controller or its Gateway is unknown here. */
function unexposedNote(inv: Inventory, self: LoadedObject, object: ReviewedObject, request: AdmissionRequest, exposed: boolean): GuardReason | undefined {
  if (object.kind === 'Ingress') {
    const edge = ingressEdge(inv, self);
    if (edge === 'unknown') {
      return { code: 'not-checked', effect: 'warn', summary: `${objectText(object)} names no ingressClassName and meshless guard knows no default IngressClass, so its TLS and authentication were not checked` };
    }
    return KNOWN_EDGES.has(edge) ? undefined : { code: 'not-checked', effect: 'info', summary: `${objectText(object)} is served by ${edge}, whose configuration meshless does not judge` };
  }
  if (exposed) return undefined;
  const refs = Array.isArray(dig(request.object, ['spec', 'parentRefs'])) ? (dig(request.object, ['spec', 'parentRefs']) as unknown[]) : [];
  const unknown: string[] = [];
  for (const r of refs) {
    const kind = str(dig(r, ['kind'])) ?? 'Gateway';
    const name = str(dig(r, ['name']));
    if (kind !== 'Gateway' || name === undefined) continue;
    const ns = str(dig(r, ['namespace'])) ?? object.namespace ?? 'default';
    if (!inv.objects.some((o) => o.object.kind === 'Gateway' && o.object.metadata.name === name && o.object.metadata.namespace === ns)) unknown.push(`${ns}/${name}`);
  }
  if (unknown.length === 0) return undefined;
  return {
    code: 'not-checked',
    effect: 'warn',
    summary: `${objectText(object)} attaches to Gateway ${unknown.join(', ')}, which meshless guard does not know, so its TLS and authentication were not checked here (meshless audit checks them)`,
  };
}

// ---------------------------------------------------------------------------
// The response

/** The AdmissionReview to send back: the same uid, the verdict, the message and the warnings. */
export function admissionResponse(uid: string, d: GuardDecision): Record<string, unknown> {
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: d.allowed,
      ...(d.status ? { status: { code: d.status.code, message: d.status.message } } : {}),
      ...(d.warnings.length > 0 ? { warnings: d.warnings } : {}),
      ...(d.auditAnnotations ? { auditAnnotations: d.auditAnnotations } : {}),
    },
  };
}
