import type { LoadedObject } from '../model/kube.js';
import { defineCheck, type EntryPoint, type FindingDraft } from './types.js';
import { httpsRedirectRoute } from '../generate/edge-gateway.js';
import type { Obj } from '../generate/platform.js';
import { patched } from './fix-objects.js';
import {
  describe,
  entryDetail,
  entryPoints,
  field,
  GATEWAY_API,
  hostCovers,
  httpsRedirects,
  isPublicHost,
  joinList,
  list,
  listenersOf,
  nameOf,
  nsOf,
  str,
  unique,
  type ListenerInfo,
} from '../exposure/index.js';

const gatewayYaml = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
  namespace: edge
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt-prod
spec:
  gatewayClassName: envoy-gateway
  listeners:
    - name: http
      protocol: HTTP
      port: 80
      allowedRoutes:
        namespaces:
          from: All
    - name: https
      protocol: HTTPS
      port: 443
      hostname: shop.example.com
      tls:
        certificateRefs:
          - name: shop-example-com-tls
      allowedRoutes:
        namespaces:
          from: All
`;

const route = (parent: string): string => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: storefront
  annotations:
    meshless.dev/public: "true"
    meshless.dev/public-reason: "The public shop front."
spec:
  parentRefs:
    - name: public
      namespace: edge${parent}
  hostnames: [shop.example.com]
  rules:
    - backendRefs:
        - name: storefront
          port: 8080
`;

const bad = `${gatewayYaml}---\n${route('')}`;

const good = `${gatewayYaml}---\n${route('\n      sectionName: https')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: http-to-https
  namespace: edge
spec:
  parentRefs:
    - name: public
      sectionName: http
  rules:
    - filters:
        - type: RequestRedirect
          requestRedirect:
            scheme: https
            statusCode: 301
`;

function fixFor(route: LoadedObject, listener: ListenerInfo, hosts: readonly string[], tlsListener: ListenerInfo | undefined): string {
  const gw = listener.gateway;
  const parent = (section: string): string => `    - name: ${nameOf(gw)}${nsOf(gw) !== nsOf(route) ? `\n      namespace: ${nsOf(gw)}` : ''}\n      sectionName: ${section}`;
  const redirect = [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: HTTPRoute',
    'metadata:',
    `  name: ${nameOf(route)}-https-redirect`,
    `  namespace: ${nsOf(route)}`,
    'spec:',
    '  parentRefs:',
    parent(listener.name),
    ...(hosts.includes('*') ? [] : ['  hostnames:', ...hosts.map((h) => `    - ${h}`)]),
    '  rules:',
    '    - filters:',
    '        - type: RequestRedirect',
    '          requestRedirect:',
    '            scheme: https',
    '            statusCode: 301',
  ].join('\n');
  return `Attach ${describe(route)} to the HTTPS listener only:\nspec:\n  parentRefs:\n${parent(tlsListener?.name ?? '<the HTTPS listener>')}\nand redirect plain HTTP for ${hosts.includes('*') ? 'every host' : 'its hosts'}:\n${redirect}`;
}

/**
 * The objects of the fix: the route attached to the HTTPS listener only (its parentRefs
 * to this Gateway narrowed to that listener), and the redirect route for its hosts.
 */
function fixObjects(route: LoadedObject, listener: ListenerInfo, hosts: readonly string[], tlsListener: ListenerInfo | undefined): Obj[] {
  const gw = listener.gateway;
  const ref = (section: string): Obj => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: nameOf(gw), ...(nsOf(gw) !== nsOf(route) ? { namespace: nsOf(gw) } : {}), sectionName: section });
  const redirect = httpsRedirectRoute({
    namespace: nsOf(route),
    name: `${nameOf(route)}-https-redirect`,
    parentRefs: [ref(listener.name)],
    ...(hosts.includes('*') ? {} : { hostnames: hosts }),
  });
  if (!tlsListener) return [redirect];
  const toThisGateway = (p: unknown): boolean =>
    (str(field(p, 'kind')) ?? 'Gateway') === 'Gateway' && str(field(p, 'name')) === nameOf(gw) && (str(field(p, 'namespace')) ?? nsOf(route)) === nsOf(gw);
  const others = list(field(route.object, 'spec', 'parentRefs')).filter((p) => !toThisGateway(p));
  return [patched(route, { spec: { parentRefs: [...others, ref(tlsListener.name)] } }), redirect];
}

export default defineCheck({
  id: 'tls-gateway-http-without-redirect',
  control: 'ingress-encryption',
  title: 'Gateway serves a TLS host over plain HTTP instead of redirecting',
  severity: 'medium',
  policyReads: 'none',
  rationale:
    'A route attached to a Gateway\'s plain-HTTP listener (no sectionName picks all listeners) answers on port 80 as well as on 443. For a host ' +
    'that has a certificate, the HTTP side should only redirect to https (an HTTPRoute with a RequestRedirect filter); otherwise links, ' +
    'bookmarks and TLS-stripping attackers get the application unencrypted. A more specific path on port 80 wins over a catch-all redirect route.',
  fixSummary: 'Attach the route to the HTTPS listener only (parentRefs[].sectionName) and redirect HTTP to https.',
  requirements: ['PCI-DSS 4.2.1', 'GDPR Art. 32'],
  examples: { bad, good },
  evidence: ['Gateway'],
  run(ctx) {
    const all = entryPoints(ctx);
    const tlsHosts = unique(all.filter((e) => e.tls).map((e) => e.host));
    const hasTls = (host: string): boolean => tlsHosts.some((p) => (p === '*' ? host === '*' : hostCovers(p, host, true)));
    const groups = new Map<string, { route: LoadedObject; listener: ListenerInfo; eps: EntryPoint[] }>();
    for (const e of all) {
      if (e.via !== GATEWAY_API || e.tls) continue;
      const l = entryDetail(ctx, e)?.listener;
      if (!l || !isPublicHost(e.host)) continue;
      // A host without any TLS is tls-host-without-tls; here: a host that has a certificate but is also served in clear.
      const sameGatewayTls = listenersOf(l.gateway).some((x) => x.tls && (x.hostname === undefined || e.host === '*' || hostCovers(x.hostname, e.host, true)));
      if (!hasTls(e.host) && !(e.host === '*' && sameGatewayTls)) continue;
      const key = `${nsOf(e.route)}/${nameOf(e.route)}|${nsOf(l.gateway)}/${nameOf(l.gateway)}|${l.name}`;
      const g = groups.get(key) ?? { route: e.route, listener: l, eps: [] };
      g.eps.push(e);
      groups.set(key, g);
    }
    const out: FindingDraft[] = [];
    for (const { route, listener, eps } of groups.values()) {
      const hosts = unique(eps.map((e) => e.host));
      const gw = listener.gateway;
      const tlsListener = listenersOf(gw).find((x) => x.tls && hosts.every((h) => x.hostname === undefined || hostCovers(x.hostname, h, true)));
      const redirect = httpsRedirects(ctx).find((r) => r.listener.gateway === gw && r.listener.name === listener.name && r.hosts.some((h) => hosts.some((x) => h === '*' || hostCovers(h, x, true))));
      out.push({
        object: route,
        path: entryDetail(ctx, eps[0]!)?.path ?? 'spec.parentRefs',
        message:
          `${describe(route)} serves ${joinList(hosts.map((h) => (h === '*' ? 'every host' : h)))} over plain HTTP on Gateway ${nsOf(gw)}/${nameOf(gw)} listener ${listener.name}` +
          `${listener.port !== undefined ? ` (port ${listener.port})` : ''} instead of redirecting to https` +
          (redirect ? `; it is more specific than the redirect in ${describe(redirect.route)}, so it wins` : ''),
        fix: fixFor(route, listener, hosts, tlsListener),
        fixObjects: fixObjects(route, listener, hosts, tlsListener),
      });
    }
    return out;
  },
});
