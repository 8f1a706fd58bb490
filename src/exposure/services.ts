/**
 * Core v1 Services: finding them, the endpoints their `spec.selector` picks,
 * their ports, the in-cluster DNS names that point at them
 * (`name.ns.svc.cluster.local`), and the cloud annotations that make a
 * `type: LoadBalancer` internal (GKE, AWS, Azure, OCI).
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { LabelSelector } from '../model/networkpolicy.js';
import type { Endpoint } from '../model/workloads.js';
import { isRecord } from '../model/json.js';
import { matches } from '../netpol/selector.js';
import { endpointsIn, indexOf, objectAt, ofKind, serviceNamed } from './lookup.js';
import { field, list, nameOf, nsOf } from './objects.js';

/** The core v1 Service `namespace/name`, when it is in the input. */
export function findService(inv: Inventory, namespace: string, name: string): LoadedObject | undefined {
  return serviceNamed(inv, namespace, name);
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
  const svc = serviceNamed(inv, namespace, name);
  const sel = svc ? serviceSelector(svc) : undefined;
  const out = sel ? endpointsIn(inv, namespace).filter((e) => matches(sel, e.labels)) : [];
  idx.selected.set(key, out);
  return out;
}

/** The workload object behind an endpoint. */
export function endpointObject(inv: Inventory, e: Endpoint): LoadedObject | undefined {
  return objectAt(inv, e.source);
}

/** Services (`ns/name`) that select one of the given workloads. */
export function servicesOf(inv: Inventory, workload: LoadedObject): LoadedObject[] {
  const ns = nsOf(workload);
  const ids = new Set(endpointsIn(inv, ns).filter((e) => e.source === workload.source).map((e) => e.id));
  if (ids.size === 0) return [];
  return ofKind(inv, 'Service').filter((s) => nsOf(s) === ns && serviceEndpoints(inv, ns, nameOf(s)).some((e) => ids.has(e.id)));
}

/** The first port of a Service, as a number (the port clients use). */
export function servicePort(svc: LoadedObject): number | undefined {
  const p = field(svc.object, 'spec', 'ports', 0, 'port');
  return typeof p === 'number' ? p : undefined;
}

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

/** Annotations that ask the cloud for an internal load balancer (reachable from the private network only). */
const INTERNAL_LB_ANNOTATIONS: readonly [string, RegExp][] = [
  ['networking.gke.io/load-balancer-type', /^internal$/i],
  ['service.beta.kubernetes.io/aws-load-balancer-internal', /^(true|0\.0\.0\.0\/0)$/i],
  ['service.beta.kubernetes.io/aws-load-balancer-scheme', /^internal$/i],
  ['service.beta.kubernetes.io/azure-load-balancer-internal', /^true$/i],
  ['service.beta.kubernetes.io/oci-load-balancer-internal', /^true$/i],
  ['cloud.google.com/load-balancer-type', /^internal$/i],
];

export function hasInternalLbAnnotation(a: unknown): boolean {
  if (!isRecord(a)) return false;
  return INTERNAL_LB_ANNOTATIONS.some(([k, re]) => typeof a[k] === 'string' && re.test(a[k]));
}
