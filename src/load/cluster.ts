/**
 * The live-cluster edge of loading: a kubeconfig context → the documents the
 * audit needs, read with paginated LISTs (`limit` + `continue`), one API
 * resource at a time.
 *
 * @kubernetes/client-node does the part that is hard to get right: kubeconfig
 * files and contexts, client certificates and CAs, bearer tokens and token files,
 * exec credential plugins (EKS, GKE, AKS), OIDC, proxies and in-cluster service
 * accounts. The requests themselves are plain GETs through its
 * `applyToHTTPSOptions`, so that every object arrives as the API server wrote it
 * (the typed clients turn objects into model classes, drop fields they do not
 * know and turn timestamps into Dates), so that one code path serves built-in
 * kinds and CRDs alike, and so that Secrets can be read as metadata only.
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
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Diagnostic } from '../model/diagnostics.js';
import type { ParsedDocument } from '../model/inventory.js';
import { isRecord } from '../model/json.js';
import { apiGroup } from '../model/kube.js';

export interface ClusterOptions {
  /** A kubeconfig file; default: `$KUBECONFIG`, `~/.kube/config`, or the in-cluster service account. */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig; default: its current context. */
  readonly context?: string;
  /** Namespace for namespaced kinds; default: the context's namespace, else `default`. */
  readonly namespace?: string;
  /** Read namespaced kinds in every namespace (`-A`). */
  readonly allNamespaces?: boolean;
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
export const PAGE_SIZE = 500;
const REQUEST_TIMEOUT_MS = 30_000;
/** Parallel LIST requests: enough to hide latency, few enough not to be throttled by API priority and fairness. */
const CONCURRENCY = 4;



/** `networkpolicies.networking.k8s.io`, as kubectl names resources. */
const qualified = (r: Resource): string => (apiGroup(r.apiVersion) === '' ? r.plural : `${r.plural}.${apiGroup(r.apiVersion)}`);

// ---------------------------------------------------------------------------
// kubeconfig

interface Target {
  readonly kc: KubeConfig;
  readonly server: string;
  readonly contextName: string;
  readonly namespace: string;
}

/** A problem that ends the whole read (no kubeconfig, unreachable server, bad credentials). */
class Fatal extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

const fatal = (code: string, message: string, hint: string): Fatal => new Fatal({ severity: 'error', code, message, hint });

async function resolveTarget(opts: ClusterOptions): Promise<Target> {
  // Imported here: the package takes about half a second to load, which file-only runs should not pay.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig !== undefined) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    const where = opts.kubeconfig ?? process.env['KUBECONFIG'] ?? '~/.kube/config';
    throw fatal('kubeconfig-unreadable', `cannot read the kubeconfig ${where}: ${errorText(e)}`, 'check the path and that the file is a valid kubeconfig (kubectl config view)');
  }
  if (opts.kubeconfig === undefined && kc.getCurrentContext() === 'loaded-context' && kc.getCurrentCluster()?.server === 'http://localhost:8080') {
    // client-node's last resort when it finds no configuration at all.
    throw fatal('kubeconfig-missing', 'no kubeconfig found: KUBECONFIG is not set, ~/.kube/config does not exist, and this is not a pod with a service account',
      'pass --kubeconfig FILE, set KUBECONFIG, or log in to the cluster first (e.g. aws eks update-kubeconfig, gcloud container clusters get-credentials, az aks get-credentials)');
  }
  if (opts.context !== undefined) {
    if (!kc.getContextObject(opts.context)) {
      const names = kc.getContexts().map((c) => c.name);
      throw fatal('kubeconfig-context', `context "${opts.context}" is not in the kubeconfig`, names.length ? `the contexts are: ${names.join(', ')}` : 'the kubeconfig has no contexts');
    }
    kc.setCurrentContext(opts.context);
  }
  const contextName = kc.getCurrentContext();
  const context = kc.getContextObject(contextName);
  const cluster = kc.getCurrentCluster();
  if (!context || !cluster) {
    throw fatal('kubeconfig-context', context ? `context "${contextName}" names cluster "${context.cluster}", which the kubeconfig does not define` : 'the kubeconfig has no current context',
      'choose one with --context, or set it with kubectl config use-context');
  }
  return { kc: allowPlainHttp(kc, KubeConfig), server: cluster.server, contextName, namespace: opts.namespace ?? context.namespace ?? 'default' };
}

/**
 * client-node refuses an `http:` server unless the kubeconfig also says
 * `insecure-skip-tls-verify`, which kubectl does not ask for (`kubectl proxy`
 * serves plain HTTP on localhost). Over plain HTTP there is no certificate to
 * verify, so the flag changes nothing but lets the request through.
 */
function allowPlainHttp(kc: KubeConfig, Ctor: new () => KubeConfig): KubeConfig {
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server.startsWith('http:') || cluster.skipTLSVerify) return kc;
  const copy = new Ctor();
  copy.loadFromOptions({
    clusters: kc.getClusters().map((c) => (c === cluster ? { ...c, skipTLSVerify: true } : c)),
    contexts: kc.getContexts(),
    users: kc.getUsers(),
    currentContext: kc.getCurrentContext(),
  });
  return copy;
}

// ---------------------------------------------------------------------------
// HTTP

interface Response {
  readonly status: number;
  /** The parsed JSON body, or undefined when it is not JSON. */
  readonly body: unknown;
  readonly text: string;
}

type Reviver = (key: string, value: unknown) => unknown;

/** Keys whose values are secret material in a Secret (the last-applied annotation holds a copy of `data`). */
const SECRET_VALUE_KEYS = new Set(['data', 'stringData', 'kubectl.kubernetes.io/last-applied-configuration']);
const dropSecretValues: Reviver = (key, value) => (SECRET_VALUE_KEYS.has(key) ? undefined : value);

const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

async function get(target: Target, path: string, accept: string, reviver?: Reviver): Promise<Response> {
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: accept, 'User-Agent': 'meshless' } };
  try {
    await target.kc.applyToHTTPSOptions(options);
  } catch (e) {
    throw fatal('cluster-credentials', `cannot get credentials for context "${target.contextName}": ${errorText(e)}`,
      'check the user entry of the kubeconfig (an exec plugin such as aws, gcloud or kubelogin must be installed and logged in); kubectl get ns shows the same problem');
  }
  const url = new URL(target.server.replace(/\/+$/, '') + path);
  const request = url.protocol === 'http:' ? http.request : https.request;
  return new Promise<Response>((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        chunks.length = 0;
        resolve({ status: res.statusCode ?? 0, body: parseJson(text, reviver), text: reviver ? '' : text });
      });
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => {
      reject(unreachable(target, e));
    });
    req.end();
  });
}

function parseJson(text: string, reviver?: Reviver): unknown {
  try {
    return JSON.parse(text, reviver) as unknown;
  } catch {
    return undefined;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL/;

/** One error for a server that cannot be talked to, saying what to check. */
function unreachable(target: Target, e: Error): Fatal {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const at = `the API server at ${target.server} (context "${target.contextName}")`;
  const check = 'check that the cluster is running and that this is the right context (kubectl config current-context); a VPN, bastion or tunnel may be needed';
  if (code === 'ECONNREFUSED') return fatal('cluster-unreachable', `cannot connect to ${at}: connection refused`, check);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return fatal('cluster-unreachable', `cannot resolve the host of ${at}`, `check the server address in the kubeconfig and your DNS; ${check}`);
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return fatal('cluster-unreachable', `no answer from ${at}: ${e.message}`, `${check}; a firewall may drop the traffic`);
  }
  if (TLS_CODES.test(code)) {
    return fatal('cluster-tls', `the TLS connection to ${at} failed: ${e.message}`, 'check certificate-authority(-data) and tls-server-name for this cluster in the kubeconfig; the server certificate must be signed by that CA and name the host');
  }
  return fatal('cluster-unreachable', `cannot talk to ${at}: ${e.message}`, check);
}

// ---------------------------------------------------------------------------
// Listing

interface ListFailure {
  readonly reason: UnavailableReason;
  readonly status: number;
  readonly message: string;
}

type ListResult = { readonly items: Record<string, unknown>[] } | { readonly failure: ListFailure };

function listPath(r: Resource, namespace: string | undefined): string {
  const base = apiGroup(r.apiVersion) === '' ? `/api/${r.apiVersion}` : `/apis/${r.apiVersion}`;
  return namespace === undefined ? `${base}/${r.plural}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`;
}

function statusMessage(res: Response): string {
  if (isRecord(res.body) && typeof res.body['message'] === 'string') return res.body['message'];
  const text = res.text.trim().slice(0, 200);
  return text !== '' ? text : `HTTP ${res.status}`;
}

function failureOf(target: Target, res: Response): ListFailure {
  if (res.status === 401) {
    throw fatal('cluster-unauthorized', `the API server at ${target.server} rejected the credentials of context "${target.contextName}" (401 Unauthorized)`,
      'the token or certificate has expired or is wrong: log in again (or refresh the exec plugin\'s login), then check with kubectl get ns');
  }
  const message = statusMessage(res);
  if (res.status === 403) return { reason: 'forbidden', status: 403, message };
  if (res.status === 404) return { reason: 'not-served', status: 404, message };
  return { reason: 'error', status: res.status, message };
}

/** Lists one resource in one scope, page by page. A continue token that expires mid-way restarts the list once. */
async function listAll(target: Target, r: Resource, namespace: string | undefined): Promise<ListResult> {
  const items: Record<string, unknown>[] = [];
  let token: string | undefined;
  let restarted = false;
  for (;;) {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (r.fieldSelector !== undefined) q.set('fieldSelector', r.fieldSelector);
    if (token !== undefined) q.set('continue', token);
    const res = await get(target, `${listPath(r, namespace)}?${q.toString()}`, r.metadataOnly ? METADATA_ONLY : 'application/json', r.kind === 'Secret' ? dropSecretValues : undefined);
    if (res.status === 410 && token !== undefined && !restarted) {
      // The snapshot behind the token was compacted (a list slower than ~5 minutes): start over, once.
      items.length = 0;
      token = undefined;
      restarted = true;
      continue;
    }
    if (res.status !== 200) return { failure: failureOf(target, res) };
    if (!isRecord(res.body) || !Array.isArray(res.body['items'])) {
      return { failure: { reason: 'error', status: res.status, message: `the response is not a list (${res.text.slice(0, 80) || 'not JSON'})` } };
    }
    for (const item of res.body['items'] as unknown[]) if (isRecord(item)) items.push(item);
    const meta = res.body['metadata'];
    const next = isRecord(meta) && typeof meta['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : undefined;
    if (next === undefined) return { items };
    if (next === token) return { failure: { reason: 'error', status: 200, message: 'the server returned the same continue token twice' } };
    token = next;
  }
}

/** The namespaces to list a resource in; undefined means cluster-wide. */
function scopes(r: Resource, target: Target, all: boolean): (string | undefined)[] {
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

async function readResource(target: Target, r: Resource, all: boolean): Promise<ResourceRead> {
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
  let target: Target;
  try {
    target = await resolveTarget(opts);
  } catch (e) {
    if (e instanceof Fatal) return { docs, diagnostics: [e.diagnostic], unavailable, contextName: opts.context ?? '' };
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
