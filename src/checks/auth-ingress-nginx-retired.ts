import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { defineCheck, type FindingDraft } from './types.js';
import {
  annotation,
  containersOf,
  describe,
  field,
  gateways,
  hostCovers,
  ingressEdge,
  ingressNginxControllers,
  INGRESS_NGINX,
  INGRESS_NGINX_CONTROLLER,
  isIngressNginxImage,
  joinList,
  listenersOf,
  nameOf,
  NGINX,
  nsOf,
  ofKind,
  servicePortNumber,
  str,
  list,
} from '../exposure/index.js';

const bad = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: ingress-nginx
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ingress-nginx
    spec:
      containers:
        - name: controller
          image: registry.k8s.io/ingress-nginx/controller:v1.11.3
          args: [/nginx-ingress-controller, --ingress-class=nginx]
`;

const good = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: envoy-gateway
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
---
apiVersion: gateway.networking.k8s.io/v1
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
      tls:
        certificateRefs:
          - name: wildcard-example-com-tls
`;

/** The HTTPRoute that replaces one Ingress (its first rule), for the fix. */
function routeFor(inv: Inventory, ing: LoadedObject): string {
  const ns = nsOf(ing);
  const hosts = list(field(ing.object, 'spec', 'rules'))
    .map((r) => str(field(r, 'host')))
    .filter((h): h is string => h !== undefined);
  // A Gateway with an HTTPS listener for the host, else any Gateway (it then needs a listener for the host).
  const candidates = gateways(inv).flatMap((g) => listenersOf(g).filter((l) => l.tls));
  const https = candidates.find((l) => hosts.length > 0 && hosts.every((h) => l.hostname === undefined || hostCovers(l.hostname, h, true)));
  const gw = https?.gateway ?? gateways(inv)[0];
  const rules = list(field(ing.object, 'spec', 'rules')).flatMap((r) =>
    list(field(r, 'http', 'paths')).flatMap((p) => {
      const name = str(field(p, 'backend', 'service', 'name'));
      if (!name) return [];
      const portRaw = field(p, 'backend', 'service', 'port', 'number') ?? field(p, 'backend', 'service', 'port', 'name');
      const port = servicePortNumber(inv, ns, name, typeof portRaw === 'number' || typeof portRaw === 'string' ? portRaw : undefined);
      const exact = field(p, 'pathType') === 'Exact';
      return [
        [
          '    - matches:',
          '        - path:',
          `            type: ${exact ? 'Exact' : 'PathPrefix'}`,
          `            value: ${str(field(p, 'path')) ?? '/'}`,
          '      backendRefs:',
          `        - name: ${name}`,
          `          port: ${port ?? '<service port number>'}`,
        ].join('\n'),
      ];
    }),
  );
  const lines = [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: HTTPRoute',
    'metadata:',
    `  name: ${nameOf(ing)}`,
    `  namespace: ${ns}`,
    'spec:',
    '  parentRefs:',
    `    - name: ${gw ? nameOf(gw) : '<your Gateway>'}`,
    ...(gw && nsOf(gw) !== ns ? [`      namespace: ${nsOf(gw)}`] : []),
    ...(https ? [`      sectionName: ${https.name}`] : gw ? [`      # add an HTTPS listener for ${hosts.join(', ') || 'the host'} to Gateway ${nsOf(gw)}/${nameOf(gw)} and name it in sectionName`] : []),
    ...(hosts.length > 0 ? ['  hostnames:', ...hosts.map((h) => `    - ${h}`)] : []),
    '  rules:',
    ...(rules.length > 0 ? rules : ['    - backendRefs: []']),
  ];
  return lines.join('\n');
}

function servedIngresses(inv: Inventory): LoadedObject[] {
  return ofKind(inv, 'Ingress').filter((i) => ingressEdge(inv, i) === INGRESS_NGINX);
}

function fixFor(inv: Inventory): string {
  const served = servedIngresses(inv);
  // Show an authenticated one when there is one: it shows where auth-url goes.
  const first = served.find((i) => str(annotation(i, `${NGINX}auth-url`)) !== undefined) ?? served[0];
  const parts = [
    'Move to Gateway API (e.g. Envoy Gateway, or another conformant implementation) and remove ingress-nginx once nothing uses it. ' +
      '`ingress2gateway print --providers=ingress-nginx -A` converts the Ingresses; authentication moves from auth-url to an Envoy Gateway ' +
      'SecurityPolicy with extAuth to oauth2-proxy, TLS stays with cert-manager (cert-manager.io/cluster-issuer on the Gateway, one HTTPS listener per host).',
  ];
  if (first) {
    parts.push(`For ${describe(first)}:\n${routeFor(inv, first)}`);
    if (str(annotation(first, `${NGINX}auth-url`))) {
      parts.push('and a SecurityPolicy targeting it with extAuth.http.backendRefs → oauth2-proxy and headersToBackend: [authorization].');
    }
  }
  return parts.join('\n');
}

export default defineCheck({
  id: 'auth-ingress-nginx-retired',
  control: 'authentication',
  title: 'The retired community ingress-nginx controller is in use',
  severity: 'high',
  policyReads: 'none',
  rationale:
    'The community ingress-nginx controller (kubernetes/ingress-nginx, IngressClass controller k8s.io/ingress-nginx) was retired in March 2026: ' +
    'no more releases, bug fixes or security patches. It sits on the internet-facing edge and enforces authentication (auth-url) for ' +
    'everything behind it, and it has a history of critical CVEs (CVE-2025-1974 "IngressNightmare" among them). Gateway API is the successor; ' +
    'NGINX Inc\'s nginx-ingress (nginx.org/ingress-controller) is a different, maintained project and is not flagged.',
  fixSummary: 'Migrate the Ingresses to Gateway API (HTTPRoutes on a Gateway, SecurityPolicy for authentication) and remove ingress-nginx.',
  requirements: ['PCI-DSS 6.3.3', 'GDPR Art. 32'],
  examples: { bad, good },
  run(ctx) {
    const inv = ctx.inventory;
    const served = servedIngresses(inv);
    const serving = served.length > 0 ? `; it serves ${served.length} Ingress${served.length === 1 ? '' : 'es'} (${joinList(served.map((i) => `${nsOf(i)}/${nameOf(i)}`))})` : '';
    const out: FindingDraft[] = [];
    const controllers = ingressNginxControllers(inv);
    for (const w of controllers) {
      const c = containersOf(w).find((x) => isIngressNginxImage(x.image))!;
      out.push({
        object: w,
        path: `${c.path}.image`,
        message: `${describe(w)} runs the community ingress-nginx controller (${c.image}), retired in March 2026 with no more security fixes${serving}`,
        fix: fixFor(inv),
      });
    }
    if (controllers.length > 0) return out;
    // The controller itself is not in the input (installed by Helm elsewhere): its IngressClass shows it is there.
    for (const cls of ofKind(inv, 'IngressClass')) {
      if (field(cls.object, 'spec', 'controller') !== INGRESS_NGINX_CONTROLLER) continue;
      out.push({
        object: cls,
        path: 'spec.controller',
        message: `${describe(cls)} is served by the community ingress-nginx controller (k8s.io/ingress-nginx), retired in March 2026 with no more security fixes${serving}`,
        fix: fixFor(inv),
      });
    }
    if (out.length > 0) return out;
    // Neither the controller nor its IngressClass is in the input: Ingresses of a class the community
    // controller serves (`nginx`, by convention, when no IngressClass says otherwise) show it is there.
    const byClass = new Map<string, LoadedObject[]>();
    for (const ing of served) {
      const cls = str(field(ing.object, 'spec', 'ingressClassName')) ?? annotation(ing, 'kubernetes.io/ingress.class') ?? '(default class)';
      byClass.set(cls, [...(byClass.get(cls) ?? []), ing]);
    }
    for (const [cls, ings] of byClass) {
      const first = ings[0]!;
      out.push({
        object: first,
        path: str(field(first.object, 'spec', 'ingressClassName')) !== undefined ? 'spec.ingressClassName' : 'metadata',
        message: `Ingress class ${cls} is served by the community ingress-nginx controller (installed outside the input), retired in March 2026 with no more security fixes; it serves ${ings.length} Ingress${ings.length === 1 ? '' : 'es'} (${joinList(ings.map((i) => `${nsOf(i)}/${nameOf(i)}`))})`,
        fix: fixFor(inv),
      });
    }
    return out;
  },
});
