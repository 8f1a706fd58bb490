/**
 * A local Kubernetes API server for tests: node:http on 127.0.0.1, a random port,
 * an in-memory store, and the parts of the API machinery that clients rely on.
 *
 * - Reads: `GET /api/v1/...` and `/apis/<group>/<version>/...`, cluster-wide and
 *   namespaced lists, single objects, and discovery (`/api`, `/apis`, `/api/v1`,
 *   `/apis/<group>/<version>`, `/version`).
 * - Lists honour `limit` and `continue`. As in the real server, a paginated list is
 *   a consistent snapshot at the resourceVersion of its first page (the store keeps
 *   its change history and reads "at a revision", as etcd does); the continue token
 *   is opaque; a token whose revision was compacted gets `410 Expired`. The server
 *   may return fewer items than `limit` (`maxPageSize`), which the API allows.
 * - Items of lists of built-in kinds carry no apiVersion/kind (custom resources do),
 *   exactly like the API server. `Accept: ...;as=PartialObjectMetadataList;...`
 *   returns metadata only.
 * - Watch (`?watch=1`): chunked JSON lines `{"type","object"}`, one store-wide
 *   increasing resourceVersion, replay from `resourceVersion=N`, synthetic ADDED
 *   events for `resourceVersion` unset or `0`, BOOKMARKs when
 *   `allowWatchBookmarks=true`, `timeoutSeconds`, label and field selectors (an
 *   object that stops matching is sent as DELETED, as the watch cache does), and
 *   `410 Gone` for a resourceVersion older than the retained window: an ERROR event
 *   carrying a Status with `code: 410` (the watch cache's way) or an HTTP 410.
 * - Errors are `Status` objects: 401 without the bearer token, 403 for forbidden
 *   resources, 404 for groups or versions not served; `fault` injects others and
 *   `hang` accepts a request and never answers it.
 *
 * Tests mutate the store with apply/create/update/remove (each emits a watch
 * event), forget history with compact(), and cut watches with dropWatches()
 * (abrupt, like a network failure) or endWatches() (clean end, like a timeout).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRecord } from '../../src/model/json.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ResourceType {
  /** `''` for the core group. */
  readonly group: string;
  readonly versions: string[];
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Custom resources keep apiVersion/kind on list items; built-in kinds do not. */
  readonly custom: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** The request attributes an authorizer sees (a subset of Kubernetes' SubjectAccessReview). */
export interface RequestAttributes {
  readonly verb: 'get' | 'list' | 'watch';
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface FakeApiServerOptions {
  /** Objects to start with (each applied in order, each bumping the resourceVersion). */
  readonly objects?: readonly unknown[];
  /** The server returns at most this many items per page, whatever `limit` asks. */
  readonly maxPageSize?: number;
  /** Resources the user may not read: `secrets`, `networkpolicies.networking.k8s.io`. */
  readonly forbidden?: readonly string[];
  /** A finer authorizer; return false to answer 403. Runs after `forbidden`. */
  readonly authorize?: (attributes: RequestAttributes) => boolean;
  /** API groups (`gateway.networking.k8s.io`) or group versions (`cert-manager.io/v1`) not served: 404. */
  readonly notServed?: readonly string[];
  /** Bearer token required on every request; `null` disables authentication. Default: a random token. */
  readonly token?: string | null;
  /** Watch events kept for replay; older resourceVersions get 410. Default 10,000. */
  readonly historyLimit?: number;
  /** How a too-old watch is refused: an ERROR event in a 200 stream (the watch cache) or HTTP 410. */
  readonly goneAs?: 'event' | 'http';
  /** Honour `as=PartialObjectMetadataList` (default true); false acts like a server that ignores it. */
  readonly metadataOnly?: boolean;
  /** Send BOOKMARKs to watches that allow them at this interval. Default: only on bookmark(). */
  readonly bookmarkIntervalMs?: number;
  /** Called for every request before it is handled (after it is recorded). */
  readonly onRequest?: (request: RecordedRequest) => void;
  /** Return an HTTP status (500, 503, 429...) to fail a request with a Status of that code. */
  readonly fault?: (request: RecordedRequest) => number | undefined;
  /**
   * Return true to accept a request and never answer it (an API server behind a
   * load balancer that is up while the server is not). close() ends such requests.
   */
  readonly hang?: (request: RecordedRequest) => boolean;
}

/** Built-in resources and the custom resources meshless reads; other kinds are registered from their objects. */
const KNOWN: readonly ResourceType[] = [
  ...core([['Namespace', 'namespaces', false], ['Node', 'nodes', false], ['Pod', 'pods', true], ['Service', 'services', true],
    ['ConfigMap', 'configmaps', true], ['Secret', 'secrets', true], ['ServiceAccount', 'serviceaccounts', true],
    ['Endpoints', 'endpoints', true], ['PersistentVolume', 'persistentvolumes', false]]),
  ...group('apps', 'v1', false, [['Deployment', 'deployments', true], ['StatefulSet', 'statefulsets', true], ['DaemonSet', 'daemonsets', true], ['ReplicaSet', 'replicasets', true]]),
  ...group('batch', 'v1', false, [['Job', 'jobs', true], ['CronJob', 'cronjobs', true]]),
  ...group('networking.k8s.io', 'v1', false, [['NetworkPolicy', 'networkpolicies', true], ['Ingress', 'ingresses', true], ['IngressClass', 'ingressclasses', false]]),
  ...group('rbac.authorization.k8s.io', 'v1', false, [['Role', 'roles', true], ['ClusterRole', 'clusterroles', false], ['RoleBinding', 'rolebindings', true], ['ClusterRoleBinding', 'clusterrolebindings', false]]),
  ...group('admissionregistration.k8s.io', 'v1', false, [['ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false], ['MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false]]),
  ...group('gateway.networking.k8s.io', 'v1', true, [['Gateway', 'gateways', true], ['GatewayClass', 'gatewayclasses', false], ['HTTPRoute', 'httproutes', true], ['GRPCRoute', 'grpcroutes', true]]),
  ...group('gateway.networking.k8s.io', 'v1beta1', true, [['ReferenceGrant', 'referencegrants', true]]),
  ...group('gateway.envoyproxy.io', 'v1alpha1', true, [['SecurityPolicy', 'securitypolicies', true], ['EnvoyProxy', 'envoyproxies', true], ['ClientTrafficPolicy', 'clienttrafficpolicies', true], ['BackendTLSPolicy', 'backendtlspolicies', true]]),
  ...group('cert-manager.io', 'v1', true, [['ClusterIssuer', 'clusterissuers', false], ['Issuer', 'issuers', true], ['Certificate', 'certificates', true]]),
  ...group('crd.projectcalico.org', 'v1', true, [['FelixConfiguration', 'felixconfigurations', false], ['IPPool', 'ippools', false], ['GlobalNetworkPolicy', 'globalnetworkpolicies', false], ['NetworkPolicy', 'networkpolicies', true]]),
  ...group('traefik.io', 'v1alpha1', true, [['IngressRoute', 'ingressroutes', true], ['Middleware', 'middlewares', true], ['TLSOption', 'tlsoptions', true]]),
  // Policy layers: network-policy-api, Calico's API server, Cilium.
  ...group('policy.networking.k8s.io', 'v1alpha2', true, [['ClusterNetworkPolicy', 'clusternetworkpolicies', false]]),
  ...group('policy.networking.k8s.io', 'v1alpha1', true, [['AdminNetworkPolicy', 'adminnetworkpolicies', false], ['BaselineAdminNetworkPolicy', 'baselineadminnetworkpolicies', false]]),
  ...group('projectcalico.org', 'v3', true, [['GlobalNetworkPolicy', 'globalnetworkpolicies', false], ['NetworkPolicy', 'networkpolicies', true], ['Tier', 'tiers', false], ['StagedGlobalNetworkPolicy', 'stagedglobalnetworkpolicies', false], ['StagedNetworkPolicy', 'stagednetworkpolicies', true]]),
  ...group('cilium.io', 'v2', true, [['CiliumNetworkPolicy', 'ciliumnetworkpolicies', true], ['CiliumClusterwideNetworkPolicy', 'ciliumclusterwidenetworkpolicies', false]]),
];

function core(kinds: [string, string, boolean][]): ResourceType[] {
  return group('', 'v1', false, kinds);
}

function group(name: string, version: string, custom: boolean, kinds: [string, string, boolean][]): ResourceType[] {
  return kinds.map(([kind, plural, namespaced]) => ({ group: name, versions: [version], kind, plural, namespaced, custom }));
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';


const clone = <T>(v: T): T => structuredClone(v);

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

const joinApiVersion = (g: string, v: string): string => (g === '' ? v : `${g}/${v}`);

/** English plural as the API server's CRD conventions form it (`policy` → `policies`, `ingress` → `ingresses`). */
function pluralize(kind: string): string {
  const k = kind.toLowerCase();
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  return `${k}s`;
}

/** A Kubernetes `Status` failure object. */
export function status(code: number, reason: string, message: string, details: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

// ---------------------------------------------------------------------------
// Selectors

type Requirement = (get: (key: string) => string | undefined) => boolean;

/** Splits on commas outside parentheses (`a in (x,y),b` → two terms). */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

/** Parses a label or field selector; returns a string on a syntax error. */
export function parseSelector(s: string): Requirement[] | string {
  const reqs: Requirement[] = [];
  for (const term of splitTerms(s)) {
    let m: RegExpExecArray | null;
    if ((m = /^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = new Set(list.split(',').map((v) => v.trim()));
      reqs.push(op === 'in' ? (get) => values.has(get(key) ?? '\u0000') : (get) => !values.has(get(key) ?? '\u0000'));
    } else if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term))) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      reqs.push(op === '!=' ? (get) => get(key) !== value : (get) => get(key) === value);
    } else if ((m = /^!([^!=\s]+)$/.exec(term))) {
      const key = m[1]!;
      reqs.push((get) => get(key) === undefined);
    } else if ((m = /^([^!=\s()]+)$/.exec(term))) {
      const key = m[1]!;
      reqs.push((get) => get(key) !== undefined);
    } else {
      return `unable to parse requirement: ${term}`;
    }
  }
  return reqs;
}

function fieldValue(obj: KubeObject, path: string): string | undefined {
  let v: unknown = obj;
  for (const part of path.split('.')) {
    if (!isRecord(v)) return undefined;
    v = v[part];
  }
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

interface Filter {
  readonly namespace: string | undefined;
  readonly labels: Requirement[];
  readonly fields: Requirement[];
}

function matches(obj: KubeObject, f: Filter): boolean {
  if (f.namespace !== undefined && obj.metadata.namespace !== f.namespace) return false;
  const labels = obj.metadata.labels ?? {};
  return f.labels.every((r) => r((k) => labels[k])) && f.fields.every((r) => r((k) => fieldValue(obj, k)));
}

// ---------------------------------------------------------------------------
// Store

interface HistoryEvent {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resource: ResourceType;
  readonly key: string;
  /** The object after the change (for DELETED: its last state, with the deletion's resourceVersion). */
  readonly object: KubeObject;
  /** The object before the change; undefined for ADDED. */
  readonly prev: KubeObject | undefined;
}

interface Watcher {
  readonly res: ServerResponse;
  readonly resource: ResourceType;
  readonly apiVersion: string;
  readonly filter: Filter;
  readonly bookmarks: boolean;
  timer?: NodeJS.Timeout;
}

interface ContinueToken {
  readonly rv: number;
  readonly after: string;
}

const encodeToken = (t: ContinueToken): string => Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.after })).toString('base64url');

function decodeToken(s: string): ContinueToken | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (isRecord(v) && typeof v['rv'] === 'number' && typeof v['start'] === 'string') return { rv: v['rv'], after: v['start'] };
  } catch {
    // fall through: not a token this server made
  }
  return undefined;
}

const typeKey = (r: ResourceType): string => `${r.group}/${r.plural}`;
const objectKey = (ns: string | undefined, name: string): string => (ns ? `${ns}/${name}` : name);

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export class FakeApiServer {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  readonly token: string | null;
  private readonly server: Server;
  private readonly types = new Map<string, ResourceType>();
  private readonly kinds = new Map<string, ResourceType>();
  private readonly store = new Map<string, Map<string, KubeObject>>();
  private readonly history: HistoryEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  /** Requests accepted and never answered (`hang`). */
  private readonly hanging = new Set<ServerResponse>();
  private readonly options: FakeApiServerOptions;
  private rv = 0;
  /** Changes at or below this resourceVersion are forgotten; watching or continuing from before it is 410. */
  private compactedRv = 0;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private portNumber = 0;

  private constructor(options: FakeApiServerOptions) {
    this.options = options;
    this.token = options.token === undefined ? randomBytes(16).toString('hex') : options.token;
    for (const t of KNOWN) this.register(t);
    this.server = createServer((req, res) => {
      this.handle(req, res);
    });
  }

  /** Starts a server on 127.0.0.1 on a free port. */
  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const s = new FakeApiServer(options);
    for (const o of options.objects ?? []) s.apply(o);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    s.portNumber = (s.server.address() as AddressInfo).port;
    if (options.bookmarkIntervalMs !== undefined) {
      s.bookmarkTimer = setInterval(() => {
        s.bookmark();
      }, options.bookmarkIntervalMs);
      s.bookmarkTimer.unref();
    }
    return s;
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  /** The store-wide resourceVersion of the last change. */
  get resourceVersion(): number {
    return this.rv;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  /** Resolves once at least `count` watches are open (a client's request has arrived). */
  async waitForWatches(count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.watchers.size < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} watch(es); ${this.watchers.size} open`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Requests whose query has `continue`: the pages after the first. */
  continueRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.query['continue'] !== undefined);
  }

  // ---- mutations --------------------------------------------------------

  /** Creates or replaces an object (like `kubectl apply`); emits ADDED or MODIFIED. Returns the stored copy. */
  apply(input: unknown): KubeObject {
    const { obj, resource } = this.admit(input);
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    const bucket = this.bucket(resource);
    const prev = bucket.get(key);
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    obj.metadata.uid = prev?.metadata.uid ?? obj.metadata.uid ?? randomUUID();
    obj.metadata.creationTimestamp = prev?.metadata.creationTimestamp ?? obj.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    bucket.set(key, obj);
    this.record({ rv: this.rv, type: prev ? 'MODIFIED' : 'ADDED', resource, key, object: obj, prev });
    return clone(obj);
  }

  create(input: unknown): KubeObject {
    const ref = this.refOf(input);
    if (this.get(ref)) throw new Error(`${ref.kind} ${objectKey(ref.namespace, ref.name)} already exists`);
    return this.apply(input);
  }

  update(input: unknown): KubeObject {
    const ref = this.refOf(input);
    if (!this.get(ref)) throw new Error(`${ref.kind} ${objectKey(ref.namespace, ref.name)} not found`);
    return this.apply(input);
  }

  /** Deletes an object; emits DELETED. Returns false when it did not exist. */
  remove(ref: ObjectRef): boolean {
    const resource = this.kindType(ref.apiVersion, ref.kind);
    const ns = resource.namespaced ? ref.namespace ?? 'default' : undefined;
    const key = objectKey(ns, ref.name);
    const bucket = this.bucket(resource);
    const prev = bucket.get(key);
    if (!prev) return false;
    bucket.delete(key);
    this.rv++;
    const object = clone(prev);
    object.metadata.resourceVersion = String(this.rv);
    this.record({ rv: this.rv, type: 'DELETED', resource, key, object, prev });
    return true;
  }

  get(ref: ObjectRef): KubeObject | undefined {
    const resource = this.kindType(ref.apiVersion, ref.kind);
    const o = this.bucket(resource).get(objectKey(resource.namespaced ? ref.namespace ?? 'default' : undefined, ref.name));
    return o ? clone(o) : undefined;
  }

  /** Forgets all change history (as etcd compaction does): older watches and continue tokens get 410. */
  compact(): void {
    this.history.length = 0;
    this.compactedRv = this.rv;
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watch that allows bookmarks. */
  bookmark(): void {
    for (const w of this.watchers) if (w.bookmarks) this.send(w, 'BOOKMARK', this.bookmarkObject(w));
  }

  /** Cuts every open watch connection abruptly (a network failure or an API server restart). */
  dropWatches(): void {
    for (const w of [...this.watchers]) {
      this.forget(w);
      w.res.destroy();
    }
  }

  /** Ends every open watch cleanly (what `timeoutSeconds` or a graceful API server shutdown does). */
  endWatches(): void {
    for (const w of [...this.watchers]) {
      this.forget(w);
      w.res.end();
    }
  }

  async close(): Promise<void> {
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    this.dropWatches();
    for (const res of this.hanging) res.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
  }

  // ---- registry and store ------------------------------------------------

  private register(t: ResourceType): ResourceType {
    const existing = this.types.get(typeKey(t));
    if (existing) {
      for (const v of t.versions) if (!existing.versions.includes(v)) existing.versions.push(v);
      this.kinds.set(`${t.group}/${t.kind}`, existing);
      return existing;
    }
    const copy = { ...t, versions: [...t.versions] };
    this.types.set(typeKey(copy), copy);
    this.kinds.set(`${copy.group}/${copy.kind}`, copy);
    return copy;
  }

  private kindType(apiVersion: string, kind: string, namespaced?: boolean): ResourceType {
    const { group: g, version } = splitApiVersion(apiVersion);
    const known = this.kinds.get(`${g}/${kind}`);
    if (known) {
      if (!known.versions.includes(version)) known.versions.push(version);
      return known;
    }
    // An unknown kind is a custom resource; its scope follows the first object seen.
    return this.register({ group: g, versions: [version], kind, plural: pluralize(kind), namespaced: namespaced ?? true, custom: true });
  }

  private refOf(input: unknown): ObjectRef {
    if (!isRecord(input) || typeof input['apiVersion'] !== 'string' || typeof input['kind'] !== 'string' || !isRecord(input['metadata']) || typeof input['metadata']['name'] !== 'string') {
      throw new Error('an object needs apiVersion, kind and metadata.name');
    }
    const ns = input['metadata']['namespace'];
    return { apiVersion: input['apiVersion'], kind: input['kind'], name: input['metadata']['name'], ...(typeof ns === 'string' ? { namespace: ns } : {}) };
  }

  /** Validates and defaults an object as the API server would before storing it. */
  private admit(input: unknown): { obj: KubeObject; resource: ResourceType } {
    const ref = this.refOf(input);
    const obj = clone(input) as KubeObject;
    const resource = this.kindType(ref.apiVersion, ref.kind, ref.namespace !== undefined && ref.namespace !== '');
    if (resource.namespaced) obj.metadata.namespace = ref.namespace ?? 'default';
    else delete obj.metadata.namespace;
    if (resource.group === '' && resource.kind === 'Namespace') {
      // The API server sets this label on every namespace (Kubernetes 1.21+).
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: obj.metadata.name };
    }
    return { obj, resource };
  }

  private bucket(resource: ResourceType): Map<string, KubeObject> {
    const k = typeKey(resource);
    let b = this.store.get(k);
    if (!b) {
      b = new Map();
      this.store.set(k, b);
    }
    return b;
  }

  private record(ev: HistoryEvent): void {
    this.history.push(ev);
    const limit = this.options.historyLimit ?? 10_000;
    while (this.history.length > limit) this.compactedRv = this.history.shift()!.rv;
    for (const w of this.watchers) if (w.resource === ev.resource) this.deliver(w, ev);
  }

  /** The objects of one resource as they were at resourceVersion `rv` (undoing later changes). */
  private stateAt(resource: ResourceType, rv: number): Map<string, KubeObject> {
    const state = new Map(this.bucket(resource));
    for (let i = this.history.length - 1; i >= 0; i--) {
      const ev = this.history[i]!;
      if (ev.rv <= rv) break;
      if (ev.resource !== resource) continue;
      if (ev.prev) state.set(ev.key, ev.prev);
      else state.delete(ev.key);
    }
    return state;
  }

  private served(g: string, version: string): boolean {
    const off = this.options.notServed ?? [];
    if (off.includes(g) || off.includes(joinApiVersion(g, version)) || (g === '' && off.includes('core'))) return false;
    for (const t of this.types.values()) if (t.group === g && t.versions.includes(version)) return true;
    return false;
  }

  // ---- HTTP --------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers } };
    this.requests.push(recorded);
    this.options.onRequest?.(recorded);
    if (this.options.hang?.(recorded) === true) {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    const fault = this.options.fault?.(recorded);
    if (fault !== undefined) {
      json(res, fault, status(fault, fault === 429 ? 'TooManyRequests' : fault >= 500 ? 'InternalError' : 'BadRequest', `injected fault: HTTP ${fault}`));
      return;
    }
    if (recorded.method !== 'GET') {
      json(res, 405, status(405, 'MethodNotAllowed', `the fake API server only reads; ${recorded.method} is not supported`));
      return;
    }
    if (this.token !== null && req.headers.authorization !== `Bearer ${this.token}`) {
      json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (this.discovery(segments, res)) return;
    const route = parseRoute(segments);
    if (!route || !this.served(route.group, route.version)) {
      json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    this.serveResource(route, url.searchParams, req, res);
  }

  private discovery(segments: string[], res: ServerResponse): boolean {
    const path = segments.join('/');
    if (path === 'version') {
      json(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-fake', platform: 'linux/amd64' });
      return true;
    }
    if (path === 'api') {
      json(res, 200, { kind: 'APIVersions', versions: this.served('', 'v1') ? ['v1'] : [], serverAddressByClientCIDRs: [] });
      return true;
    }
    if (path === 'apis') {
      json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups() });
      return true;
    }
    const gv = segments[0] === 'api' && segments.length === 2 ? { group: '', version: segments[1]! } : segments[0] === 'apis' && segments.length === 3 ? { group: segments[1]!, version: segments[2]! } : undefined;
    if (!gv) return false;
    if (!this.served(gv.group, gv.version)) {
      json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return true;
    }
    const resources = [...this.types.values()].filter((t) => t.group === gv.group && t.versions.includes(gv.version)).map((t) => ({
      name: t.plural, singularName: t.kind.toLowerCase(), namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'list', 'watch'],
    }));
    json(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: joinApiVersion(gv.group, gv.version), resources });
    return true;
  }

  private groups(): unknown[] {
    const byGroup = new Map<string, Set<string>>();
    for (const t of this.types.values()) {
      if (t.group === '') continue;
      const s = byGroup.get(t.group) ?? new Set<string>();
      for (const v of t.versions) if (this.served(t.group, v)) s.add(v);
      byGroup.set(t.group, s);
    }
    return [...byGroup].filter(([, vs]) => vs.size > 0).map(([name, vs]) => {
      const versions = [...vs].map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions, preferredVersion: versions[0] };
    });
  }

  private serveResource(route: Route, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    const resource = this.types.get(`${route.group}/${route.plural}`);
    if (!resource || !resource.versions.includes(route.version) || (route.namespace !== undefined && !resource.namespaced) || route.subresource !== undefined) {
      json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const watch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = route.name !== undefined && !watch ? 'get' : watch ? 'watch' : 'list';
    const attrs: RequestAttributes = { verb, group: route.group, resource: route.plural, ...(route.namespace !== undefined ? { namespace: route.namespace } : {}) };
    if (!this.allowed(attrs)) {
      const where = route.namespace !== undefined ? `in the namespace "${route.namespace}"` : 'at the cluster scope';
      const qualified = route.group === '' ? route.plural : `${route.plural}.${route.group}`;
      json(res, 403, status(403, 'Forbidden', `${qualified} is forbidden: User "meshless-test" cannot ${verb} resource "${route.plural}" in API group "${route.group}" ${where}`, { group: route.group, kind: route.plural }));
      return;
    }
    const apiVersion = joinApiVersion(route.group, route.version);
    const labels = parseSelector(q.get('labelSelector') ?? '');
    const fields = parseSelector(q.get('fieldSelector') ?? '');
    if (typeof labels === 'string' || typeof fields === 'string') {
      json(res, 400, status(400, 'BadRequest', typeof labels === 'string' ? labels : fields as string));
      return;
    }
    const filter: Filter = { namespace: route.namespace, labels, fields };
    if (route.name !== undefined && !watch) {
      const o = this.bucket(resource).get(objectKey(route.namespace, route.name));
      if (o) json(res, 200, { ...clone(o), apiVersion });
      else json(res, 404, status(404, 'NotFound', `${route.group === '' ? route.plural : `${route.plural}.${route.group}`} "${route.name}" not found`, { name: route.name, kind: route.plural }));
      return;
    }
    if (route.name !== undefined) filter.fields.push((get) => get('metadata.name') === route.name);
    if (watch) this.watch(resource, apiVersion, filter, q, res);
    else this.list(resource, apiVersion, filter, q, req, res);
  }

  private allowed(attrs: RequestAttributes): boolean {
    const qualified = attrs.group === '' ? attrs.resource : `${attrs.resource}.${attrs.group}`;
    const forbidden = this.options.forbidden ?? [];
    if (forbidden.includes(qualified) || forbidden.includes(attrs.resource) && attrs.group === '') return false;
    return this.options.authorize ? this.options.authorize(attrs) : true;
  }

  private list(resource: ResourceType, apiVersion: string, filter: Filter, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    const cont = q.get('continue');
    const token = cont ? decodeToken(cont) : undefined;
    if (cont && !token) {
      json(res, 400, status(400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'));
      return;
    }
    const exactRv = q.get('resourceVersionMatch') === 'Exact' ? Number(q.get('resourceVersion')) : undefined;
    const at = token?.rv ?? (exactRv !== undefined && Number.isInteger(exactRv) ? exactRv : this.rv);
    if (at < this.compactedRv) {
      const message = token
        ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
        : `The resourceVersion for the provided list is too old.`;
      json(res, 410, status(410, token ? 'Expired' : 'Gone', message));
      return;
    }
    const all = [...this.stateAt(resource, at)].filter(([k, o]) => (token === undefined || k > token.after) && matches(o, filter)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const asked = Number(q.get('limit') ?? '0');
    const max = this.options.maxPageSize ?? Infinity;
    const limit = Math.min(Number.isInteger(asked) && asked > 0 ? asked : Infinity, max);
    const page = all.slice(0, limit);
    const more = all.length > page.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(at) };
    if (more) {
      metadata['continue'] = encodeToken({ rv: at, after: page[page.length - 1]![0] });
      // The API server counts the rest only when no selector hides some of it.
      if (filter.labels.length === 0 && filter.fields.length === 0) metadata['remainingItemCount'] = all.length - page.length;
    }
    const metadataOnly = this.options.metadataOnly !== false && /as=PartialObjectMetadataList/.test(req.headers.accept ?? '');
    if (metadataOnly) {
      const items = page.map(([, o]) => ({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: clone(o.metadata) }));
      json(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items });
      return;
    }
    const items = page.map(([, o]) => {
      const item: Record<string, unknown> = clone(o);
      delete item['apiVersion'];
      delete item['kind'];
      return resource.custom ? { apiVersion, kind: resource.kind, ...item } : item;
    });
    json(res, 200, { kind: `${resource.kind}List`, apiVersion, metadata, items });
  }

  private watch(resource: ResourceType, apiVersion: string, filter: Filter, q: URLSearchParams, res: ServerResponse): void {
    const rvParam = q.get('resourceVersion') ?? '';
    const from = rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    if (from !== undefined && (!Number.isInteger(from) || from < 0)) {
      json(res, 400, status(400, 'BadRequest', `invalid resource version: ${rvParam}`));
      return;
    }
    if (from !== undefined && from < this.compactedRv) {
      const gone = status(410, 'Expired', `too old resource version: ${from} (${this.compactedRv + 1})`);
      if (this.options.goneAs === 'http') json(res, 410, gone);
      else {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
        res.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
      }
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
    const w: Watcher = { res, resource, apiVersion, filter, bookmarks };
    if (from === undefined) {
      const current = [...this.bucket(resource)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [, o] of current) if (matches(o, filter)) this.send(w, 'ADDED', o);
      if (bookmarks && q.get('sendInitialEvents') === 'true') {
        const b = this.bookmarkObject(w);
        (b.metadata as Record<string, unknown>)['annotations'] = { 'k8s.io/initial-events-end': 'true' };
        this.send(w, 'BOOKMARK', b);
      }
    } else {
      for (const ev of this.history) if (ev.rv > from && ev.resource === resource) this.deliver(w, ev);
    }
    this.watchers.add(w);
    const seconds = Number(q.get('timeoutSeconds') ?? '0');
    if (seconds > 0) {
      w.timer = setTimeout(() => {
        this.forget(w);
        res.end();
      }, seconds * 1000);
    }
    // The response's close, not the request's: the request closes once read, the response when the connection ends.
    res.on('close', () => {
      this.forget(w);
    });
  }

  private forget(w: Watcher): void {
    if (w.timer) clearTimeout(w.timer);
    this.watchers.delete(w);
  }

  /** Sends one change to one watch, as the watch cache does for selectors: an object that stops matching is DELETED. */
  private deliver(w: Watcher, ev: HistoryEvent): void {
    const now = ev.type !== 'DELETED' && matches(ev.object, w.filter);
    const before = ev.prev !== undefined && matches(ev.prev, w.filter);
    if (ev.type === 'DELETED') {
      if (before) this.send(w, 'DELETED', ev.object);
    } else if (now && before) this.send(w, 'MODIFIED', ev.object);
    else if (now) this.send(w, 'ADDED', ev.object);
    else if (before) this.send(w, 'DELETED', ev.object);
  }

  private bookmarkObject(w: Watcher): KubeObject {
    return { apiVersion: w.apiVersion, kind: w.resource.kind, metadata: { name: '', resourceVersion: String(this.rv) } };
  }

  private send(w: Watcher, type: WatchEventType, object: KubeObject): void {
    if (w.res.destroyed || w.res.writableEnded) return;
    const out = type === 'BOOKMARK' ? { kind: object.kind, apiVersion: object.apiVersion, metadata: { resourceVersion: object.metadata.resourceVersion, ...(object.metadata.annotations ? { annotations: object.metadata.annotations } : {}) } } : { ...clone(object), apiVersion: w.apiVersion, kind: w.resource.kind };
    w.res.write(`${JSON.stringify({ type, object: out })}\n`);
  }
}

interface Route {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

/** `/api/v1/namespaces/ns/pods/name` and `/apis/g/v/...` → the parts. */
function parseRoute(segments: string[]): Route | undefined {
  let gv: { group: string; version: string };
  let rest: string[];
  if (segments[0] === 'api' && segments[1] !== undefined) {
    gv = { group: '', version: segments[1] };
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments[1] !== undefined && segments[2] !== undefined) {
    gv = { group: segments[1], version: segments[2] };
    rest = segments.slice(3);
  } else return undefined;
  const opt = (k: string, v: string | undefined): Record<string, string> => (v !== undefined ? { [k]: v } : {});
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    return { ...gv, namespace: rest[1]!, plural: rest[2]!, ...opt('name', rest[3]), ...opt('subresource', rest[4]) };
  }
  if (rest[0] === undefined) return undefined;
  return { ...gv, plural: rest[0], ...opt('name', rest[1]), ...opt('subresource', rest[2]) };
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts a fake API server (see FakeApiServer). Close it with `await server.close()`. */
export function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  return FakeApiServer.start(options);
}

// ---------------------------------------------------------------------------
// kubeconfig

export interface KubeconfigOptions {
  /** Context (and cluster and user) name. Default `fake`. */
  readonly context?: string;
  /** The context's namespace. */
  readonly namespace?: string;
  /**
   * Write `insecure-skip-tls-verify: true` (default true). @kubernetes/client-node refuses
   * an `http:` server without it; kubectl does not care. False tests that case.
   */
  readonly skipTlsVerify?: boolean;
  /** Directory to write into; default a new temporary directory (removed by cleanup()). */
  readonly dir?: string;
}

export interface WrittenKubeconfig {
  readonly path: string;
  readonly dir: string;
  readonly context: string;
  cleanup(): Promise<void>;
}

/** Writes a kubeconfig whose current context points at `server` with its bearer token. */
export async function writeKubeconfig(server: { readonly url: string; readonly token: string | null }, options: KubeconfigOptions = {}): Promise<WrittenKubeconfig> {
  const context = options.context ?? 'fake';
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'meshless-kubeconfig-')));
  const path = join(dir, 'kubeconfig');
  const q = (s: string): string => JSON.stringify(s);
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${q(context)}`,
    'clusters:',
    `- name: ${q(context)}`,
    '  cluster:',
    `    server: ${q(server.url)}`,
    ...(options.skipTlsVerify !== false ? ['    insecure-skip-tls-verify: true'] : []),
    'users:',
    `- name: ${q(context)}`,
    `  user: ${server.token !== null ? `{ token: ${q(server.token)} }` : '{}'}`,
    'contexts:',
    `- name: ${q(context)}`,
    '  context:',
    `    cluster: ${q(context)}`,
    `    user: ${q(context)}`,
    ...(options.namespace !== undefined ? [`    namespace: ${q(options.namespace)}`] : []),
    '',
  ];
  await writeFile(path, lines.join('\n'), { mode: 0o600 });
  return {
    path,
    dir,
    context,
    cleanup: async () => {
      await (ownDir ? rm(dir, { recursive: true, force: true }) : rm(path, { force: true }));
    },
  };
}
