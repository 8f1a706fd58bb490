/**
 * The exposure model: which hosts (and paths) reach which Services from outside
 * the cluster, through which edge (ingress-nginx, Traefik, Gateway API), whether
 * the edge authenticates the request first and whether it terminates TLS.
 *
 * Pure: it reads the Inventory and returns data. The edge checks (auth-*, tls-*)
 * are small functions over `entryPoints(ctx)` and the helpers below.
 */
import type { Inventory } from '../model/inventory.js';
import { apiGroup, type LoadedObject } from '../model/kube.js';
import type { Labels } from '../model/labels.js';
import type { LabelSelector, LabelSelectorRequirement } from '../model/networkpolicy.js';
import type { Endpoint } from '../model/workloads.js';
import { matches } from '../netpol/selector.js';
import { dig, isRecord, str } from '../model/json.js';

/** A way into the cluster from outside: one host (and path) routed to a Service. */
export interface EntryPoint {
  /** The object that routes it: Ingress, HTTPRoute, GRPCRoute, Traefik IngressRoute... */
  readonly route: LoadedObject;
  /**
   * `ingress-nginx`, `gateway-api`, `traefik`, or another controller name; for a way in
   * with no edge: `service-loadbalancer`, `service-nodeport` or `host-port`.
   */
  readonly via: string;
  readonly host: string;
  readonly path?: string;
  /**
   * The backend Service. For a `host-port` entry (no Service involved) the workload that
   * opens the port, as `kind/name` (`daemonset/node-exporter`).
   */
  readonly service: { readonly namespace: string; readonly name: string; readonly port?: number | string };
  /** Endpoint ids the Service's selector picks (empty when the Service is not in the input). */
  readonly endpoints: readonly string[];
  /** Authenticated at the edge, and by what (`oauth2-proxy via auth-url`, `SecurityPolicy shop/auth`). */
  readonly authenticated: boolean;
  readonly authBy?: string;
  /** Marked public on purpose, with the reason given. */
  readonly publicReason?: string;
  /** TLS terminated at the edge for this host, and how the certificate comes (`cert-manager ClusterIssuer letsencrypt-prod`). */
  readonly tls: boolean;
  readonly tlsBy?: string;
}


// ---------------------------------------------------------------------------
// Reading untyped objects

export type Json = Record<string, unknown>;


/** Follows a path of keys and indexes; undefined as soon as one is missing. */
export const field = (v: unknown, ...path: readonly (string | number)[]): unknown => dig(v, path);

export { str };

/** A list's items (an empty list for anything that is not one). */
export function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function annotationsOf(o: LoadedObject): Readonly<Record<string, string>> {
  return o.object.metadata.annotations ?? {};
}

export function annotation(o: LoadedObject, key: string): string | undefined {
  return annotationsOf(o)[key];
}

/** The field path of an annotation, for `inventory.locate` (keys with dots are resolved by the locator). */
export function annotationPath(key: string): string {
  return `metadata.annotations.${key}`;
}

export function nsOf(o: LoadedObject): string {
  return o.object.metadata.namespace ?? 'default';
}

export function nameOf(o: LoadedObject): string {
  return o.object.metadata.name;
}

/** `Ingress backoffice/admin`, `ClusterIssuer letsencrypt-prod`. */
export function describe(o: LoadedObject): string {
  const ns = o.object.metadata.namespace;
  return ns === undefined ? `${o.object.kind} ${o.object.metadata.name}` : `${o.object.kind} ${ns}/${o.object.metadata.name}`;
}

/** A YAML double-quoted scalar. */
export function q(s: string): string {
  return JSON.stringify(s);
}

// ---------------------------------------------------------------------------
// Edge vocabulary

export const INGRESS_NGINX = 'ingress-nginx';
export const TRAEFIK = 'traefik';
export const GATEWAY_API = 'gateway-api';
/** A Service of `type: LoadBalancer`: the cloud load balancer sends connections straight to its pods. */
export const SERVICE_LOADBALANCER = 'service-loadbalancer';
/** A Service of `type: NodePort`: every node's address, that port, straight to its pods. */
export const SERVICE_NODEPORT = 'service-nodeport';
/** A pod's `hostPort` or `hostNetwork`: the node's address reaches the container directly. */
export const HOST_PORT = 'host-port';
/** Ways in with no edge proxy in front: nothing can authenticate or terminate TLS for the application. */
export const DIRECT_WAYS_IN: ReadonlySet<string> = new Set([SERVICE_LOADBALANCER, SERVICE_NODEPORT, HOST_PORT]);
/** The edges whose configuration this model understands well enough to judge. */
export const KNOWN_EDGES: ReadonlySet<string> = new Set([INGRESS_NGINX, TRAEFIK, GATEWAY_API]);

/** IngressClass `spec.controller` of the community ingress-nginx controller. */
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';
/** IngressClass `spec.controller` of Traefik. */
export const TRAEFIK_CONTROLLER = 'traefik.io/ingress-controller';

export const NGINX = 'nginx.ingress.kubernetes.io/';
export const TRAEFIK_ROUTER = 'traefik.ingress.kubernetes.io/router.';

export const PUBLIC_ANNOTATION = 'meshless.dev/public';
export const PUBLIC_REASON_ANNOTATION = 'meshless.dev/public-reason';

/** cert-manager labels the Ingresses, HTTPRoutes, Services and Pods it creates to answer HTTP-01 challenges. */
const ACME_SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';

const TRAEFIK_GROUPS = new Set(['traefik.io', 'traefik.containo.us']);
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const ENVOY_GATEWAY_GROUP = 'gateway.envoyproxy.io';
const CERT_MANAGER_GROUP = 'cert-manager.io';

export function isTraefikCrd(o: LoadedObject, kind: string): boolean {
  return o.object.kind === kind && TRAEFIK_GROUPS.has(apiGroup(o.object.apiVersion));
}

export function isGatewayApi(o: LoadedObject, kind: string): boolean {
  return o.object.kind === kind && apiGroup(o.object.apiVersion) === GATEWAY_GROUP;
}

export function isCertManager(o: LoadedObject, kind: string): boolean {
  return o.object.kind === kind && apiGroup(o.object.apiVersion) === CERT_MANAGER_GROUP;
}

function isIngress(o: LoadedObject): boolean {
  const g = apiGroup(o.object.apiVersion);
  return o.object.kind === 'Ingress' && (g === 'networking.k8s.io' || g === 'extensions');
}

// ---------------------------------------------------------------------------
// Public marking

export interface PublicMarking {
  /** `meshless.dev/public: "true"`. */
  readonly marked: boolean;
  /** The non-empty `meshless.dev/public-reason`. */
  readonly reason?: string;
}

/** A route marked public on purpose: `meshless.dev/public: "true"` plus a reason. */
export function publicMarking(o: LoadedObject): PublicMarking {
  const a = annotationsOf(o);
  const marked = (a[PUBLIC_ANNOTATION] ?? '').trim().toLowerCase() === 'true';
  const reason = a[PUBLIC_REASON_ANNOTATION]?.trim();
  return reason ? { marked, reason } : { marked };
}

// ---------------------------------------------------------------------------
// Hosts

/** Hosts that only resolve inside a private network: a missing certificate there matters less. */
export function isPublicHost(host: string): boolean {
  if (host === '*') return true;
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(h)) return false;
  return !/\.(local|internal|lan|intranet|corp|home\.arpa|localhost|svc|cluster\.local|svc\.cluster\.local)$/.test(h);
}

/**
 * Does a hostname pattern cover a host? `*.example.com` covers `a.example.com`;
 * with `multiLabel` (Gateway API listener semantics) also `a.b.example.com`,
 * without it (certificate semantics) only one label.
 */
export function hostCovers(pattern: string, host: string, multiLabel = false): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === '*') return true;
  if (p === h) return true;
  if (!p.startsWith('*.')) return false;
  const suffix = p.slice(1); // `.example.com`
  if (!h.endsWith(suffix) || h.length <= suffix.length) return false;
  const label = h.slice(0, h.length - suffix.length);
  return multiLabel ? !label.startsWith('*') : !label.includes('.') && label !== '*';
}

/** Gateway API: the hostnames a route serves on a listener; empty when it cannot attach there. */
function intersectHostnames(listener: string | undefined, route: readonly string[]): string[] {
  if (route.length === 0) return [listener ?? '*'];
  if (listener === undefined) return [...route];
  const out: string[] = [];
  for (const h of route) {
    if (hostCovers(listener, h, true)) out.push(h);
    else if (h.startsWith('*.') && hostCovers(h, listener, true)) out.push(listener);
  }
  return [...new Set(out)];
}

// ---------------------------------------------------------------------------
// Workloads, Services, endpoints

/** Per-Inventory look-up tables, built once (an Inventory never changes). */
interface Index {
  readonly byKind: ReadonlyMap<string, readonly LoadedObject[]>;
  readonly objectBySource: ReadonlyMap<unknown, LoadedObject>;
  /** Core v1 Services by `namespace/name`. */
  readonly services: ReadonlyMap<string, LoadedObject>;
  readonly endpointsByNamespace: ReadonlyMap<string, readonly Endpoint[]>;
  /** Memoised `serviceEndpoints`, by `namespace/name`. */
  readonly selected: Map<string, Endpoint[]>;
  model?: EdgeModel;
  /** Endpoints by the source of the object they come from. */
  bySource?: Map<unknown, Endpoint[]>;
  /** The workload object behind each endpoint id (built once, for edgeProxyOf). */
  workloadOfEndpoint?: Map<string, LoadedObject>;
  hint?: AuthProxyHint;
  workloads?: LoadedObject[];
}

const indexes = new WeakMap<Inventory, Index>();

function indexOf(inv: Inventory): Index {
  let idx = indexes.get(inv);
  if (idx) return idx;
  const byKind = new Map<string, LoadedObject[]>();
  const objectBySource = new Map<unknown, LoadedObject>();
  const services = new Map<string, LoadedObject>();
  for (const o of inv.objects) {
    const l = byKind.get(o.object.kind);
    if (l) l.push(o);
    else byKind.set(o.object.kind, [o]);
    objectBySource.set(o.source, o);
    if (o.object.kind === 'Service' && o.object.apiVersion === 'v1') services.set(`${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`, o);
  }
  const endpointsByNamespace = new Map<string, Endpoint[]>();
  for (const e of inv.endpoints) {
    const l = endpointsByNamespace.get(e.namespace);
    if (l) l.push(e);
    else endpointsByNamespace.set(e.namespace, [e]);
  }
  idx = { byKind, objectBySource, services, endpointsByNamespace, selected: new Map() };
  indexes.set(inv, idx);
  return idx;
}

/** Objects of one kind (any apiVersion), in input order. */
export function ofKind(inv: Inventory, kind: string): readonly LoadedObject[] {
  return indexOf(inv).byKind.get(kind) ?? [];
}

/** Where a workload kind keeps its pod spec. */
const POD_SPEC_PATH: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export interface ContainerAt {
  readonly container: Json;
  /** Field path of the container, e.g. `spec.template.spec.containers[0]`. */
  readonly path: string;
  readonly image: string;
}

export function podSpecOf(o: LoadedObject): { spec: Json; path: string } | undefined {
  const p = POD_SPEC_PATH[o.object.kind];
  if (!p) return undefined;
  const spec = field(o.object, ...p);
  return isRecord(spec) ? { spec, path: p.join('.') } : undefined;
}

/** Containers (and init containers) of a Pod or a workload's pod template. */
export function containersOf(o: LoadedObject): ContainerAt[] {
  const ps = podSpecOf(o);
  if (!ps) return [];
  const out: ContainerAt[] = [];
  for (const f of ['containers', 'initContainers'] as const) {
    list(ps.spec[f]).forEach((c, i) => {
      if (isRecord(c)) out.push({ container: c, path: `${ps.path}.${f}[${i}]`, image: str(c['image']) ?? '' });
    });
  }
  return out;
}

/** All workloads (Pods and controllers) in input order. */
export function workloads(inv: Inventory): LoadedObject[] {
  const idx = indexOf(inv);
  idx.workloads ??= inv.objects.filter((o) => POD_SPEC_PATH[o.object.kind] !== undefined);
  return idx.workloads;
}

const OAUTH2_PROXY_IMAGE = /(^|\/)oauth2[-_]proxy(:|@|$)/;
/** Images of authentication proxies and identity providers: a route to one of them is the sign-in endpoint. */
const AUTH_SERVICE_IMAGES: readonly RegExp[] = [
  OAUTH2_PROXY_IMAGE,
  /(^|\/)(authelia|dex|keycloak|pomerium|vouch-proxy|oathkeeper|kratos|zitadel)(:|@|$)/,
  /(^|\/)goauthentik\/server(:|@|$)/,
];

export function isOAuth2ProxyImage(image: string): boolean {
  return OAUTH2_PROXY_IMAGE.test(image.toLowerCase());
}

function isAuthServiceImage(image: string): boolean {
  const i = image.toLowerCase();
  return AUTH_SERVICE_IMAGES.some((r) => r.test(i));
}

/** oauth2-proxy workloads (by image), in input order. */
export function oauth2ProxyWorkloads(inv: Inventory): LoadedObject[] {
  return workloads(inv).filter((o) => containersOf(o).some((c) => isOAuth2ProxyImage(c.image)));
}

export function findObject(inv: Inventory, kind: string, namespace: string | undefined, name: string): LoadedObject | undefined {
  return ofKind(inv, kind).find((o) => o.object.metadata.name === name && (namespace === undefined || o.object.metadata.namespace === namespace));
}

/** The core v1 Service `namespace/name`, when it is in the input. */
export function findService(inv: Inventory, namespace: string, name: string): LoadedObject | undefined {
  return indexOf(inv).services.get(`${namespace}/${name}`);
}

/** The Service's `spec.selector` (a plain map) as a label selector; undefined for a Service without one. */
function serviceSelector(svc: LoadedObject): LabelSelector | undefined {
  const sel = field(svc.object, 'spec', 'selector');
  if (!isRecord(sel) || Object.keys(sel).length === 0) return undefined;
  const matchLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel)) if (typeof v === 'string') matchLabels[k] = v;
  return { matchLabels, matchExpressions: [] };
}

/** Endpoints a Service selects: those in its namespace whose labels match its selector. */
export function serviceEndpoints(inv: Inventory, namespace: string, name: string): Endpoint[] {
  const idx = indexOf(inv);
  const key = `${namespace}/${name}`;
  const cached = idx.selected.get(key);
  if (cached) return cached;
  const svc = idx.services.get(key);
  const sel = svc ? serviceSelector(svc) : undefined;
  const out = sel ? (idx.endpointsByNamespace.get(namespace) ?? []).filter((e) => matches(sel, e.labels)) : [];
  idx.selected.set(key, out);
  return out;
}

/** The workload object behind an endpoint. */
export function endpointObject(inv: Inventory, e: Endpoint): LoadedObject | undefined {
  return indexOf(inv).objectBySource.get(e.source);
}

/** Services (`ns/name`) that select one of the given workloads. */
export function servicesOf(inv: Inventory, workload: LoadedObject): LoadedObject[] {
  const ns = nsOf(workload);
  const ids = new Set((indexOf(inv).endpointsByNamespace.get(ns) ?? []).filter((e) => e.source === workload.source).map((e) => e.id));
  if (ids.size === 0) return [];
  return ofKind(inv, 'Service').filter((s) => nsOf(s) === ns && serviceEndpoints(inv, ns, nameOf(s)).some((e) => ids.has(e.id)));
}

/** The first port of a Service, as a number (the port clients use). */
export function servicePort(svc: LoadedObject): number | undefined {
  const p = field(svc.object, 'spec', 'ports', 0, 'port');
  return typeof p === 'number' ? p : undefined;
}

// ---------------------------------------------------------------------------
// URLs that name in-cluster Services

export interface ClusterServiceRef {
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  /** How the host named it: `svc` (`name.ns.svc[.domain]`), `short` (`name.ns`) or `bare` (`name`). */
  readonly form: 'svc' | 'short' | 'bare';
}

/**
 * The Service a URL's host names through cluster DNS: `name.ns.svc.cluster.local`,
 * `name.ns.svc`, a bare `name` (the caller's namespace) or `name.ns` (only when
 * `ns` is a namespace in the input, since `example.com` has the same shape).
 */
export function clusterServiceOfUrl(url: string, callerNamespace: string, inv: Inventory): ClusterServiceRef | undefined {
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/:?#\s]+)(?::(\d+))?/i.exec(url.trim());
  if (!m) return undefined;
  const host = m[1]!.toLowerCase().replace(/\.$/, '');
  const port = m[2] !== undefined ? Number(m[2]) : undefined;
  const labels = host.split('.');
  let ref: ClusterServiceRef | undefined;
  if (labels.length >= 3 && labels[2] === 'svc') ref = { namespace: labels[1]!, name: labels[0]!, form: 'svc' };
  else if (labels.length === 1 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(host) && host !== 'localhost') ref = { namespace: callerNamespace, name: host, form: 'bare' };
  else if (labels.length === 2 && inv.namespaces.has(labels[1]!)) ref = { namespace: labels[1]!, name: labels[0]!, form: 'short' };
  return ref && port !== undefined ? { ...ref, port } : ref;
}

// ---------------------------------------------------------------------------
// Ingress classes and controllers

/** The controller an IngressClass names, in this model's vocabulary. */
function edgeOfController(controller: string): string {
  if (controller === INGRESS_NGINX_CONTROLLER) return INGRESS_NGINX;
  if (controller === TRAEFIK_CONTROLLER || controller.startsWith('traefik.io/')) return TRAEFIK;
  return controller;
}

function edgeOfClassName(inv: Inventory, className: string): string {
  const cls = ofKind(inv, 'IngressClass').find((c) => c.object.metadata.name === className);
  const controller = cls ? str(field(cls.object, 'spec', 'controller')) : undefined;
  if (controller) return edgeOfController(controller);
  // No IngressClass in the input: go by the conventional class names.
  if (/traefik/i.test(className)) return TRAEFIK;
  if (/nginx/i.test(className)) return INGRESS_NGINX;
  return className;
}

/** What `ingressEdge` answers for an Ingress with no class when the input has no default IngressClass. */
export const UNKNOWN_EDGE = 'unknown';

/**
 * Which edge serves an Ingress: its class (`spec.ingressClassName`, or the older
 * `kubernetes.io/ingress.class` annotation) and that class's controller. Without a
 * class, Kubernetes gives the Ingress the cluster's default IngressClass (the one
 * annotated `ingressclass.kubernetes.io/is-default-class: "true"`); when the input
 * shows none, the controller is unknown — annotations written for one controller do
 * not say which controller picks the Ingress up.
 */
export function ingressEdge(inv: Inventory, ing: LoadedObject): string {
  const className = str(field(ing.object, 'spec', 'ingressClassName')) ?? annotation(ing, 'kubernetes.io/ingress.class');
  if (className) return edgeOfClassName(inv, className);
  const def = defaultIngressClass(inv);
  if (def) return edgeOfClassName(inv, def.object.metadata.name);
  return UNKNOWN_EDGE;
}

/** The IngressClass marked as the cluster default, when the input has one. */
export function defaultIngressClass(inv: Inventory): LoadedObject | undefined {
  return ofKind(inv, 'IngressClass').find((c) => annotation(c, 'ingressclass.kubernetes.io/is-default-class') === 'true');
}

const INGRESS_NGINX_IMAGE = /(^|\/)ingress-nginx\/controller(-chroot)?(:|@|$)|(^|\/)nginx-ingress-controller(:|@|$)/;

/** The community ingress-nginx controller image (registry.k8s.io/ingress-nginx/controller), not NGINX Inc's nginx/nginx-ingress. */
export function isIngressNginxImage(image: string): boolean {
  const i = image.toLowerCase();
  return INGRESS_NGINX_IMAGE.test(i) && !i.includes('nginx/nginx-ingress');
}

/** Workloads running the community ingress-nginx controller. */
export function ingressNginxControllers(inv: Inventory): LoadedObject[] {
  return workloads(inv).filter((o) => containersOf(o).some((c) => isIngressNginxImage(c.image)));
}

function argsOf(c: Json): string[] {
  return [...list(c['command']), ...list(c['args'])].filter((a): a is string => typeof a === 'string');
}

/** The value of `--name=value` or `--name value` in a container's command and args. */
export function flagValue(c: Json, name: string): string | undefined {
  const args = argsOf(c);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const prefix of [`--${name}`, `-${name}`]) {
      if (a === prefix) {
        const next = args[i + 1];
        return next !== undefined && !next.startsWith('-') ? next : '';
      }
      if (a.startsWith(`${prefix}=`)) return a.slice(prefix.length + 1);
    }
  }
  return undefined;
}

/** The ConfigMaps of the ingress-nginx controllers (`--configmap=ns/name`), or the chart's default name. */
export function ingressNginxConfigMaps(inv: Inventory): LoadedObject[] {
  const out = new Set<LoadedObject>();
  for (const w of ingressNginxControllers(inv)) {
    for (const c of containersOf(w)) {
      if (!isIngressNginxImage(c.image)) continue;
      const ref = flagValue(c.container, 'configmap');
      if (!ref) continue;
      const [rawNs, name] = ref.includes('/') ? ref.split('/', 2) : [nsOf(w), ref];
      const ns = rawNs === '$(POD_NAMESPACE)' ? nsOf(w) : rawNs;
      const cm = findObject(inv, 'ConfigMap', ns, name ?? '');
      if (cm) out.add(cm);
    }
  }
  if (out.size === 0) {
    for (const cm of ofKind(inv, 'ConfigMap')) {
      const n = cm.object.metadata.name;
      if (n === 'ingress-nginx-controller' || n === 'nginx-configuration') out.add(cm);
    }
  }
  return [...out];
}

// ---------------------------------------------------------------------------
// cert-manager

export interface IssuerRef {
  readonly kind: 'ClusterIssuer' | 'Issuer';
  readonly name: string;
  /** The annotation or field it came from. */
  readonly path: string;
  /** Set for external issuers (`cert-manager.io/issuer-group` other than cert-manager.io): not checked. */
  readonly external?: string;
}

/** The cert-manager issuer an Ingress or Gateway asks for through its annotations. */
export function certManagerIssuerOf(o: LoadedObject): IssuerRef | undefined {
  const cluster = str(annotation(o, 'cert-manager.io/cluster-issuer'));
  if (cluster) return { kind: 'ClusterIssuer', name: cluster, path: annotationPath('cert-manager.io/cluster-issuer') };
  const issuer = str(annotation(o, 'cert-manager.io/issuer'));
  if (!issuer) return undefined;
  const kind = annotation(o, 'cert-manager.io/issuer-kind') === 'ClusterIssuer' ? 'ClusterIssuer' : 'Issuer';
  const group = annotation(o, 'cert-manager.io/issuer-group');
  const ref: IssuerRef = { kind, name: issuer, path: annotationPath('cert-manager.io/issuer') };
  return group && group !== CERT_MANAGER_GROUP ? { ...ref, external: group } : ref;
}

export function findIssuer(inv: Inventory, kind: 'ClusterIssuer' | 'Issuer', namespace: string, name: string): LoadedObject | undefined {
  return ofKind(inv, kind).find((o) => isCertManager(o, kind) && o.object.metadata.name === name && (kind === 'ClusterIssuer' || o.object.metadata.namespace === namespace));
}

export function issuers(inv: Inventory): LoadedObject[] {
  return [...ofKind(inv, 'ClusterIssuer'), ...ofKind(inv, 'Issuer')].filter((o) => isCertManager(o, o.object.kind));
}

/** An issuer to suggest in fixes: an ACME issuer on a production server, else any ClusterIssuer. */
export function preferredIssuer(inv: Inventory): LoadedObject | undefined {
  const all = issuers(inv);
  const acmeProd = all.filter((i) => {
    const server = str(field(i.object, 'spec', 'acme', 'server'));
    return server !== undefined && !isStagingAcmeServer(server);
  });
  return acmeProd.find((i) => i.object.kind === 'ClusterIssuer') ?? acmeProd[0] ?? all.find((i) => i.object.kind === 'ClusterIssuer');
}

const STAGING_ACME = [/acme-staging(-v02)?\.api\.letsencrypt\.org/i, /\.test-api\.pki\.goog/i, /acme\.staging\./i];

/** Let's Encrypt's staging server (and other CAs' test endpoints): certificates no browser trusts. */
export function isStagingAcmeServer(server: string): boolean {
  return STAGING_ACME.some((r) => r.test(server));
}

/**
 * How an entry point's certificate is named as evidence: what provides the Secret, or
 * the Secret marked as not in the input — a name alone is not a certificate.
 */
function secretEvidence(inv: Inventory, namespace: string, secretName: string): string {
  return certificateSource(inv, namespace, secretName) ?? `Secret ${namespace}/${secretName} (not in the input, nothing issues it)`;
}

/**
 * What provides the certificate Secret `namespace/name`: the Secret itself, a
 * cert-manager Certificate writing it, or a SealedSecret / ExternalSecret producing it.
 */
export function certificateSource(inv: Inventory, namespace: string, secretName: string): string | undefined {
  for (const o of ofKind(inv, 'Secret')) {
    if (o.object.apiVersion === 'v1' && nsOf(o) === namespace && nameOf(o) === secretName) return `Secret ${namespace}/${secretName}`;
  }
  for (const o of ofKind(inv, 'Certificate')) {
    if (isCertManager(o, 'Certificate') && nsOf(o) === namespace && field(o.object, 'spec', 'secretName') === secretName) return `cert-manager Certificate ${namespace}/${nameOf(o)}`;
  }
  for (const o of ofKind(inv, 'SealedSecret')) {
    if (nsOf(o) === namespace && nameOf(o) === secretName) return `SealedSecret ${namespace}/${secretName}`;
  }
  for (const o of ofKind(inv, 'ExternalSecret')) {
    const target = str(field(o.object, 'spec', 'target', 'name')) ?? nameOf(o);
    if (nsOf(o) === namespace && target === secretName) return `ExternalSecret ${namespace}/${nameOf(o)}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Traefik middlewares

export interface MiddlewareAuth {
  readonly kind: 'forwardAuth' | 'basicAuth' | 'digestAuth';
  readonly middleware: LoadedObject;
  readonly address?: string;
}

export function findMiddleware(inv: Inventory, namespace: string, name: string): LoadedObject | undefined {
  return ofKind(inv, 'Middleware').find((o) => isTraefikCrd(o, 'Middleware') && nsOf(o) === namespace && nameOf(o) === name);
}

/** The authentication a Middleware performs, following `chain` middlewares. */
export function middlewareAuth(inv: Inventory, mw: LoadedObject, depth = 0): MiddlewareAuth | undefined {
  const spec = field(mw.object, 'spec');
  const fa = field(spec, 'forwardAuth');
  if (isRecord(fa)) {
    const address = str(fa['address']);
    return address ? { kind: 'forwardAuth', middleware: mw, address } : { kind: 'forwardAuth', middleware: mw };
  }
  if (isRecord(field(spec, 'basicAuth'))) return { kind: 'basicAuth', middleware: mw };
  if (isRecord(field(spec, 'digestAuth'))) return { kind: 'digestAuth', middleware: mw };
  if (depth > 8) return undefined;
  for (const ref of list(field(spec, 'chain', 'middlewares'))) {
    const name = str(field(ref, 'name'));
    if (!name) continue;
    const m = findMiddleware(inv, str(field(ref, 'namespace')) ?? nsOf(mw), name);
    const a = m ? middlewareAuth(inv, m, depth + 1) : undefined;
    if (a) return a;
  }
  return undefined;
}

/** Middlewares named in `traefik.ingress.kubernetes.io/router.middlewares` (`<namespace>-<name>@kubernetescrd`). */
function ingressMiddlewares(inv: Inventory, ing: LoadedObject): LoadedObject[] {
  const raw = annotation(ing, `${TRAEFIK_ROUTER}middlewares`);
  if (!raw) return [];
  const out: LoadedObject[] = [];
  for (const part of raw.split(',')) {
    const ref = part.trim();
    if (ref === '') continue;
    const at = ref.indexOf('@');
    const provider = at < 0 ? 'kubernetescrd' : ref.slice(at + 1);
    if (provider !== 'kubernetescrd') continue;
    const id = at < 0 ? ref : ref.slice(0, at);
    const mw = ofKind(inv, 'Middleware').find((m) => isTraefikCrd(m, 'Middleware') && `${nsOf(m)}-${nameOf(m)}` === id);
    if (mw) out.push(mw);
  }
  return out;
}

/** Host(`a`) / Host(`a`, `b`) / HostSNI; `*` when the rule does not restrict the host. */
export function traefikMatchHosts(match: string): string[] {
  const hosts: string[] = [];
  for (const m of match.matchAll(/\bHost(?:SNI)?\(([^)]*)\)/g)) {
    for (const a of m[1]!.matchAll(/[`"']([^`"']+)[`"']/g)) hosts.push(a[1]!);
  }
  return hosts.length > 0 ? [...new Set(hosts)] : ['*'];
}

function traefikMatchPath(match: string): string | undefined {
  const m = /\b(?:PathPrefix|Path)\(\s*[`"']([^`"']+)[`"']/.exec(match);
  return m ? m[1] : undefined;
}

// ---------------------------------------------------------------------------
// Envoy Gateway SecurityPolicy

interface PolicyTarget {
  readonly kind: string;
  readonly name: string;
  readonly sectionName?: string;
}

/** Envoy Gateway SecurityPolicies, in input order. */
export function securityPolicies(inv: Inventory): LoadedObject[] {
  return ofKind(inv, 'SecurityPolicy').filter((o) => apiGroup(o.object.apiVersion) === ENVOY_GATEWAY_GROUP);
}

function selectorOf(raw: unknown): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const ml = field(raw, 'matchLabels');
  if (isRecord(ml)) for (const [k, v] of Object.entries(ml)) if (typeof v === 'string') matchLabels[k] = v;
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const e of list(field(raw, 'matchExpressions'))) {
    const key = str(field(e, 'key'));
    const op = field(e, 'operator');
    if (!key || (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist')) continue;
    matchExpressions.push({ key, operator: op, values: list(field(e, 'values')).filter((v): v is string => typeof v === 'string') });
  }
  return { matchLabels, matchExpressions };
}

/** `targetRefs`, the older single `targetRef`, and `targetSelectors` resolved against the policy's namespace. */
function policyTargets(inv: Inventory, sp: LoadedObject): PolicyTarget[] {
  const out: PolicyTarget[] = [];
  const spec = field(sp.object, 'spec');
  const refs = [...list(field(spec, 'targetRefs'))];
  const single = field(spec, 'targetRef');
  if (isRecord(single)) refs.push(single);
  for (const r of refs) {
    const kind = str(field(r, 'kind'));
    const name = str(field(r, 'name'));
    if (!kind || !name) continue;
    const sectionName = str(field(r, 'sectionName'));
    out.push(sectionName ? { kind, name, sectionName } : { kind, name });
  }
  for (const s of list(field(spec, 'targetSelectors'))) {
    const kind = str(field(s, 'kind'));
    if (!kind) continue;
    const sel = selectorOf(s);
    for (const o of ofKind(inv, kind)) {
      if (apiGroup(o.object.apiVersion) === GATEWAY_GROUP && nsOf(o) === nsOf(sp) && matches(sel, o.object.metadata.labels ?? {})) out.push({ kind, name: nameOf(o) });
    }
  }
  return out;
}

/** What a SecurityPolicy authenticates with, or undefined when it does not (CORS only, authorization only...). */
export function securityPolicyAuth(sp: LoadedObject): string | undefined {
  const spec = field(sp.object, 'spec');
  const ext = field(spec, 'extAuth');
  if (isRecord(ext)) {
    const svc = isRecord(ext['grpc']) ? 'grpc' : 'http';
    const b = field(ext, svc);
    const ref = field(b, 'backendRefs', 0) ?? field(b, 'backendRef');
    const name = str(field(ref, 'name'));
    const target = name
      ? `${str(field(ref, 'namespace')) ?? nsOf(sp)}/${name}${typeof field(ref, 'port') === 'number' ? `:${String(field(ref, 'port'))}` : ''}`
      : str(field(b, 'host')) ?? 'external service';
    return `extAuth ${svc} → ${target}`;
  }
  if (isRecord(field(spec, 'oidc'))) return 'oidc';
  if (isRecord(field(spec, 'jwt'))) return 'jwt';
  if (isRecord(field(spec, 'basicAuth'))) return 'basicAuth';
  if (isRecord(field(spec, 'apiKeyAuth'))) return 'apiKeyAuth';
  return undefined;
}

/** The Services a SecurityPolicy's extAuth calls. */
export function extAuthBackends(sp: LoadedObject): { namespace: string; name: string; port?: number; path: string }[] {
  const ext = field(sp.object, 'spec', 'extAuth');
  if (!isRecord(ext)) return [];
  const out: { namespace: string; name: string; port?: number; path: string }[] = [];
  for (const svc of ['http', 'grpc'] as const) {
    const b = ext[svc];
    if (!isRecord(b)) continue;
    const refs: [unknown, string][] = list(b['backendRefs']).map((r, i) => [r, `spec.extAuth.${svc}.backendRefs[${i}]`]);
    if (isRecord(b['backendRef'])) refs.push([b['backendRef'], `spec.extAuth.${svc}.backendRef`]);
    for (const [r, path] of refs) {
      const kind = str(field(r, 'kind')) ?? 'Service';
      const group = str(field(r, 'group')) ?? '';
      const name = str(field(r, 'name'));
      if (kind !== 'Service' || group !== '' || !name) continue;
      const port = field(r, 'port');
      const ref = { namespace: str(field(r, 'namespace')) ?? nsOf(sp), name, path };
      out.push(typeof port === 'number' ? { ...ref, port } : ref);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Gateway API

export interface ListenerInfo {
  readonly gateway: LoadedObject;
  readonly index: number;
  readonly name: string;
  readonly protocol: string;
  readonly port?: number;
  readonly hostname?: string;
  /** HTTPS with `tls.mode` Terminate (the default) and certificate references. */
  readonly tls: boolean;
  readonly certificateRefs: readonly { namespace: string; name: string; kind: string }[];
}

export function listenersOf(gw: LoadedObject): ListenerInfo[] {
  return list(field(gw.object, 'spec', 'listeners')).flatMap((l, index) => {
    if (!isRecord(l)) return [];
    const name = str(l['name']) ?? `#${index}`;
    const protocol = str(l['protocol']) ?? 'HTTP';
    const mode = str(field(l, 'tls', 'mode')) ?? 'Terminate';
    const certificateRefs = list(field(l, 'tls', 'certificateRefs')).flatMap((r) => {
      const n = str(field(r, 'name'));
      return n ? [{ name: n, namespace: str(field(r, 'namespace')) ?? nsOf(gw), kind: str(field(r, 'kind')) ?? 'Secret' }] : [];
    });
    const port = l['port'];
    const hostname = str(l['hostname']);
    const info: ListenerInfo = {
      gateway: gw,
      index,
      name,
      protocol,
      tls: protocol === 'HTTPS' && mode === 'Terminate' && certificateRefs.length > 0,
      certificateRefs,
      ...(typeof port === 'number' ? { port } : {}),
      ...(hostname !== undefined ? { hostname } : {}),
    };
    return [info];
  });
}

const INTERNAL_LB_ANNOTATIONS: readonly [string, RegExp][] = [
  ['networking.gke.io/load-balancer-type', /^internal$/i],
  ['service.beta.kubernetes.io/aws-load-balancer-internal', /^(true|0\.0\.0\.0\/0)$/i],
  ['service.beta.kubernetes.io/aws-load-balancer-scheme', /^internal$/i],
  ['service.beta.kubernetes.io/azure-load-balancer-internal', /^true$/i],
  ['service.beta.kubernetes.io/oci-load-balancer-internal', /^true$/i],
  ['cloud.google.com/load-balancer-type', /^internal$/i],
];

function hasInternalLbAnnotation(a: unknown): boolean {
  if (!isRecord(a)) return false;
  return INTERNAL_LB_ANNOTATIONS.some(([k, re]) => typeof a[k] === 'string' && re.test(a[k]));
}

/**
 * Is the Gateway reachable only from a private network? An internal load
 * balancer annotation (on the Gateway or in `spec.infrastructure`), a GKE
 * internal GatewayClass, or an Envoy Gateway EnvoyProxy that gives it a
 * ClusterIP Service.
 */
export function gatewayIsInternal(inv: Inventory, gw: LoadedObject): boolean {
  if (hasInternalLbAnnotation(gw.object.metadata.annotations) || hasInternalLbAnnotation(field(gw.object, 'spec', 'infrastructure', 'annotations'))) return true;
  const className = str(field(gw.object, 'spec', 'gatewayClassName'));
  if (className && /^gke-l7-(rilb|ilb)/.test(className)) return true;
  const proxies: LoadedObject[] = [];
  const pref = field(gw.object, 'spec', 'infrastructure', 'parametersRef');
  if (field(pref, 'kind') === 'EnvoyProxy') {
    const p = findObject(inv, 'EnvoyProxy', nsOf(gw), str(field(pref, 'name')) ?? '');
    if (p) proxies.push(p);
  }
  const cls = className ? ofKind(inv, 'GatewayClass').find((c) => nameOf(c) === className) : undefined;
  const cref = cls ? field(cls.object, 'spec', 'parametersRef') : undefined;
  if (field(cref, 'kind') === 'EnvoyProxy') {
    const p = findObject(inv, 'EnvoyProxy', str(field(cref, 'namespace')), str(field(cref, 'name')) ?? '');
    if (p) proxies.push(p);
  }
  return proxies.some((p) => {
    const svc = field(p.object, 'spec', 'provider', 'kubernetes', 'envoyService');
    return field(svc, 'type') === 'ClusterIP' || hasInternalLbAnnotation(field(svc, 'annotations'));
  });
}

function namespaceLabels(inv: Inventory, ns: string): Labels {
  return inv.namespaces.get(ns)?.labels ?? { 'kubernetes.io/metadata.name': ns };
}

/** Gateway API `allowedRoutes`: may a route of this kind in this namespace attach to the listener? */
function listenerAllows(inv: Inventory, l: ListenerInfo, routeKind: string, routeNs: string): boolean {
  const raw = field(l.gateway.object, 'spec', 'listeners', l.index, 'allowedRoutes');
  const kinds = list(field(raw, 'kinds'));
  if (kinds.length > 0) {
    if (!kinds.some((k) => field(k, 'kind') === routeKind)) return false;
  } else if (l.protocol !== 'HTTP' && l.protocol !== 'HTTPS') {
    return false; // TLS, TCP, UDP listeners take TLSRoute/TCPRoute/UDPRoute
  }
  // An HTTPS listener that passes TLS through, or has no certificate, serves no HTTPRoute.
  if (l.protocol === 'HTTPS' && !l.tls) return false;
  const from = str(field(raw, 'namespaces', 'from')) ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNs === nsOf(l.gateway);
  if (from === 'Selector') return matches(selectorOf(field(raw, 'namespaces', 'selector')), namespaceLabels(inv, routeNs));
  return false;
}

function hasHttpsRedirect(rule: unknown): boolean {
  return list(field(rule, 'filters')).some((f) => field(f, 'type') === 'RequestRedirect' && field(f, 'requestRedirect', 'scheme') === 'https');
}

// ---------------------------------------------------------------------------
// The model

/** Extra facts about an entry point that the EntryPoint type does not carry. */
export interface EntryDetail {
  /** Field path of the host (or the rule) in the route, for file:line. */
  readonly path: string;
  /** Gateway API: the listener the route is attached to. */
  readonly listener?: ListenerInfo;
  /** Gateway API: the rule has a RequestRedirect to https (it serves no backend). */
  readonly redirectsToHttps?: boolean;
  /** The route sends this host to the authentication service itself (its sign-in endpoint). */
  readonly signIn?: boolean;
  /**
   * A direct way in (Service LoadBalancer/NodePort, host port) whose pods are themselves
   * an edge proxy (ingress-nginx, Traefik, Envoy…): the routes behind it are judged, not it.
   */
  readonly edgeProxy?: string;
  /** A direct way in: the port as the client dials it (`443/TCP`, `node port 30080/TCP`). */
  readonly port?: string;
}

interface EdgeModel {
  readonly entries: EntryPoint[];
  readonly details: Map<EntryPoint, EntryDetail>;
  /** Gateway API HTTP-listener rules that redirect to https, for the redirect check. */
  readonly redirects: { route: LoadedObject; listener: ListenerInfo; hosts: string[] }[];
}

function modelOf(inv: Inventory): EdgeModel {
  const idx = indexOf(inv);
  if (idx.model) return idx.model;
  const model = buildModel(inv);
  idx.model = model;
  return model;
}

/** Every way into the cluster from outside that the input shows. */
export function entryPoints(ctx: { readonly inventory: Inventory }): EntryPoint[] {
  return modelOf(ctx.inventory).entries;
}

export function entryDetail(ctx: { readonly inventory: Inventory }, ep: EntryPoint): EntryDetail | undefined {
  return modelOf(ctx.inventory).details.get(ep);
}

/** Gateway API routes on plain-HTTP listeners that redirect to https. */
export function httpsRedirects(ctx: { readonly inventory: Inventory }): EdgeModel['redirects'] {
  return modelOf(ctx.inventory).redirects;
}

/** Entry points grouped by the route object that defines them, in input order. */
export function entryPointsByRoute(ctx: { readonly inventory: Inventory }, filter: (ep: EntryPoint) => boolean = () => true): Map<LoadedObject, EntryPoint[]> {
  const out = new Map<LoadedObject, EntryPoint[]>();
  for (const ep of entryPoints(ctx)) {
    if (!filter(ep)) continue;
    const l = out.get(ep.route);
    if (l) l.push(ep);
    else out.set(ep.route, [ep]);
  }
  return out;
}

/** Services that authenticate for others: selected auth-proxy workloads, and what auth-url / forwardAuth / extAuth call. */
function authServiceKeys(inv: Inventory): Set<string> {
  const keys = new Set<string>();
  for (const w of workloads(inv)) {
    if (!containersOf(w).some((c) => isAuthServiceImage(c.image))) continue;
    for (const s of servicesOf(inv, w)) keys.add(`${nsOf(s)}/${nameOf(s)}`);
  }
  for (const ing of ofKind(inv, 'Ingress')) {
    const url = annotation(ing, `${NGINX}auth-url`);
    const ref = url ? clusterServiceOfUrl(url, nsOf(ing), inv) : undefined;
    if (ref) keys.add(`${ref.namespace}/${ref.name}`);
  }
  for (const mw of ofKind(inv, 'Middleware')) {
    const address = str(field(mw.object, 'spec', 'forwardAuth', 'address'));
    const ref = address ? clusterServiceOfUrl(address, nsOf(mw), inv) : undefined;
    if (ref) keys.add(`${ref.namespace}/${ref.name}`);
  }
  for (const sp of securityPolicies(inv)) for (const b of extAuthBackends(sp)) keys.add(`${b.namespace}/${b.name}`);
  return keys;
}

interface Builder {
  readonly inv: Inventory;
  /** ingress-nginx's global-auth-url, read once. */
  readonly nginxGlobalAuth: string | undefined;
  readonly authServices: Set<string>;
  readonly policyTargets: ReadonlyMap<LoadedObject, readonly PolicyTarget[]>;
  readonly entries: EntryPoint[];
  readonly details: Map<EntryPoint, EntryDetail>;
  readonly redirects: EdgeModel['redirects'];
}

function add(b: Builder, ep: EntryPoint, detail: EntryDetail): void {
  b.entries.push(ep);
  b.details.set(ep, detail);
}

function buildModel(inv: Inventory): EdgeModel {
  const targets = new Map(securityPolicies(inv).map((sp) => [sp, policyTargets(inv, sp)] as const));
  const b: Builder = { inv, nginxGlobalAuth: nginxGlobalAuth(inv), authServices: authServiceKeys(inv), policyTargets: targets, entries: [], details: new Map(), redirects: [] };
  for (const o of inv.objects) {
    if (o.object.metadata.labels?.[ACME_SOLVER_LABEL] !== undefined) continue;
    if (isIngress(o)) addIngress(b, o);
    else if (isTraefikCrd(o, 'IngressRoute')) addIngressRoute(b, o);
    else if (isGatewayApi(o, 'HTTPRoute') || isGatewayApi(o, 'GRPCRoute')) addRoute(b, o);
    else if (o.object.kind === 'Service' && o.object.apiVersion === 'v1') addExposedService(b, o);
    else if (POD_SPEC_PATH[o.object.kind] !== undefined) addHostPorts(b, o);
  }
  shareHostTls(b);
  return { entries: b.entries, details: b.details, redirects: b.redirects };
}

/**
 * An ingress controller serves a host with one certificate, whichever Ingress set it: an
 * Ingress (or IngressRoute) for `shop.example.com/api` without a tls section is served over
 * TLS when another one gives the host a certificate. A catch-all TLS entry (`*`) does not put a certificate
 * on other hosts' names.
 */
function shareHostTls(b: Builder): void {
  const secured = new Map<string, EntryPoint>();
  for (const e of b.entries) if (e.tls && KNOWN_EDGES.has(e.via) && !secured.has(e.host)) secured.set(e.host, e);
  if (secured.size === 0) return;
  b.entries.forEach((e, i) => {
    // A Gateway listener is its own port: plain HTTP there stays plain (tls-gateway-http-without-redirect says so).
    if (e.tls || !KNOWN_EDGES.has(e.via) || e.via === GATEWAY_API) return;
    const by = [...secured].find(([p]) => (p === '*' ? e.host === '*' : hostCovers(p, e.host, true)))?.[1];
    if (!by) return;
    const shared: EntryPoint = { ...e, tls: true, tlsBy: `${by.tlsBy ?? 'TLS'}, set for ${by.host} by ${describe(by.route)}` };
    b.entries[i] = shared;
    const d = b.details.get(e);
    b.details.delete(e);
    if (d) b.details.set(shared, d);
  });
}

type AuthResult = { authenticated: boolean; authBy?: string; signIn?: boolean };

function withAuth(b: Builder, namespace: string, service: string, auth: AuthResult): AuthResult {
  if (auth.authenticated) return auth;
  if (b.authServices.has(`${namespace}/${service}`)) return { authenticated: true, authBy: 'the authentication service itself (its sign-in endpoint)', signIn: true };
  return auth;
}

function entry(
  b: Builder,
  route: LoadedObject,
  via: string,
  host: string,
  path: string | undefined,
  service: { namespace: string; name: string; port?: number | string },
  auth: AuthResult,
  tls: { tls: boolean; tlsBy?: string },
  detail: EntryDetail,
): void {
  const a = withAuth(b, service.namespace, service.name, auth);
  const pub = publicMarking(route);
  const ep: EntryPoint = {
    route,
    via,
    host,
    ...(path !== undefined ? { path } : {}),
    service,
    endpoints: serviceEndpoints(b.inv, service.namespace, service.name).map((e) => e.id),
    authenticated: a.authenticated,
    ...(a.authBy !== undefined ? { authBy: a.authBy } : {}),
    ...(pub.marked && pub.reason !== undefined ? { publicReason: pub.reason } : {}),
    tls: tls.tls,
    ...(tls.tlsBy !== undefined ? { tlsBy: tls.tlsBy } : {}),
  };
  add(b, ep, a.signIn ? { ...detail, signIn: true } : detail);
}

// --- Ingress ---------------------------------------------------------------

/** The global auth of ingress-nginx (`global-auth-url` in its ConfigMap), if any. */
function nginxGlobalAuth(inv: Inventory): string | undefined {
  for (const cm of ingressNginxConfigMaps(inv)) {
    const url = str(field(cm.object, 'data', 'global-auth-url'));
    if (url) return `global-auth-url ${url} (${describe(cm)})`;
  }
  return undefined;
}

function ingressAuth(b: Builder, ing: LoadedObject, via: string): AuthResult {
  if (via === INGRESS_NGINX) {
    const url = annotation(ing, `${NGINX}auth-url`);
    if (str(url)) return { authenticated: true, authBy: `auth-url ${url!}` };
    const type = annotation(ing, `${NGINX}auth-type`);
    if ((type === 'basic' || type === 'digest') && str(annotation(ing, `${NGINX}auth-secret`))) return { authenticated: true, authBy: `${type} auth (auth-secret ${annotation(ing, `${NGINX}auth-secret`)!})` };
    const verify = annotation(ing, `${NGINX}auth-tls-verify-client`);
    if ((verify === 'on' || verify === 'true') && str(annotation(ing, `${NGINX}auth-tls-secret`))) return { authenticated: true, authBy: `client certificates (auth-tls-secret ${annotation(ing, `${NGINX}auth-tls-secret`)!})` };
    const global = annotation(ing, `${NGINX}enable-global-auth`) === 'false' ? undefined : b.nginxGlobalAuth;
    if (global) return { authenticated: true, authBy: global };
    return { authenticated: false };
  }
  if (via === TRAEFIK) {
    for (const mw of ingressMiddlewares(b.inv, ing)) {
      const a = middlewareAuth(b.inv, mw);
      if (a) return { authenticated: true, authBy: `${a.kind} ${describe(a.middleware)}${a.address ? ` (${a.address})` : ''}` };
    }
  }
  return { authenticated: false };
}

function ingressBackend(backend: unknown, ns: string): { namespace: string; name: string; port?: number | string } | undefined {
  const svc = field(backend, 'service');
  const name = str(field(svc, 'name')) ?? str(field(backend, 'serviceName'));
  if (!name) return undefined;
  const port = field(svc, 'port', 'number') ?? field(svc, 'port', 'name') ?? field(backend, 'servicePort');
  return typeof port === 'number' || typeof port === 'string' ? { namespace: ns, name, port } : { namespace: ns, name };
}

function addIngress(b: Builder, ing: LoadedObject): void {
  const via = ingressEdge(b.inv, ing);
  const ns = nsOf(ing);
  const auth = ingressAuth(b, ing, via);
  const issuer = certManagerIssuerOf(ing);
  const tlsEntries = list(field(ing.object, 'spec', 'tls')).filter(isRecord);
  const traefikTls = via === TRAEFIK && annotation(ing, `${TRAEFIK_ROUTER}tls`) === 'true';
  const resolver = via === TRAEFIK ? str(annotation(ing, `${TRAEFIK_ROUTER}tls.certresolver`)) : undefined;
  const tlsFor = (host: string): { tls: boolean; tlsBy?: string } => {
    // A tls entry without hosts covers every host of the Ingress (the controller's wildcard).
    const t = tlsEntries.find((e) => {
      const hosts = list(e['hosts']).filter((h): h is string => typeof h === 'string');
      return hosts.length === 0 || hosts.some((h) => hostCovers(h, host));
    });
    if (!t && !traefikTls) return { tls: false };
    const secret = t ? str(t['secretName']) : undefined;
    const by = issuer
      ? `cert-manager ${issuer.kind} ${issuer.name}${secret ? ` (Secret ${ns}/${secret})` : ''}`
      : resolver
        ? `Traefik certResolver ${resolver}`
        : secret
          ? secretEvidence(b.inv, ns, secret)
          : 'the controller default certificate';
    return { tls: true, tlsBy: by };
  };
  const defaultBackend = ingressBackend(field(ing.object, 'spec', 'defaultBackend') ?? field(ing.object, 'spec', 'backend'), ns);
  if (defaultBackend) {
    const path = field(ing.object, 'spec', 'defaultBackend') !== undefined ? 'spec.defaultBackend' : 'spec.backend';
    entry(b, ing, via, '*', undefined, defaultBackend, auth, tlsFor('*'), { path });
  }
  list(field(ing.object, 'spec', 'rules')).forEach((rule, ri) => {
    const host = str(field(rule, 'host')) ?? '*';
    const hostPath = str(field(rule, 'host')) ? `spec.rules[${ri}].host` : `spec.rules[${ri}]`;
    const paths = list(field(rule, 'http', 'paths'));
    if (paths.length === 0 && defaultBackend && host !== '*') {
      entry(b, ing, via, host, undefined, defaultBackend, auth, tlsFor(host), { path: hostPath });
    }
    for (const p of paths) {
      const svc = ingressBackend(field(p, 'backend'), ns);
      if (!svc) continue;
      entry(b, ing, via, host, str(field(p, 'path')), svc, auth, tlsFor(host), { path: hostPath });
    }
  });
}

// --- Direct ways in: Services of type LoadBalancer / NodePort, host ports ----

/** Images of proxies that are an edge themselves: a load balancer in front of them is how routes arrive. */
const EDGE_PROXY_IMAGES: readonly [RegExp, string][] = [
  [INGRESS_NGINX_IMAGE, INGRESS_NGINX],
  [/(^|\/)traefik(:|@|$)/, TRAEFIK],
  [/(^|\/)envoyproxy\/envoy(-[a-z]+)?(:|@|$)|(^|\/)envoy(:|@|$)/, 'envoy'],
  [/(^|\/)(nginx\/nginx-ingress|haproxytech\/kubernetes-ingress|kong|kong-gateway|contour|istio\/proxyv2)(:|@|$)/, 'edge proxy'],
];

/** The endpoints an object (a Pod, a controller) contributes to the inventory. */
function endpointsFrom(inv: Inventory, o: LoadedObject): readonly Endpoint[] {
  const idx = indexOf(inv);
  if (!idx.bySource) {
    const m = new Map<unknown, Endpoint[]>();
    for (const e of inv.endpoints) {
      const l = m.get(e.source);
      if (l) l.push(e);
      else m.set(e.source, [e]);
    }
    idx.bySource = m;
  }
  return idx.bySource.get(o.source) ?? [];
}

function edgeProxyOf(inv: Inventory, endpointIds: readonly string[]): string | undefined {
  if (endpointIds.length === 0) return undefined;
  const idx = indexOf(inv);
  if (!idx.workloadOfEndpoint) {
    // One pass over the workloads instead of one per entry point: the lookup is by endpoint id.
    const m = new Map<string, LoadedObject>();
    for (const w of workloads(inv)) for (const e of endpointsFrom(inv, w)) if (!m.has(e.id)) m.set(e.id, w);
    idx.workloadOfEndpoint = m;
  }
  const owners: LoadedObject[] = [];
  for (const id of endpointIds) {
    const w = idx.workloadOfEndpoint.get(id);
    if (w && !owners.includes(w)) owners.push(w);
  }
  // In input order, as the scan over the workloads found them.
  const order = workloads(inv);
  owners.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const found = new Set<string>();
  for (const w of owners) {
    const hit = containersOf(w).map((c) => EDGE_PROXY_IMAGES.find(([re]) => re.test(c.image.toLowerCase()))?.[1]).find((x) => x !== undefined);
    if (!hit) return undefined;
    found.add(hit);
  }
  return found.size > 0 ? [...found].join(', ') : undefined;
}

const TLS_PORT_NAME = /^(https|tls|grpcs|wss|ssl|ldaps|imaps|pop3s|smtps|mqtts|amqps|postgres-?tls|mysqlx?-?tls)(-|$)/i;
const TLS_PORT_NUMBERS: ReadonlySet<number> = new Set([443, 8443, 6443, 9443, 636, 993, 995, 465, 8883, 5671]);

/**
 * Does a port speak TLS? The input cannot show what the application listens with, so
 * this goes by `appProtocol`, the port name and the well-known TLS port numbers; any other
 * port is taken as plain TCP or HTTP, as it most often is.
 */
function directTls(port: unknown, targetPort: unknown): { tls: boolean; tlsBy?: string } {
  const appProtocol = str(field(port, 'appProtocol'));
  const name = str(field(port, 'name'));
  const num = field(port, 'port');
  if (appProtocol && /^(https|tls|kubernetes\.io\/wss)$/i.test(appProtocol)) return { tls: true, tlsBy: `the application itself (appProtocol ${appProtocol})` };
  if (name && TLS_PORT_NAME.test(name)) return { tls: true, tlsBy: `the application itself (port named ${name})` };
  if (typeof num === 'number' && TLS_PORT_NUMBERS.has(num)) return { tls: true, tlsBy: `the application itself (port ${num})` };
  if (typeof targetPort === 'string' && TLS_PORT_NAME.test(targetPort)) return { tls: true, tlsBy: `the application itself (target port ${targetPort})` };
  return { tls: false };
}

/** The address clients dial: the load balancer's status, its requested IP, or any. */
function loadBalancerHost(svc: LoadedObject): string {
  const ing = field(svc.object, 'status', 'loadBalancer', 'ingress', 0);
  return str(field(ing, 'hostname')) ?? str(field(ing, 'ip')) ?? str(field(svc.object, 'spec', 'loadBalancerIP')) ?? '*';
}

/**
 * A Service of type LoadBalancer (not marked internal) or NodePort takes connections
 * from outside the cluster straight to its pods: one entry point per port.
 */
function addExposedService(b: Builder, svc: LoadedObject): void {
  const type = str(field(svc.object, 'spec', 'type'));
  if (type !== 'LoadBalancer' && type !== 'NodePort') return;
  if (type === 'LoadBalancer' && hasInternalLbAnnotation(svc.object.metadata.annotations)) return;
  const ns = nsOf(svc);
  const endpoints = serviceEndpoints(b.inv, ns, nameOf(svc)).map((e) => e.id);
  const edgeProxy = edgeProxyOf(b.inv, endpoints);
  const via = type === 'LoadBalancer' ? SERVICE_LOADBALANCER : SERVICE_NODEPORT;
  const host = type === 'LoadBalancer' ? loadBalancerHost(svc) : '*';
  const pub = publicMarking(svc);
  list(field(svc.object, 'spec', 'ports')).forEach((p, pi) => {
    const num = field(p, 'port');
    const nodePort = field(p, 'nodePort');
    const proto = str(field(p, 'protocol')) ?? 'TCP';
    if (typeof num !== 'number') return;
    const dial = type === 'LoadBalancer' ? `${num}/${proto}` : `node port ${typeof nodePort === 'number' ? String(nodePort) : '(assigned)'}/${proto}`;
    const portTls = directTls(p, field(p, 'targetPort'));
    // An edge proxy terminates TLS per route (its routes are entry points of their own).
    const tls = edgeProxy !== undefined && portTls.tls ? { tls: true, tlsBy: `the edge proxy (${edgeProxy}), per route` } : portTls;
    const ep: EntryPoint = {
      route: svc,
      via,
      host,
      service: { namespace: ns, name: nameOf(svc), port: num },
      endpoints,
      authenticated: false,
      ...(pub.marked && pub.reason !== undefined ? { publicReason: pub.reason } : {}),
      ...tls,
    };
    add(b, ep, { path: `spec.ports[${pi}]`, port: dial, ...(edgeProxy !== undefined ? { edgeProxy } : {}) });
  });
}

/**
 * A container's `hostPort`, or a pod on the host network, listens on the node's own
 * address: whoever reaches the node reaches the container, with no Service and no edge.
 */
function addHostPorts(b: Builder, w: LoadedObject): void {
  const ps = podSpecOf(w);
  if (!ps) return;
  const endpoints = endpointsFrom(b.inv, w).map((e) => e.id);
  // A Pod owned by a controller in the input is counted with that controller.
  if (endpoints.length === 0) return;
  const hostNetwork = ps.spec['hostNetwork'] === true;
  const edgeProxy = edgeProxyOf(b.inv, endpoints);
  const pub = publicMarking(w);
  const ns = nsOf(w);
  const ports: { port?: number; proto: string; raw?: unknown; path: string }[] = [];
  for (const c of containersOf(w)) {
    list(c.container['ports']).forEach((p, pi) => {
      const hp = field(p, 'hostPort');
      const cp = field(p, 'containerPort');
      const proto = str(field(p, 'protocol')) ?? 'TCP';
      const path = `${c.path}.ports[${pi}]`;
      if (typeof hp === 'number') ports.push({ port: hp, proto, raw: { ...(isRecord(p) ? p : {}), port: hp }, path });
      else if (hostNetwork && typeof cp === 'number') ports.push({ port: cp, proto, raw: { ...(isRecord(p) ? p : {}), port: cp }, path });
    });
  }
  if (hostNetwork && ports.length === 0) ports.push({ proto: 'TCP', path: `${ps.path}.hostNetwork` });
  for (const p of ports) {
    const tls = p.raw !== undefined ? directTls(p.raw, undefined) : { tls: false };
    const ep: EntryPoint = {
      route: w,
      via: HOST_PORT,
      host: '*',
      service: { namespace: ns, name: `${w.object.kind.toLowerCase()}/${nameOf(w)}`, ...(p.port !== undefined ? { port: p.port } : {}) },
      endpoints,
      authenticated: false,
      ...(pub.marked && pub.reason !== undefined ? { publicReason: pub.reason } : {}),
      ...tls,
    };
    const dial = p.port !== undefined ? `${hostNetwork ? 'host network' : 'host port'} ${p.port}/${p.proto}` : 'host network, every port the process opens';
    add(b, ep, { path: p.path, port: dial, ...(edgeProxy !== undefined ? { edgeProxy } : {}) });
  }
}

// --- Traefik IngressRoute ---------------------------------------------------

function addIngressRoute(b: Builder, ir: LoadedObject): void {
  const ns = nsOf(ir);
  const tlsSpec = field(ir.object, 'spec', 'tls');
  const tls = isRecord(tlsSpec)
    ? {
        tls: true,
        tlsBy: str(tlsSpec['secretName'])
          ? secretEvidence(b.inv, ns, str(tlsSpec['secretName'])!)
          : str(tlsSpec['certResolver'])
            ? `Traefik certResolver ${str(tlsSpec['certResolver'])!}`
            : 'the Traefik default certificate',
      }
    : { tls: false };
  list(field(ir.object, 'spec', 'routes')).forEach((route, ri) => {
    const match = str(field(route, 'match')) ?? '';
    let auth: AuthResult = { authenticated: false };
    for (const ref of list(field(route, 'middlewares'))) {
      const name = str(field(ref, 'name'));
      if (!name) continue;
      const mw = findMiddleware(b.inv, str(field(ref, 'namespace')) ?? ns, name);
      const a = mw ? middlewareAuth(b.inv, mw) : undefined;
      if (a) {
        auth = { authenticated: true, authBy: `${a.kind} ${describe(a.middleware)}${a.address ? ` (${a.address})` : ''}` };
        break;
      }
    }
    const path = traefikMatchPath(match);
    for (const host of traefikMatchHosts(match)) {
      for (const s of list(field(route, 'services'))) {
        const kind = str(field(s, 'kind')) ?? 'Service';
        const name = str(field(s, 'name'));
        if (kind !== 'Service' || !name) continue;
        const port = field(s, 'port');
        const svc = { namespace: str(field(s, 'namespace')) ?? ns, name, ...(typeof port === 'number' || typeof port === 'string' ? { port } : {}) };
        entry(b, ir, TRAEFIK, host, path, svc, auth, tls, { path: `spec.routes[${ri}].match` });
      }
    }
  });
}

// --- Gateway API routes -----------------------------------------------------

/**
 * The SecurityPolicy that applies to one rule of a route on one listener.
 * Envoy Gateway does not merge SecurityPolicies unless the route's policy sets
 * `mergeType`: only the most specific applies (route rule, route, listener,
 * Gateway), so a route policy without authentication switches the Gateway's off.
 */
function routeAuth(targets: ReadonlyMap<LoadedObject, readonly PolicyTarget[]>, route: LoadedObject, ruleName: string | undefined, l: ListenerInfo): AuthResult {
  const routeKind = route.object.kind;
  /** Policies in `ns` targeting kind/name; `section` null: the whole object, a string: that section only. */
  const level = (ns: string, kind: string, name: string, section: string | undefined | null): LoadedObject[] =>
    [...targets.keys()].filter(
      (sp) =>
        nsOf(sp) === ns &&
        targets.get(sp)!.some((t) => t.kind === kind && t.name === name && (section === null ? t.sectionName === undefined : section !== undefined && t.sectionName === section)),
    );
  const levels: LoadedObject[][] = [
    level(nsOf(route), routeKind, nameOf(route), ruleName),
    level(nsOf(route), routeKind, nameOf(route), null),
    level(nsOf(l.gateway), 'Gateway', nameOf(l.gateway), l.name),
    level(nsOf(l.gateway), 'Gateway', nameOf(l.gateway), null),
  ];
  for (const lv of levels) {
    if (lv.length === 0) continue;
    const withAuthn = lv.find((sp) => securityPolicyAuth(sp) !== undefined);
    if (withAuthn) return { authenticated: true, authBy: `${describe(withAuthn)} (${securityPolicyAuth(withAuthn)!})` };
    // A route policy with mergeType merges into the parent's: keep looking.
    if (lv.some((sp) => str(field(sp.object, 'spec', 'mergeType')) !== undefined)) continue;
    return { authenticated: false };
  }
  return { authenticated: false };
}

function listenerTls(inv: Inventory, l: ListenerInfo): { tls: boolean; tlsBy?: string } {
  if (!l.tls) return { tls: false };
  const issuer = certManagerIssuerOf(l.gateway);
  const secrets = l.certificateRefs.map((r) => (issuer || r.kind !== 'Secret' ? `${r.kind} ${r.namespace}/${r.name}` : secretEvidence(inv, r.namespace, r.name))).join(', ');
  return { tls: true, tlsBy: issuer ? `cert-manager ${issuer.kind} ${issuer.name} (${secrets})` : secrets };
}

function addRoute(b: Builder, route: LoadedObject): void {
  const ns = nsOf(route);
  const hostnames = list(field(route.object, 'spec', 'hostnames')).filter((h): h is string => typeof h === 'string');
  const rules = list(field(route.object, 'spec', 'rules'));
  list(field(route.object, 'spec', 'parentRefs')).forEach((pref, pi) => {
    const kind = str(field(pref, 'kind')) ?? 'Gateway';
    const group = str(field(pref, 'group')) ?? GATEWAY_GROUP;
    if (kind !== 'Gateway' || group !== GATEWAY_GROUP) return;
    const gwName = str(field(pref, 'name'));
    if (!gwName) return;
    const gw = ofKind(b.inv, 'Gateway').find((g) => isGatewayApi(g, 'Gateway') && nsOf(g) === (str(field(pref, 'namespace')) ?? ns) && nameOf(g) === gwName);
    // Without its Gateway the input does not say whether, where or how the route is exposed.
    if (!gw || gatewayIsInternal(b.inv, gw)) return;
    const section = str(field(pref, 'sectionName'));
    const port = field(pref, 'port');
    for (const l of listenersOf(gw)) {
      if (section !== undefined && l.name !== section) continue;
      if (typeof port === 'number' && l.port !== port) continue;
      if (!listenerAllows(b.inv, l, route.object.kind, ns)) continue;
      const hosts = intersectHostnames(l.hostname, hostnames);
      if (hosts.length === 0) continue;
      const hostPath = hostnames.length > 0 ? 'spec.hostnames' : `spec.parentRefs[${pi}]`;
      const tls = listenerTls(b.inv, l);
      rules.forEach((rule) => {
        if (hasHttpsRedirect(rule)) {
          if (!l.tls) b.redirects.push({ route, listener: l, hosts });
          return;
        }
        const auth = routeAuth(b.policyTargets, route, str(field(rule, 'name')), l);
        const path = str(field(rule, 'matches', 0, 'path', 'value'));
        for (const ref of list(field(rule, 'backendRefs'))) {
          const rk = str(field(ref, 'kind')) ?? 'Service';
          const rg = str(field(ref, 'group')) ?? '';
          const name = str(field(ref, 'name'));
          if (rk !== 'Service' || rg !== '' || !name) continue;
          const p = field(ref, 'port');
          const svc = { namespace: str(field(ref, 'namespace')) ?? ns, name, ...(typeof p === 'number' ? { port: p } : {}) };
          for (const host of hosts) entry(b, route, GATEWAY_API, host, path, svc, auth, tls, { path: hostPath, listener: l });
        }
      });
    }
  });
}

// ---------------------------------------------------------------------------
// Hints for fixes, derived from the input

export interface AuthProxyHint {
  /** The oauth2-proxy Service, when the input has one. */
  readonly service?: { readonly namespace: string; readonly name: string; readonly port: number };
  /** ingress-nginx auth-url (the in-cluster oauth2-proxy `/oauth2/auth`). */
  readonly authUrl: string;
  /** ingress-nginx auth-signin (the sign-in start URL with the return address). */
  readonly signinUrl: string;
  /** Traefik forwardAuth address. */
  readonly forwardAuthAddress: string;
}

/** The oauth2-proxy in the input, and the URLs to use for it, so that fixes can be pasted as they are. */
export function authProxyHint(inv: Inventory): AuthProxyHint {
  const idx = indexOf(inv);
  idx.hint ??= computeAuthProxyHint(inv);
  return idx.hint;
}

function computeAuthProxyHint(inv: Inventory): AuthProxyHint {
  let service: AuthProxyHint['service'];
  let redirectHost: string | undefined;
  for (const w of oauth2ProxyWorkloads(inv)) {
    const svc = servicesOf(inv, w)[0];
    if (svc && !service) service = { namespace: nsOf(svc), name: nameOf(svc), port: servicePort(svc) ?? 4180 };
    for (const c of containersOf(w)) {
      const redirect = flagValue(c.container, 'redirect-url');
      const m = redirect ? /^https?:\/\/([^/]+)/.exec(redirect) : null;
      if (m && !redirectHost) redirectHost = m[1];
    }
  }
  const s = service ?? { namespace: 'auth', name: 'oauth2-proxy', port: 4180 };
  const base = `http://${s.name}.${s.namespace}.svc.cluster.local:${s.port}`;
  const existingSignin = ofKind(inv, 'Ingress')
    .map((i) => annotation(i, `${NGINX}auth-signin`))
    .find((v): v is string => v !== undefined && v !== '');
  const signinUrl = existingSignin ?? (redirectHost ? `https://${redirectHost}/oauth2/start?rd=https://$host$escaped_request_uri` : 'https://$host/oauth2/start?rd=$escaped_request_uri');
  return { ...(service ? { service } : {}), authUrl: `${base}/oauth2/auth`, signinUrl, forwardAuthAddress: `${base}/oauth2/auth` };
}

/** The ingress-nginx annotations that put oauth2-proxy in front of an Ingress. */
export function nginxAuthAnnotations(inv: Inventory): string {
  const h = authProxyHint(inv);
  return [
    'metadata:',
    '  annotations:',
    `    nginx.ingress.kubernetes.io/auth-url: ${q(h.authUrl)}`,
    `    nginx.ingress.kubernetes.io/auth-signin: ${q(h.signinUrl)}`,
    '    nginx.ingress.kubernetes.io/auth-response-headers: "authorization"',
  ].join('\n');
}

/** Distinct values, in first-seen order. */
export function unique<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

/** `a.example.com, b.example.com` (at most `max`, then `and N more`). */
export function joinList(xs: readonly string[], max = 5): string {
  if (xs.length <= max) return xs.join(', ');
  return `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}

/** `https://` URL text for a host and path, as people say it: `shop.example.com/api`. */
export function hostAndPath(ep: EntryPoint): string {
  const host = ep.host === '*' ? 'every host' : ep.host;
  return ep.path && ep.path !== '/' ? `${host}${ep.path}` : host;
}

/** A Secret name for a host's certificate: `admin.shop.example.com` → `admin-shop-example-com-tls`. */
export function secretNameFor(host: string, fallback: string): string {
  if (host === '*') return `${fallback}-tls`;
  return `${host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-tls`;
}

/**
 * How to ask cert-manager for a certificate: the annotation naming the issuer the
 * input already has (ACME production preferred), and, when it has none, the
 * ClusterIssuer to create.
 */
export function issuerAdvice(inv: Inventory): { annotationKey: string; name: string; create?: string } {
  const i = preferredIssuer(inv);
  if (i) return { annotationKey: i.object.kind === 'ClusterIssuer' ? 'cert-manager.io/cluster-issuer' : 'cert-manager.io/issuer', name: nameOf(i) };
  return {
    annotationKey: 'cert-manager.io/cluster-issuer',
    name: 'letsencrypt-prod',
    create: [
      'apiVersion: cert-manager.io/v1',
      'kind: ClusterIssuer',
      'metadata:',
      '  name: letsencrypt-prod',
      'spec:',
      '  acme:',
      '    server: https://acme-v02.api.letsencrypt.org/directory',
      '    email: platform-team@example.com   # who Let\'s Encrypt warns about expiry',
      '    privateKeySecretRef:',
      '      name: letsencrypt-prod-account-key',
      '    solvers:',
      '      - http01:',
      '          ingress:',
      '            ingressClassName: nginx',
    ].join('\n'),
  };
}

/** The Gateways in the input, in input order. */
export function gateways(inv: Inventory): LoadedObject[] {
  return ofKind(inv, 'Gateway').filter((g) => isGatewayApi(g, 'Gateway'));
}

/** Does a ReferenceGrant in `toNs` let SecurityPolicies in `fromNs` reference the Service `name`? */
export function referenceGrantAllows(inv: Inventory, fromNs: string, toNs: string, name: string): boolean {
  if (fromNs === toNs) return true;
  return ofKind(inv, 'ReferenceGrant').some(
    (g) =>
      nsOf(g) === toNs &&
      list(field(g.object, 'spec', 'from')).some((f) => field(f, 'group') === ENVOY_GATEWAY_GROUP && field(f, 'kind') === 'SecurityPolicy' && field(f, 'namespace') === fromNs) &&
      list(field(g.object, 'spec', 'to')).some((t) => (str(field(t, 'group')) ?? '') === '' && field(t, 'kind') === 'Service' && (field(t, 'name') === undefined || field(t, 'name') === name)),
  );
}

/** A Service port given by name or number, as a number (HTTPRoute backendRefs take numbers). */
export function servicePortNumber(inv: Inventory, namespace: string, name: string, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  const svc = findService(inv, namespace, name);
  if (!svc) return undefined;
  const ports = list(field(svc.object, 'spec', 'ports'));
  const p = port === undefined ? ports[0] : ports.find((x) => field(x, 'name') === port);
  const n = field(p, 'port');
  return typeof n === 'number' ? n : undefined;
}

/** The forwardAuth Middlewares in the input, in input order. */
export function forwardAuthMiddlewares(inv: Inventory): LoadedObject[] {
  return ofKind(inv, 'Middleware').filter((m) => isTraefikCrd(m, 'Middleware') && isRecord(field(m.object, 'spec', 'forwardAuth')));
}
