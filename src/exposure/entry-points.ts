/**
 * The entry-point builder: every way into the cluster from outside that the input
 * shows, built once per Inventory by running each technology's reader over the
 * objects in input order (Ingress, Traefik IngressRoute, Gateway API
 * HTTPRoute/GRPCRoute, Services of type LoadBalancer/NodePort, host ports), then
 * sharing a host's certificate among the Ingresses of one controller. cert-manager's
 * own HTTP-01 solver objects are left out.
 */
import { sameNamespaces, type Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { authServiceKeys } from './authentication.js';
import type { Builder } from './builder.js';
import { addExposedService, addHostPorts } from './direct-ways-in.js';
import { policyTargets, securityPolicies } from './envoy-gateway.js';
import { addRoute } from './gateway-api.js';
import { hostCovers } from './hosts.js';
import { addIngress } from './ingress.js';
import { nginxGlobalAuth } from './ingress-nginx.js';
import { describe } from './objects.js';
import { ACME_SOLVER_LABEL } from './tls.js';
import { addIngressRoute } from './traefik.js';
import type { EntryDetail, EntryPoint, HttpsRedirect, ListenerInfo } from './types.js';
import { GATEWAY_API, isGatewayApi, isIngress, isTraefikCrd, KNOWN_EDGES } from './vocabulary.js';
import { POD_SPEC_PATH } from './workloads.js';

interface EdgeModel {
  readonly entries: EntryPoint[];
  readonly details: Map<EntryPoint, EntryDetail>;
  /** Gateway API HTTP-listener rules that redirect to https, for the redirect check. */
  readonly redirects: HttpsRedirect[];
}

/** The model of each Inventory, built once (an Inventory never changes). */
const models = new WeakMap<Inventory, EdgeModel>();

function modelOf(inv: Inventory): EdgeModel {
  let model = models.get(inv);
  if (model) return model;
  model = buildModel(inv);
  models.set(inv, model);
  return model;
}

/**
 * Gives `to` the edge model of `from` when it would build the same one: the model reads
 * every object but the NetworkPolicies (routes, Services, workloads, ConfigMaps, Gateways,
 * cert-manager's objects…), the endpoints (derived from the workloads alone) and the
 * namespaces, so when the other objects are the same parsed objects in the same order and
 * the namespaces are the same, only where the objects sit (file, line) can differ. The
 * entry points are then `from`'s with each object replaced by `to`'s. `diff` calls it for
 * a second version whose change touched only NetworkPolicies; true when it applied. Pure.
 */
export function carryEdgeModel(from: Inventory, to: Inventory): boolean {
  const model = models.get(from);
  if (!model || models.has(to)) return false;
  // The objects the model points at, found in `to` by walking both versions side by side.
  const wanted = new Set<LoadedObject>();
  for (const e of model.entries) wanted.add(e.route);
  for (const d of model.details.values()) if (d.listener) wanted.add(d.listener.gateway);
  for (const r of model.redirects) wanted.add(r.route).add(r.listener.gateway);
  const same = alignedObjects(from, to, wanted);
  if (!same || !sameNamespaces(from, to)) return false;
  const mine = (o: LoadedObject): LoadedObject => same.get(o)!;
  const listener = (l: ListenerInfo): ListenerInfo => ({ ...l, gateway: mine(l.gateway) });
  const entries: EntryPoint[] = [];
  const details = new Map<EntryPoint, EntryDetail>();
  for (const e of model.entries) {
    const moved: EntryPoint = { ...e, route: mine(e.route) };
    entries.push(moved);
    const d = model.details.get(e);
    if (d) details.set(moved, d.listener ? { ...d, listener: listener(d.listener) } : d);
  }
  const redirects = model.redirects.map((r) => ({ ...r, route: mine(r.route), listener: listener(r.listener) }));
  models.set(to, { entries, details, redirects });
  return true;
}

const isNetworkPolicy = (o: LoadedObject): boolean => o.object.kind === 'NetworkPolicy';

/**
 * When the objects other than NetworkPolicies of `a` and `b` are the same parsed objects in
 * the same order, `b`'s object for each wanted one of `a`; otherwise undefined.
 */
function alignedObjects(a: Inventory, b: Inventory, wanted: ReadonlySet<LoadedObject>): Map<LoadedObject, LoadedObject> | undefined {
  const out = new Map<LoadedObject, LoadedObject>();
  const oa = a.objects;
  const ob = b.objects;
  let j = 0;
  for (const x of oa) {
    if (isNetworkPolicy(x)) continue;
    while (j < ob.length && isNetworkPolicy(ob[j]!)) j++;
    const y = ob[j++];
    if (y === undefined || y.object !== x.object) return undefined;
    if (wanted.has(x)) out.set(x, y);
  }
  while (j < ob.length && isNetworkPolicy(ob[j]!)) j++;
  return j === ob.length ? out : undefined;
}


/** Every way into the cluster from outside that the input shows. */
export function entryPoints(ctx: { readonly inventory: Inventory }): EntryPoint[] {
  return modelOf(ctx.inventory).entries;
}

export function entryDetail(ctx: { readonly inventory: Inventory }, ep: EntryPoint): EntryDetail | undefined {
  return modelOf(ctx.inventory).details.get(ep);
}

/** Gateway API routes on plain-HTTP listeners that redirect to https. */
export function httpsRedirects(ctx: { readonly inventory: Inventory }): HttpsRedirect[] {
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
