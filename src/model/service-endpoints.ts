/**
 * What the input says about Kubernetes Services and their endpoints, read once for the
 * policy kinds that name a Service (Cilium `toServices`, Calico `services`): each
 * Service's spec, and the Endpoints subsets and EndpointSlices that belong to it.
 * Pure; every consumer decides which of these its CNI reads.
 *
 * Belonging is Kubernetes': an Endpoints object has the Service's name, an
 * EndpointSlice carries the label kubernetes.io/service-name (both in the Service's
 * namespace).
 */
import { isRecord } from './json.js';
import type { LoadedObject } from './kube.js';
import type { Protocol } from './networkpolicy.js';

/** A port of `spec.ports`: protocol TCP when left out, targetPort the port when left out. */
export interface ServicePortSpec {
  readonly port: number;
  readonly protocol: Protocol;
  /** A number, or the name of a container port. */
  readonly targetPort: number | string;
}

export interface ServiceSpec {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `spec.selector`; undefined when missing or empty (the API server stores an empty map as none). */
  readonly selector?: Readonly<Record<string, string>>;
  /** `spec.type`, ClusterIP when left out. */
  readonly type: string;
  readonly ports: readonly ServicePortSpec[];
  /** `spec.ipFamilies` as written (empty: not written, the API server picks). */
  readonly ipFamilies: readonly (4 | 6)[];
}

/** One address of an Endpoints subset or an EndpointSlice endpoint (an IP, or a name in an FQDN slice). */
export interface EndpointAddress {
  readonly address: string;
  /** Endpoints: false in `notReadyAddresses`; EndpointSlice: false only when `conditions.ready` is false (unknown counts as ready). */
  readonly ready: boolean;
  /** `targetRef` when it names a Pod (its namespace defaults to the object's). */
  readonly pod?: { readonly namespace: string; readonly name: string };
}

/** An endpoint port: `port` missing in an EndpointSlice means no port number was given. */
export interface EndpointPortSpec {
  readonly port?: number;
  /** TCP when left out. */
  readonly protocol: Protocol;
}

/** One EndpointSlice, or one subset of an Endpoints object: addresses that share their ports. */
export interface EndpointGroup {
  readonly kind: 'EndpointSlice' | 'Endpoints';
  /** The object's name. */
  readonly name: string;
  readonly addresses: readonly EndpointAddress[];
  readonly ports: readonly EndpointPortSpec[];
  /**
   * Endpoints only: whether Kubernetes' EndpointSlice mirroring controller would mirror the
   * object (not when labelled endpointslice.kubernetes.io/skip-mirror=true or annotated
   * control-plane.alpha.kubernetes.io/leader; whether its Service exists without a selector
   * is the caller's to check).
   */
  readonly mirrored?: boolean;
}

export interface ServiceEndpointIndex {
  /** Every core v1 Service of the input, in input order. */
  readonly services: readonly ServiceSpec[];
  service(namespace: string, name: string): ServiceSpec | undefined;
  /** The Endpoints subsets and EndpointSlices of the Service `namespace/name`, in input order (the Service itself need not be in the input). */
  groups(namespace: string, name: string): readonly EndpointGroup[];
  /** The IPs a Pod of the input has (status.podIPs / podIP); undefined when the Pod is not in the input. */
  podIps(namespace: string, name: string): readonly string[] | undefined;
}

const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const key = (ns: string, name: string): string => `${ns}/${name}`;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function protocolOf(v: unknown): Protocol {
  return v === 'UDP' || v === 'SCTP' ? v : 'TCP';
}

function podRef(ref: unknown, ns: string): EndpointAddress['pod'] {
  if (!isRecord(ref) || ref['kind'] !== 'Pod' || typeof ref['name'] !== 'string') return undefined;
  return { namespace: typeof ref['namespace'] === 'string' && ref['namespace'] !== '' ? ref['namespace'] : ns, name: ref['name'] };
}

function serviceSpec(o: LoadedObject['object']): ServiceSpec {
  const spec = isRecord(o['spec']) ? o['spec'] : {};
  const sel = isRecord(spec['selector']) ? spec['selector'] : {};
  const selector: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel)) if (typeof v === 'string') selector[k] = v;
  const ports: ServicePortSpec[] = [];
  for (const p of list(spec['ports'])) {
    if (!isRecord(p) || typeof p['port'] !== 'number') continue;
    const t = p['targetPort'];
    const targetPort = typeof t === 'number' && t > 0 ? t : typeof t === 'string' && t !== '' ? t : p['port'];
    ports.push({ port: p['port'], protocol: protocolOf(p['protocol']), targetPort });
  }
  const ipFamilies = list(spec['ipFamilies']).flatMap((f) => (f === 'IPv4' ? [4 as const] : f === 'IPv6' ? [6 as const] : []));
  return {
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    labels: o.metadata.labels ?? {},
    ...(Object.keys(selector).length > 0 ? { selector } : {}),
    type: typeof spec['type'] === 'string' && spec['type'] !== '' ? spec['type'] : 'ClusterIP',
    ports,
    ipFamilies,
  };
}

/** The subsets of an Endpoints object, each a group. */
function endpointsGroups(o: LoadedObject['object'], ns: string): EndpointGroup[] {
  const mirrored = o.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true' && o.metadata.annotations?.[LEADER_ANNOTATION] === undefined;
  const out: EndpointGroup[] = [];
  for (const subset of list(o['subsets'])) {
    if (!isRecord(subset)) continue;
    const addresses: EndpointAddress[] = [];
    for (const [field, ready] of [['addresses', true], ['notReadyAddresses', false]] as const) {
      for (const a of list(subset[field])) {
        if (!isRecord(a) || typeof a['ip'] !== 'string') continue;
        const pod = podRef(a['targetRef'], ns);
        addresses.push({ address: a['ip'], ready, ...(pod ? { pod } : {}) });
      }
    }
    const ports = list(subset['ports']).flatMap((p) => (isRecord(p) && typeof p['port'] === 'number' ? [{ port: p['port'], protocol: protocolOf(p['protocol']) }] : []));
    out.push({ kind: 'Endpoints', name: o.metadata.name, addresses, ports, mirrored });
  }
  return out;
}

function sliceGroup(o: LoadedObject['object'], ns: string): EndpointGroup {
  const addresses: EndpointAddress[] = [];
  for (const ep of list(o['endpoints'])) {
    if (!isRecord(ep)) continue;
    const ready = !(isRecord(ep['conditions']) && ep['conditions']['ready'] === false);
    const pod = podRef(ep['targetRef'], ns);
    for (const a of list(ep['addresses'])) if (typeof a === 'string') addresses.push({ address: a, ready, ...(pod ? { pod } : {}) });
  }
  const ports = list(o['ports']).flatMap((p) => (isRecord(p) ? [{ ...(typeof p['port'] === 'number' ? { port: p['port'] } : {}), protocol: protocolOf(p['protocol']) }] : []));
  return { kind: 'EndpointSlice', name: o.metadata.name, addresses, ports };
}

function podIpsOf(o: LoadedObject['object']): string[] {
  const status = isRecord(o['status']) ? o['status'] : {};
  const ips: string[] = [];
  if (typeof status['podIP'] === 'string' && status['podIP'] !== '') ips.push(status['podIP']);
  for (const e of list(status['podIPs'])) if (isRecord(e) && typeof e['ip'] === 'string' && !ips.includes(e['ip'])) ips.push(e['ip']);
  return ips;
}

/** Reads the Services, Endpoints, EndpointSlices and Pod IPs of the input (call it only when some rule names a Service). */
export function indexServiceEndpoints(objects: readonly LoadedObject[]): ServiceEndpointIndex {
  const services: ServiceSpec[] = [];
  const byName = new Map<string, ServiceSpec>();
  const groups = new Map<string, EndpointGroup[]>();
  const pods = new Map<string, string[]>();
  const add = (k: string, gs: readonly EndpointGroup[]): void => {
    const l = groups.get(k);
    if (l) l.push(...gs);
    else groups.set(k, [...gs]);
  };
  for (const { object: o } of objects) {
    const ns = o.metadata.namespace ?? '';
    if (o.kind === 'Service' && o.apiVersion === 'v1') {
      const s = serviceSpec(o);
      services.push(s);
      byName.set(key(ns, s.name), s);
    } else if (o.kind === 'Endpoints' && o.apiVersion === 'v1') {
      add(key(ns, o.metadata.name), endpointsGroups(o, ns));
    } else if (o.kind === 'EndpointSlice' && o.apiVersion === 'discovery.k8s.io/v1') {
      const svc = o.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc !== undefined) add(key(ns, svc), [sliceGroup(o, ns)]);
    } else if (o.kind === 'Pod' && o.apiVersion === 'v1') {
      pods.set(key(ns, o.metadata.name), podIpsOf(o));
    }
  }
  return {
    services,
    service: (ns, name) => byName.get(key(ns, name)),
    groups: (ns, name) => groups.get(key(ns, name)) ?? [],
    podIps: (ns, name) => pods.get(key(ns, name)),
  };
}
