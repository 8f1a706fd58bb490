/**
 * The live-cluster edge of loading: a kubeconfig context → the documents the
 * audit needs, read with paginated LISTs (`limit` + `continue`), one API
 * resource at a time, through the one Kubernetes client (kube-client.ts: kubeconfig,
 * credentials, paging, timeouts and the error model live there).
 *
 * Secrets: only type kubernetes.io/tls, asked for as metadata only
 * (`PartialObjectMetadataList`), and, should a server send whole Secrets anyway,
 * `data`, `stringData` and the last-applied annotation (which repeats them) are
 * dropped while the response is parsed. No secret value outlives the response.
 *
 * Nothing here throws for a cluster problem: kinds that cannot be read are
 * reported in `unavailable` and as warnings; an unreachable server or rejected
 * credentials is one error diagnostic.
 */
import type { Diagnostic } from '../model/diagnostics.js';
import type { ParsedDocument } from '../model/inventory.js';
import { isRecord } from '../model/json.js';
import { apiGroup } from '../model/kube.js';
import { collectionPath, DEFAULT_PAGE_SIZE, KubeClient, KubeError } from './kube-client.js';

export interface ClusterOptions {
  /** A kubeconfig file; default: `$KUBECONFIG`, `~/.kube/config`, or the in-cluster service account. */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig; default: its current context. */
  readonly context?: string;
  /** Namespace for namespaced kinds; default: the context's namespace, else `default`. */
  readonly namespace?: string;
  /** Read namespaced kinds in every namespace (`-A`). */
  readonly allNamespaces?: boolean;
  /** The longest one request may take, in milliseconds (`--request-timeout`); 0: no limit. Default 30 s. */
  readonly requestTimeoutMs?: number;
}

export type UnavailableReason = 'forbidden' | 'not-served' | 'error';

export interface UnavailableKind {
  readonly kind: string;
  readonly apiVersion: string;
  readonly reason: UnavailableReason;
  readonly message: string;
}

export interface ClusterLoad {
  readonly docs: ParsedDocument[];
  readonly diagnostics: Diagnostic[];
  readonly unavailable: UnavailableKind[];
  /** The context read; the documents' source file is `cluster:<contextName>`. */
  readonly contextName: string;
}

/** What the audit reads from a cluster, and what it loses without each. */
interface Resource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** The checks that lose evidence when the kind cannot be read. */
  readonly evidence: string;
  /** Read only in these namespaces, whatever the scope (configuration, not workloads). */
  readonly onlyIn?: readonly string[];
  readonly fieldSelector?: string;
  /** Ask for metadata only (PartialObjectMetadataList) and keep nothing else. */
  readonly metadataOnly?: boolean;
}

const WORKLOADS = 'segregation (the endpoints NetworkPolicies select: reach, explain) and the pod-level authentication checks';
const EDGE = 'ingress-encryption and edge authentication';
const LAYERS = 'segregation: reach, explain and the checks would not see the cluster-wide or CNI policies of this kind';

/** The namespaces where CNI plugins keep their settings; no other ConfigMap is read. */
export const CNI_NAMESPACES = ['kube-system', 'kube-flannel', 'calico-system', 'tigera-operator'] as const;

export const CLUSTER_RESOURCES: readonly Resource[] = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, evidence: 'segregation (namespace labels for namespaceSelectors; without them only kubernetes.io/metadata.name is assumed)' },
  { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, evidence: `${WORKLOADS}, and pod IPs for ipBlock rules` },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true, evidence: 'segregation and ingress-encryption (which ports are exposed, and how)' },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, onlyIn: CNI_NAMESPACES, evidence: 'in-cluster-encryption (CNI settings) and the pod network used for ipBlock rules' },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, fieldSelector: 'type=kubernetes.io/tls', metadataOnly: true, evidence: 'ingress-encryption (which TLS Secrets referenced by Ingresses and Gateways exist)' },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, evidence: 'authentication (service account token automounting)' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true, evidence: WORKLOADS },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, evidence: WORKLOADS },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, evidence: WORKLOADS },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, evidence: WORKLOADS },
  { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs', namespaced: true, evidence: WORKLOADS },
  { apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true, evidence: WORKLOADS },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, evidence: 'segregation: every NetworkPolicy check, reach and explain (they would see no policy at all)' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', namespaced: true, evidence: EDGE },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', plural: 'ingressclasses', namespaced: false, evidence: EDGE },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles', namespaced: true, evidence: 'authentication and the RBAC checks' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, evidence: 'authentication and the RBAC checks' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, evidence: 'authentication and the RBAC checks' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false, evidence: 'authentication and the RBAC checks' },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', plural: 'gateways', namespaced: true, evidence: `${EDGE} (Gateway listeners)` },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', plural: 'gatewayclasses', namespaced: false, evidence: `${EDGE} (Gateway controllers)` },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', plural: 'httproutes', namespaced: true, evidence: `${EDGE} (routes)` },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', plural: 'grpcroutes', namespaced: true, evidence: `${EDGE} (routes)` },
  { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'SecurityPolicy', plural: 'securitypolicies', namespaced: true, evidence: 'edge authentication (Envoy Gateway JWT, OIDC, basic auth)' },
  { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', plural: 'clusterissuers', namespaced: false, evidence: 'ingress-encryption and in-cluster-encryption (certificate issuance)' },
  { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', plural: 'issuers', namespaced: true, evidence: 'ingress-encryption and in-cluster-encryption (certificate issuance)' },
  { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', plural: 'certificates', namespaced: true, evidence: 'ingress-encryption and in-cluster-encryption (certificates)' },
  { apiVersion: 'crd.projectcalico.org/v1', kind: 'FelixConfiguration', plural: 'felixconfigurations', namespaced: false, evidence: 'in-cluster-encryption (Calico WireGuard)' },
  { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', plural: 'ippools', namespaced: false, evidence: 'the pod network used for ipBlock rules (Calico IP pools)' },
  { apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', plural: 'ingressroutes', namespaced: true, evidence: `${EDGE} (Traefik)` },
  { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', plural: 'middlewares', namespaced: true, evidence: 'edge authentication (Traefik middlewares)' },
  // Policy layers: cluster-wide and CNI policies the cluster enforces besides NetworkPolicy.
  { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', plural: 'clusternetworkpolicies', namespaced: false, evidence: LAYERS },
  { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', plural: 'adminnetworkpolicies', namespaced: false, evidence: LAYERS },
  { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', plural: 'baselineadminnetworkpolicies', namespaced: false, evidence: LAYERS },
  { apiVersion: 'projectcalico.org/v3', kind: 'Tier', plural: 'tiers', namespaced: false, evidence: `${LAYERS} (Calico tier order)` },
  { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', plural: 'globalnetworkpolicies', namespaced: false, evidence: LAYERS },
  { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, evidence: LAYERS },
  { apiVersion: 'projectcalico.org/v3', kind: 'StagedGlobalNetworkPolicy', plural: 'stagedglobalnetworkpolicies', namespaced: false, evidence: 'seg-staged-policy (what enforcing a staged policy would change)' },
  { apiVersion: 'projectcalico.org/v3', kind: 'StagedNetworkPolicy', plural: 'stagednetworkpolicies', namespaced: true, evidence: 'seg-staged-policy (what enforcing a staged policy would change)' },
  { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', plural: 'ciliumnetworkpolicies', namespaced: true, evidence: LAYERS },
  { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', plural: 'ciliumclusterwidenetworkpolicies', namespaced: false, evidence: LAYERS },
];

/** Items per page: the API server's usual chunk size (kubectl uses 500 too). */
export const PAGE_SIZE = DEFAULT_PAGE_SIZE;
/** Parallel LIST requests: enough to hide latency, few enough not to be throttled by API priority and fairness. */
const CONCURRENCY = 4;



/** `networkpolicies.networking.k8s.io`, as kubectl names resources. */
const qualified = (r: Resource): string => (apiGroup(r.apiVersion) === '' ? r.plural : `${r.plural}.${apiGroup(r.apiVersion)}`);

// ---------------------------------------------------------------------------
// Listing, through the one Kubernetes client (kube-client.ts)

/** A problem that ends the whole read (no kubeconfig, unreachable server, bad credentials). */
class Fatal extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

const fatal = (code: string, message: string, hint: string): Fatal => new Fatal({ severity: 'error', code, message, hint });
const fatalOf = (e: KubeError): Fatal => fatal(e.code, e.message, e.hint ?? '');

type Reviver = (key: string, value: unknown) => unknown;

/** Keys whose values are secret material in a Secret (the last-applied annotation holds a copy of `data`). */
const SECRET_VALUE_KEYS = new Set(['data', 'stringData', 'kubectl.kubernetes.io/last-applied-configuration']);
const dropSecretValues: Reviver = (key, value) => (SECRET_VALUE_KEYS.has(key) ? undefined : value);

const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

interface ListFailure {
  readonly reason: UnavailableReason;
  readonly status: number;
  readonly message: string;
}

type ListResult = { readonly items: Record<string, unknown>[] } | { readonly failure: ListFailure };

/** Lists one resource in one scope. A refusal for this kind is a failure (value); no answer at all, or 401, ends the read. */
async function listAll(client: KubeClient, r: Resource, namespace: string | undefined): Promise<ListResult> {
  try {
    const list = await client.list(collectionPath(r.apiVersion, r.plural, namespace), {
      pageSize: PAGE_SIZE,
      ...(r.fieldSelector !== undefined ? { fieldSelector: r.fieldSelector } : {}),
      accept: r.metadataOnly ? METADATA_ONLY : 'application/json',
      ...(r.kind === 'Secret' ? { reviver: dropSecretValues } : {}),
    });
    return { items: list.items };
  } catch (e) {
    if (!(e instanceof KubeError)) throw e;
    const status = e.status ?? 0;
    if (e.code === 'cluster-forbidden') return { failure: { reason: 'forbidden', status, message: e.message } };
    if (e.code === 'cluster-not-found') return { failure: { reason: 'not-served', status, message: e.message } };
    if (e.code === 'cluster-error' || e.code === 'cluster-gone') return { failure: { reason: 'error', status, message: e.message } };
    throw fatalOf(e);
  }
}

/** The namespaces to list a resource in; undefined means cluster-wide. */
function scopes(r: Resource, target: KubeClient, all: boolean): (string | undefined)[] {
  if (r.onlyIn) return [...r.onlyIn];
  if (!r.namespaced || all) return [undefined];
  return [target.namespace];
}

/** An item as the rest of meshless sees it: apiVersion and kind set, managedFields and secret values gone. */
function normalize(item: Record<string, unknown>, r: Resource): Record<string, unknown> | undefined {
  const meta = item['metadata'];
  if (!isRecord(meta)) return undefined;
  const metadata: Record<string, unknown> = { ...meta };
  // Field ownership bookkeeping: large, and nothing the audit reads.
  delete metadata['managedFields'];
  if (r.kind === 'Secret') {
    // Metadata only. A PartialObjectMetadata item has no type; the field selector asked for TLS Secrets only.
    const type = typeof item['type'] === 'string' ? item['type'] : 'kubernetes.io/tls';
    if (type !== 'kubernetes.io/tls') return undefined;
    if (isRecord(metadata['annotations'])) {
      const annotations: Record<string, unknown> = { ...metadata['annotations'] };
      delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
      metadata['annotations'] = annotations;
    }
    return { apiVersion: r.apiVersion, kind: r.kind, metadata, type };
  }
  const rest: Record<string, unknown> = { ...item };
  delete rest['apiVersion'];
  delete rest['kind'];
  delete rest['metadata'];
  return { apiVersion: r.apiVersion, kind: r.kind, metadata, ...rest };
}

interface ResourceRead {
  readonly resource: Resource;
  readonly items: Record<string, unknown>[];
  /** Scopes that failed: the namespace (undefined: cluster-wide) and why. */
  readonly failures: { readonly namespace: string | undefined; readonly failure: ListFailure }[];
}

async function readResource(target: KubeClient, r: Resource, all: boolean): Promise<ResourceRead> {
  const items: Record<string, unknown>[] = [];
  const failures: ResourceRead['failures'][number][] = [];
  for (const ns of scopes(r, target, all)) {
    const result = await listAll(target, r, ns);
    if ('failure' in result) failures.push({ namespace: ns, failure: result.failure });
    else for (const item of result.items) {
      const n = normalize(item, r);
      if (n) items.push(n);
    }
  }
  return { resource: r, items, failures };
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order; stops starting new work after a Fatal. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  let stop: Error | undefined;
  const worker = async (): Promise<void> => {
    while (stop === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (e) {
        stop ??= e instanceof Error ? e : new Error(String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (stop !== undefined) throw stop;
  return out;
}

// ---------------------------------------------------------------------------
// Reporting

function unavailableOf(read: ResourceRead): UnavailableKind | undefined {
  const first = read.failures[0];
  if (!first) return undefined;
  const where = read.failures.map((f) => (f.namespace === undefined ? 'all namespaces' : `namespace ${f.namespace}`));
  const message = read.failures.length === 1 ? first.failure.message : `${first.failure.message} (also in ${where.slice(1).join(', ')})`;
  return { kind: read.resource.kind, apiVersion: read.resource.apiVersion, reason: first.failure.reason, message };
}

function canI(r: Resource, namespace: string | undefined): string {
  const scope = !r.namespaced ? '' : namespace === undefined ? ' -A' : ` -n ${namespace}`;
  return `kubectl auth can-i list ${qualified(r)}${scope}`;
}

function warningFor(read: ResourceRead, u: UnavailableKind, contextName: string): Diagnostic {
  const r = read.resource;
  const ns = read.failures[0]?.namespace;
  const scope = ns === undefined ? (r.namespaced ? 'in all namespaces' : 'cluster-wide') : `in namespace ${ns}`;
  const loses = `checks that lose evidence: ${r.evidence}`;
  if (u.reason === 'forbidden') {
    const group = apiGroup(r.apiVersion);
    return {
      severity: 'warning',
      code: 'cluster-kind-forbidden',
      message: `context "${contextName}" may not list ${qualified(r)} ${scope}, so no ${r.kind} is read; ${loses}`,
      hint: `grant list on ${r.plural} in API group "${group}" (a ClusterRole rule: apiGroups: ["${group}"], resources: ["${r.plural}"], verbs: ["list"]); check with: ${canI(r, ns)}`,
    };
  }
  if (u.reason === 'not-served') {
    return {
      severity: 'warning',
      code: 'cluster-kind-not-served',
      message: `the cluster does not serve ${r.apiVersion} ${r.plural}, so no ${r.kind} is read; ${loses}`,
      hint: `if the cluster should have ${r.kind} objects, install the CRD at version ${r.apiVersion} (kubectl api-resources shows what is served); otherwise there is nothing to read`,
    };
  }
  return {
    severity: 'warning',
    code: 'cluster-kind-error',
    message: `listing ${qualified(r)} ${scope} failed (${read.failures[0]?.failure.status ?? 0}: ${u.message}), so no ${r.kind} is read; ${loses}`,
    hint: `run the command again; if it persists, look at the API server (${canI(r, ns)} and kubectl get ${qualified(r)} show whether the problem is yours)`,
  };
}

// ---------------------------------------------------------------------------

/**
 * Reads the objects the audit needs from the cluster of a kubeconfig context.
 * Never throws for a cluster or kubeconfig problem: see the module comment.
 */
export async function loadCluster(opts: ClusterOptions): Promise<ClusterLoad> {
  const docs: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const unavailable: UnavailableKind[] = [];
  let target: KubeClient;
  try {
    target = await KubeClient.connect({
      ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
      ...(opts.context !== undefined ? { context: opts.context } : {}),
      ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
      ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    });
  } catch (e) {
    if (e instanceof KubeError) return { docs, diagnostics: [fatalOf(e).diagnostic], unavailable, contextName: opts.context ?? '' };
    throw e;
  }
  const all = opts.allNamespaces === true;
  const file = `cluster:${target.contextName}`;
  let reads: ResourceRead[];
  try {
    // The first request alone: when the server cannot be reached, one error says so, not thirty.
    const [first, ...rest] = CLUSTER_RESOURCES;
    const head = await readResource(target, first!, all);
    if (head.failures[0]?.failure.reason === 'not-served') {
      // Every Kubernetes API server serves the core group; this one does not.
      throw fatal('cluster-not-kubernetes', `${target.server} (context "${target.contextName}") does not serve the core API /api/v1: it does not look like a Kubernetes API server`,
        'check the server URL of the cluster in the kubeconfig, including any path prefix a proxy needs (Rancher: /k8s/clusters/<id>)');
    }
    reads = [head, ...(await mapLimit(rest, CONCURRENCY, (r) => readResource(target, r, all)))];
  } catch (e) {
    if (e instanceof Fatal) return { docs, diagnostics: [e.diagnostic], unavailable, contextName: target.contextName };
    throw e;
  }
  for (const read of reads) {
    const u = unavailableOf(read);
    if (u) {
      unavailable.push(u);
      diagnostics.push(warningFor(read, u, target.contextName));
    }
    for (const value of read.items) {
      const meta = value['metadata'] as Record<string, unknown>;
      const name = typeof meta['name'] === 'string' ? meta['name'] : '';
      const itemPath = typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? `${read.resource.kind}/${meta['namespace']}/${name}` : `${read.resource.kind}/${name}`;
      docs.push({ value, source: { file, doc: docs.length, line: 0, itemPath } });
    }
  }
  return { docs, diagnostics, unavailable, contextName: target.contextName };
}
