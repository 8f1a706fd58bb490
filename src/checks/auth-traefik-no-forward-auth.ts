import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { defineCheck, type FindingDraft } from './types.js';
import { isRecord } from '../model/json.js';
import { forwardAuthMiddlewareObject } from '../generate/edge-traefik.js';
import { objectsYaml } from '../generate/fixes.js';
import type { Obj } from '../generate/platform.js';
import { annotationsPatch, patched } from './fix-objects.js';
import {
  annotation,
  authProxyHint,
  describe,
  entryDetail,
  entryPointsByRoute,
  field,
  forwardAuthMiddlewares,
  hostAndPath,
  isPublicHost,
  joinList,
  list,
  nameOf,
  nsOf,
  publicMarking,
  str,
  TRAEFIK,
  unique,
} from '../exposure/index.js';

const bad = `apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: admin
  namespace: backoffice
spec:
  entryPoints: [websecure]
  routes:
    - match: Host(\`admin.example.com\`)
      kind: Rule
      services:
        - name: admin
          port: 8080
  tls:
    secretName: admin-example-com-tls
`;

const good = `apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: oauth2-proxy
  namespace: backoffice
spec:
  forwardAuth:
    address: http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth
    trustForwardHeader: true
    authResponseHeaders:
      - Authorization
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: admin
  namespace: backoffice
spec:
  entryPoints: [websecure]
  routes:
    - match: Host(\`admin.example.com\`)
      kind: Rule
      middlewares:
        - name: oauth2-proxy
      services:
        - name: admin
          port: 8080
  tls:
    secretName: admin-example-com-tls
`;

/** A forwardAuth Middleware to reuse (same namespace first), or the one to create (built as the generator builds it). */
function middlewareFix(inv: Inventory, route: LoadedObject): { ref: { name: string; namespace: string }; create?: Obj } {
  const ns = nsOf(route);
  const mws = forwardAuthMiddlewares(inv);
  const reuse = mws.find((m) => nsOf(m) === ns) ?? mws[0];
  if (reuse) return { ref: { name: nameOf(reuse), namespace: nsOf(reuse) } };
  const apiVersion = route.object.kind === 'IngressRoute' ? route.object.apiVersion : 'traefik.io/v1alpha1';
  const create = forwardAuthMiddlewareObject({
    apiVersion,
    namespace: ns,
    name: 'oauth2-proxy',
    address: authProxyHint(inv).forwardAuthAddress,
    trustForwardHeader: true,
    authResponseHeaders: ['Authorization'],
  });
  return { ref: { name: 'oauth2-proxy', namespace: ns }, create };
}

const MIDDLEWARES_ANNOTATION = 'traefik.ingress.kubernetes.io/router.middlewares';

function fixFor(inv: Inventory, route: LoadedObject): { text: string; objects: Obj[] } {
  const m = middlewareFix(inv, route);
  const parts: string[] = [];
  const objects: Obj[] = [];
  if (m.create) {
    parts.push(`Create the forwardAuth Middleware:\n${objectsYaml([m.create]).trimEnd()}`);
    objects.push(m.create);
  }
  if (route.object.kind === 'IngressRoute') {
    const cross = m.ref.namespace !== nsOf(route) ? `\n          namespace: ${m.ref.namespace}   # needs providers.kubernetesCRD.allowCrossNamespace` : '';
    const routes = list(field(route.object, 'spec', 'routes'))
      .map((r) => `    - match: ${str(field(r, 'match')) ?? '...'}\n      middlewares:\n        - name: ${m.ref.name}${cross}`)
      .join('\n');
    parts.push(`Use it on every route of ${describe(route)}:\nspec:\n  routes:\n${routes}`);
    const ref = m.ref.namespace !== nsOf(route) ? { name: m.ref.name, namespace: m.ref.namespace } : { name: m.ref.name };
    // The routes as they are, each with the Middleware added to the ones it already has.
    const withAuth = list(field(route.object, 'spec', 'routes')).map((r) => (isRecord(r) ? { ...r, middlewares: [...list(r['middlewares']), ref] } : r));
    objects.push(patched(route, { spec: { routes: withAuth } }));
  } else {
    const value = `${m.ref.namespace}-${m.ref.name}@kubernetescrd`;
    parts.push(`Use it on ${describe(route)}:\nmetadata:\n  annotations:\n    ${MIDDLEWARES_ANNOTATION}: "${value}"`);
    const before = str(annotation(route, MIDDLEWARES_ANNOTATION));
    objects.push(patched(route, annotationsPatch({ [MIDDLEWARES_ANNOTATION]: before ? `${before},${value}` : value })));
  }
  parts.push('Or, if it is public on purpose, say why:\nmetadata:\n  annotations:\n    meshless.dev/public: "true"\n    meshless.dev/public-reason: "<why anyone on the internet may use it>"');
  return { text: parts.join('\n'), objects };
}

export default defineCheck({
  id: 'auth-traefik-no-forward-auth',
  control: 'authentication',
  title: 'Traefik route exposed without forwardAuth',
  severity: 'high',
  policyReads: 'none',
  admission: 'deny',
  rationale:
    'Traefik authenticates a route only through a Middleware on it: a forwardAuth Middleware asks oauth2-proxy about every request, like ' +
    'ingress-nginx\'s auth-url. An IngressRoute (or a Traefik Ingress) without one serves the application to anyone who reaches the entry point.',
  fixSummary: 'Attach a forwardAuth Middleware pointing at oauth2-proxy to the route, or mark the route public with a reason.',
  requirements: ['PCI-DSS 8.3.1', 'GDPR Art. 32'],
  examples: { bad, good },
  run(ctx) {
    const out: FindingDraft[] = [];
    const byRoute = entryPointsByRoute(ctx, (ep) => ep.via === TRAEFIK && !ep.authenticated && ep.publicReason === undefined);
    for (const [route, eps] of byRoute) {
      const where = joinList(unique(eps.map(hostAndPath)));
      const services = joinList(unique(eps.map((e) => `${e.service.namespace}/${e.service.name}`)));
      const marked = publicMarking(route).marked;
      const fix = fixFor(ctx.inventory, route);
      out.push({
        object: route,
        path: entryDetail(ctx, eps[0]!)?.path ?? 'spec',
        message: `${describe(route)} exposes ${where} through Traefik without a forwardAuth Middleware: anyone who reaches the entry point reaches Service ${services}${marked ? ' (marked meshless.dev/public but without a meshless.dev/public-reason)' : ''}`,
        fix: fix.text,
        fixObjects: fix.objects,
        ...(eps.some((e) => isPublicHost(e.host)) ? {} : { severity: 'medium' as const }),
      });
    }
    return out;
  },
});
