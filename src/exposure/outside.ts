/**
 * Who reaches what from outside the cluster: every entry point, down to the pods
 * behind it, and — for the ways in with no edge (Service LoadBalancer/NodePort,
 * host ports) — whether the NetworkPolicies let an internet address through to the
 * port. Pure: `reach` and `serve` print it.
 */
import type { Inventory } from '../model/inventory.js';
import type { Protocol } from '../model/networkpolicy.js';
import type { Analysis } from '../netpol/analysis.js';
import { DIRECT_WAYS_IN, HOST_PORT, SERVICE_LOADBALANCER, describe, entryPoints, field, list, str, type EntryPoint } from './index.js';

/** An address that stands for "anyone on the internet" (TEST-NET-3, outside every pod network). */
export const INTERNET_PROBE = '203.0.113.10';

export interface OutsideReach {
  readonly entry: EntryPoint;
  /** The endpoint behind the entry point. */
  readonly endpoint: string;
  /** The pod port the connection arrives on, when the input says it. */
  readonly port?: { readonly port: number; readonly protocol: Protocol };
  /** Direct ways in only: do the policies let an internet address connect to that port? */
  readonly allowed?: boolean;
  /** `Service shop/redis (LoadBalancer 6379/TCP)`, `Ingress shop/web (ingress-nginx, shop.example.com/)`. */
  readonly through: string;
}

function asProtocol(p: string | undefined): Protocol {
  return p === 'UDP' || p === 'SCTP' ? p : 'TCP';
}

/** The pod port a Service port sends to (targetPort by number or by name at the endpoint). */
function targetPort(a: Analysis, ep: EntryPoint, endpoint: string): { port: number; protocol: Protocol } | undefined {
  if (ep.via === HOST_PORT) {
    return typeof ep.service.port === 'number' ? { port: ep.service.port, protocol: 'TCP' } : undefined;
  }
  const sp = list(field(ep.route.object, 'spec', 'ports')).find((p) => field(p, 'port') === ep.service.port);
  if (sp === undefined) return undefined;
  const protocol = asProtocol(str(field(sp, 'protocol')));
  const t = field(sp, 'targetPort') ?? field(sp, 'port');
  if (typeof t === 'number') return { port: t, protocol };
  if (typeof t === 'string') {
    const named = a.endpoint(endpoint)?.ports.find((p) => p.name === t);
    return named ? { port: named.port, protocol: named.protocol } : undefined;
  }
  return undefined;
}

export function outsideReach(inv: Inventory, a: Analysis): OutsideReach[] {
  const out: OutsideReach[] = [];
  for (const ep of entryPoints({ inventory: inv })) {
    const direct = DIRECT_WAYS_IN.has(ep.via);
    const through = direct
      ? `${describe(ep.route)} (${ep.via === SERVICE_LOADBALANCER ? 'LoadBalancer' : ep.via === HOST_PORT ? 'host port' : 'NodePort'}${typeof ep.service.port === 'number' ? ` ${String(ep.service.port)}` : ''})`
      : `${describe(ep.route)} (${ep.via}, ${ep.host === '*' ? 'every host' : ep.host}${ep.path ?? ''})`;
    for (const id of ep.endpoints) {
      if (!direct) {
        out.push({ entry: ep, endpoint: id, through });
        continue;
      }
      const port = targetPort(a, ep, id);
      let allowed: boolean | undefined;
      if (port && a.endpoint(id)) allowed = a.isAllowed({ ip: INTERNET_PROBE }, id, port.port, port.protocol);
      out.push({ entry: ep, endpoint: id, through, ...(port ? { port } : {}), ...(allowed !== undefined ? { allowed } : {}) });
    }
  }
  return out;
}
