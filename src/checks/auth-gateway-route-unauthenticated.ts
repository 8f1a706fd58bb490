import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { defineCheck, type CheckContext, type EntryPoint, type FindingDraft } from './types.js';
import { referenceGrantObject, securityPolicyObject } from '../generate/edge-gateway.js';
import { objectsYaml } from '../generate/fixes.js';
import type { Obj } from '../generate/platform.js';
import { patched } from './fix-objects.js';
import {
  authProxyHint,
  describe,
  entryDetail,
  entryPoints,
  entryPointsByRoute,
  field,
  GATEWAY_API,
  hostAndPath,
  isPublicHost,
  joinList,
  list,
  nameOf,
  nsOf,
  publicMarking,
  referenceGrantAllows,
  securityPolicies,
  securityPolicyAuth,
  str,
  unique,
} from '../exposure/index.js';

const gateway = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
  namespace: edge
spec:
  gatewayClassName: envoy-gateway
  listeners:
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
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: storefront
spec:
  parentRefs:
    - name: public
      namespace: edge
      sectionName: https
  hostnames: [shop.example.com]
  rules:
    - backendRefs:
        - name: storefront
          port: 8080
`;

const bad = gateway;

const good = `${gateway}---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata:
  name: shop-oauth2-proxy
  namespace: storefront
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: shop
  extAuth:
    http:
      backendRefs:
        - name: oauth2-proxy
          namespace: auth
          port: 4180
      headersToBackend:
        - authorization
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: allow-storefront-security-policies
  namespace: auth
spec:
  from:
    - group: gateway.envoyproxy.io
      kind: SecurityPolicy
      namespace: storefront
  to:
    - group: ""
      kind: Service
      name: oauth2-proxy
`;

function targetRefYaml(kind: string, name: string): string {
  return `    - group: gateway.networking.k8s.io\n      kind: ${kind}\n      name: ${name}`;
}

/**
 * Add the route to an authenticating SecurityPolicy of its namespace, or create one (with
 * the ReferenceGrant it needs), built as `meshless generate` builds them.
 */
function fixFor(inv: Inventory, route: LoadedObject): { text: string; objects: Obj[] } {
  const ns = nsOf(route);
  const existing = securityPolicies(inv).find((sp) => nsOf(sp) === ns && securityPolicyAuth(sp) !== undefined && (Array.isArray(field(sp.object, 'spec', 'targetRefs')) || field(sp.object, 'spec', 'targetRef') !== undefined));
  const newRef = { group: 'gateway.networking.k8s.io', kind: route.object.kind, name: nameOf(route) };
  if (existing) {
    const refs = [...list(field(existing.object, 'spec', 'targetRefs')), ...(field(existing.object, 'spec', 'targetRef') !== undefined ? [field(existing.object, 'spec', 'targetRef')] : [])];
    const lines = refs.map((r) => targetRefYaml(str(field(r, 'kind')) ?? 'HTTPRoute', str(field(r, 'name')) ?? '?'));
    lines.push(targetRefYaml(route.object.kind, nameOf(route)));
    return {
      text: `Add the route to ${describe(existing)}, which already authenticates with ${securityPolicyAuth(existing)!}:\nspec:\n  targetRefs:\n${lines.join('\n')}`,
      objects: [patched(existing, { spec: { targetRef: null, targetRefs: [...refs, newRef] } })],
    };
  }
  const hint = authProxyHint(inv);
  const s = hint.service ?? { namespace: 'auth', name: 'oauth2-proxy', port: 4180 };
  const objects = [securityPolicyObject({ namespace: ns, name: `${nameOf(route)}-oauth2-proxy`, target: { kind: route.object.kind, name: nameOf(route) }, authService: s })];
  if (!referenceGrantAllows(inv, ns, s.namespace, s.name)) objects.push(referenceGrantObject({ namespace: s.namespace, name: `allow-${ns}-security-policies`, fromNamespaces: [ns], service: s.name }));
  return { text: `Put oauth2-proxy in front of it with an Envoy Gateway SecurityPolicy:\n${objectsYaml(objects).trimEnd()}`, objects };
}

/** Authenticated routes that serve the same host: this one takes some of their requests around the authentication. */
function authenticatedByHost(ctx: CheckContext): Map<string, LoadedObject[]> {
  const out = new Map<string, LoadedObject[]>();
  for (const e of entryPoints(ctx)) {
    if (!e.authenticated || entryDetail(ctx, e)?.signIn === true) continue;
    const l = out.get(e.host);
    if (l) l.push(e.route);
    else out.set(e.host, [e.route]);
  }
  return out;
}

function bypassed(byHost: ReadonlyMap<string, readonly LoadedObject[]>, route: LoadedObject, eps: readonly EntryPoint[]): string[] {
  const others = unique(eps.flatMap((e) => byHost.get(e.host) ?? [])).filter((r) => r !== route);
  return others.map(describe);
}

export default defineCheck({
  id: 'auth-gateway-route-unauthenticated',
  control: 'authentication',
  title: 'Gateway API route exposed without authentication',
  severity: 'high',
  policyReads: 'none',
  admission: 'deny',
  rationale:
    'An HTTPRoute or GRPCRoute attached to an externally reachable Gateway listener is served to anyone unless a policy authenticates it. ' +
    'With Envoy Gateway, a SecurityPolicy with extAuth (to oauth2-proxy) or oidc on the route or its Gateway does what a mesh\'s ' +
    'request authentication would. SecurityPolicies do not merge: a route-level policy without authentication replaces the Gateway\'s. ' +
    'A more specific route (a longer path on the same host) takes requests away from an authenticated route, so each route needs its own coverage.',
  fixSummary: 'Attach a SecurityPolicy with extAuth to oauth2-proxy (or oidc) to the route or its Gateway, or mark the route public with a reason.',
  requirements: ['PCI-DSS 8.3.1', 'GDPR Art. 32'],
  examples: { bad, good },
  evidence: ['Gateway'],
  run(ctx) {
    const out: FindingDraft[] = [];
    const byRoute = entryPointsByRoute(ctx, (ep) => ep.via === GATEWAY_API && !ep.authenticated && ep.publicReason === undefined);
    const byHost = byRoute.size > 0 ? authenticatedByHost(ctx) : new Map<string, LoadedObject[]>();
    for (const [route, eps] of byRoute) {
      const where = joinList(unique(eps.map(hostAndPath)));
      const listener = entryDetail(ctx, eps[0]!)?.listener;
      const on = listener ? ` on Gateway ${nsOf(listener.gateway)}/${nameOf(listener.gateway)} listener ${listener.name}` : '';
      const services = joinList(unique(eps.map((e) => `${e.service.namespace}/${e.service.name}`)));
      const around = bypassed(byHost, route, eps);
      const marked = publicMarking(route).marked;
      const fix = fixFor(ctx.inventory, route);
      out.push({
        object: route,
        path: entryDetail(ctx, eps[0]!)?.path ?? 'spec.parentRefs',
        message:
          `${describe(route)} sends ${where}${on} to Service ${services} without authentication (no SecurityPolicy with extAuth or oidc applies)` +
          (around.length > 0 ? `; it takes these requests around the authentication of ${joinList(around)}` : '') +
          (marked ? '; it is marked meshless.dev/public but gives no meshless.dev/public-reason' : ''),
        fix:
          `${fix.text}\nOr, if it is public on purpose, say why:\nmetadata:\n  annotations:\n    meshless.dev/public: "true"\n    meshless.dev/public-reason: "<why anyone on the internet may use it>"`,
        fixObjects: fix.objects,
        ...(eps.some((e) => isPublicHost(e.host)) ? {} : { severity: 'medium' as const }),
      });
    }
    return out;
  },
});
