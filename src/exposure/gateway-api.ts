/**
 * Gateway API (`gateway.networking.k8s.io`): Gateways and their listeners
 * (`protocol`, `port`, `hostname`, `tls.mode` Terminate and `certificateRefs`,
 * `allowedRoutes.namespaces.from` Same/All/Selector and `kinds`), whether a
 * Gateway is internal (cloud internal load balancer annotations, GKE internal
 * GatewayClasses, an Envoy Gateway EnvoyProxy with a ClusterIP Service), and the
 * entry points of HTTPRoutes and GRPCRoutes attached to them (`parentRefs` with
 * `sectionName` and `port`, `hostnames` intersected with the listener's,
 * `RequestRedirect` to https). Authentication comes from envoy-gateway.ts.
 * https://gateway-api.sigs.k8s.io/reference/spec/
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { Labels } from '../model/labels.js';
import { isRecord } from '../model/json.js';
import { matches } from '../netpol/selector.js';
import { entry, type Builder } from './builder.js';
import { routeAuth } from './envoy-gateway.js';
import { hostCovers } from './hosts.js';
import { findObject, ofKind } from './lookup.js';
import { field, list, nameOf, nsOf, selectorOf, str } from './objects.js';
import { hasInternalLbAnnotation } from './services.js';
import { certManagerIssuerOf, secretEvidence } from './tls.js';
import type { ListenerInfo } from './types.js';
import { GATEWAY_API, GATEWAY_GROUP, isGatewayApi } from './vocabulary.js';

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

function listenerTls(inv: Inventory, l: ListenerInfo): { tls: boolean; tlsBy?: string } {
  if (!l.tls) return { tls: false };
  const issuer = certManagerIssuerOf(l.gateway);
  const secrets = l.certificateRefs.map((r) => (issuer || r.kind !== 'Secret' ? `${r.kind} ${r.namespace}/${r.name}` : secretEvidence(inv, r.namespace, r.name))).join(', ');
  return { tls: true, tlsBy: issuer ? `cert-manager ${issuer.kind} ${issuer.name} (${secrets})` : secrets };
}

export function addRoute(b: Builder, route: LoadedObject): void {
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

/** The Gateways in the input, in input order. */
export function gateways(inv: Inventory): LoadedObject[] {
  return ofKind(inv, 'Gateway').filter((g) => isGatewayApi(g, 'Gateway'));
}
