import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inventoryFromText } from '../load/text.js';
import { clusterServiceOfUrl, entryPoints, hostCovers, traefikMatchHosts, type EntryPoint } from './index.js';

/** What a row expects of one entry point; only the fields given are compared. */
interface Expect {
  readonly route?: string;
  readonly via?: string;
  readonly host?: string;
  readonly path?: string;
  readonly service?: string;
  readonly endpoints?: readonly string[];
  readonly authenticated?: boolean;
  readonly authBy?: RegExp;
  readonly publicReason?: string | null;
  readonly tls?: boolean;
  readonly tlsBy?: RegExp;
}

const app = (ns: string, name: string, labels = `app: ${name}`): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    matchLabels:
      ${labels}
  template:
    metadata:
      labels:
        ${labels}
    spec:
      containers:
        - name: ${name}
          image: ${name === 'oauth2-proxy' ? 'quay.io/oauth2-proxy/oauth2-proxy:v7.7.1' : `example/${name}:1`}
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    ${labels}
  ports:
    - name: http
      port: 8080
---
`;

const ingress = (opts: { ns?: string; name?: string; cls?: string | null; annotations?: Record<string, string>; tls?: string; host?: string; service?: string; path?: string }): string => {
  const ann = opts.annotations ?? {};
  const annLines = Object.entries(ann).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${opts.name ?? 'web'}
  namespace: ${opts.ns ?? 'shop'}
${annLines.length ? `  annotations:\n${annLines.join('\n')}\n` : ''}spec:
${opts.cls === null ? '' : `  ingressClassName: ${opts.cls ?? 'nginx'}\n`}${opts.tls ? `  tls:\n    - hosts: [${opts.tls}]\n      secretName: web-tls\n` : ''}  rules:
    - host: ${opts.host ?? 'shop.example.com'}
      http:
        paths:
          - path: ${opts.path ?? '/'}
            pathType: Prefix
            backend:
              service:
                name: ${opts.service ?? 'web'}
                port:
                  number: 8080
---
`;
};

const gateway = (listeners: string, extra = ''): string => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
  namespace: edge
${extra}spec:
  gatewayClassName: envoy-gateway
  listeners:
${listeners}
---
`;

const HTTP = `    - name: http
      protocol: HTTP
      port: 80
      allowedRoutes:
        namespaces:
          from: All
`;
const HTTPS = (hostname?: string): string => `    - name: https
      protocol: HTTPS
      port: 443
${hostname ? `      hostname: "${hostname}"\n` : ''}      tls:
        certificateRefs:
          - name: public-tls
      allowedRoutes:
        namespaces:
          from: All
`;

const route = (opts: { name?: string; ns?: string; section?: string; hostnames?: string[]; path?: string; parentNs?: string | null; annotations?: Record<string, string> }): string => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${opts.name ?? 'web'}
  namespace: ${opts.ns ?? 'shop'}
${opts.annotations ? `  annotations:\n${Object.entries(opts.annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n')}\n` : ''}spec:
  parentRefs:
    - name: public
${opts.parentNs === null ? '' : `      namespace: ${opts.parentNs ?? 'edge'}\n`}${opts.section ? `      sectionName: ${opts.section}\n` : ''}${opts.hostnames ? `  hostnames: [${opts.hostnames.map((h) => JSON.stringify(h)).join(', ')}]\n` : ''}  rules:
    - matches:
        - path:
            type: PathPrefix
            value: ${opts.path ?? '/'}
      backendRefs:
        - name: web
          port: 8080
---
`;

const securityPolicy = (target: string, body = 'extAuth:\n    http:\n      backendRefs:\n        - name: oauth2-proxy\n          namespace: auth\n          port: 8080\n      headersToBackend: [authorization]', ns = 'shop', name = 'auth'): string => `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata:
  name: ${name}
  namespace: ${ns}
spec:
${target}
  ${body}
---
`;

const routeTarget = (name = 'web'): string => `  targetRefs:\n    - group: gateway.networking.k8s.io\n      kind: HTTPRoute\n      name: ${name}`;
const gatewayTarget = (section?: string): string => `  targetRefs:\n    - group: gateway.networking.k8s.io\n      kind: Gateway\n      name: public${section ? `\n      sectionName: ${section}` : ''}`;

const traefikMiddleware = (group = 'traefik.io', name = 'oauth2-proxy', ns = 'shop'): string => `apiVersion: ${group}/v1alpha1
kind: Middleware
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  forwardAuth:
    address: http://oauth2-proxy.auth.svc.cluster.local:8080/oauth2/auth
    authResponseHeaders: [Authorization]
---
`;

const base = app('shop', 'web') + app('auth', 'oauth2-proxy');

const rows: { name: string; yaml: string; expect: readonly Expect[] }[] = [
  {
    name: 'ingress-nginx Ingress with auth-url, TLS and a cluster issuer',
    yaml: base + ingress({ tls: 'shop.example.com', annotations: { 'nginx.ingress.kubernetes.io/auth-url': 'http://oauth2-proxy.auth.svc.cluster.local:8080/oauth2/auth', 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' } }),
    expect: [{ route: 'Ingress shop/web', via: 'ingress-nginx', host: 'shop.example.com', path: '/', service: 'shop/web', endpoints: ['shop/deployment/web'], authenticated: true, authBy: /^auth-url http:\/\/oauth2-proxy/, tls: true, tlsBy: /ClusterIssuer letsencrypt-prod.*Secret shop\/web-tls/ }],
  },
  {
    name: 'ingress-nginx by the kubernetes.io/ingress.class annotation, no auth, host not in tls',
    yaml: base + ingress({ cls: null, tls: 'other.example.com', annotations: { 'kubernetes.io/ingress.class': 'nginx' } }),
    expect: [{ via: 'ingress-nginx', authenticated: false, tls: false }],
  },
  {
    name: 'an IngressClass of any name whose controller is k8s.io/ingress-nginx',
    yaml: base + 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: public\nspec:\n  controller: k8s.io/ingress-nginx\n---\n' + ingress({ cls: 'public' }),
    expect: [{ via: 'ingress-nginx' }],
  },
  {
    name: 'a class-less Ingress takes the default IngressClass (Traefik)',
    yaml: base + 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: traefik\n  annotations:\n    ingressclass.kubernetes.io/is-default-class: "true"\nspec:\n  controller: traefik.io/ingress-controller\n---\n' + ingress({ cls: null }),
    expect: [{ via: 'traefik', authenticated: false }],
  },
  {
    name: 'ingress-nginx global-auth-url in the controller ConfigMap authenticates every Ingress',
    yaml: base + 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\ndata:\n  global-auth-url: http://oauth2-proxy.auth.svc.cluster.local:8080/oauth2/auth\n---\n' + ingress({}),
    expect: [{ authenticated: true, authBy: /^global-auth-url/ }],
  },
  {
    name: 'a route to oauth2-proxy itself is its sign-in endpoint',
    yaml: base + ingress({ ns: 'auth', name: 'oauth2', service: 'oauth2-proxy', path: '/oauth2' }),
    expect: [{ service: 'auth/oauth2-proxy', endpoints: ['auth/deployment/oauth2-proxy'], authenticated: true, authBy: /authentication service itself/ }],
  },
  {
    name: 'a Service selects only endpoints of its own namespace',
    yaml: app('shop', 'web') + app('other', 'web') + ingress({}),
    expect: [{ endpoints: ['shop/deployment/web'] }],
  },
  {
    name: 'Traefik IngressRoute with a forwardAuth Middleware, two hosts, a path and a certResolver',
    yaml:
      base +
      traefikMiddleware() +
      'apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  entryPoints: [websecure]\n  routes:\n    - match: (Host(`a.example.com`) || Host(`b.example.com`)) && PathPrefix(`/app`)\n      kind: Rule\n      middlewares:\n        - name: oauth2-proxy\n      services:\n        - name: web\n          port: 8080\n  tls:\n    certResolver: le\n',
    expect: [
      { route: 'IngressRoute shop/web', via: 'traefik', host: 'a.example.com', path: '/app', authenticated: true, authBy: /^forwardAuth Middleware shop\/oauth2-proxy/, tls: true, tlsBy: /certResolver le/ },
      { host: 'b.example.com', authenticated: true },
    ],
  },
  {
    name: 'Traefik (traefik.containo.us) IngressRoute authenticated through a chain Middleware, no TLS',
    yaml:
      base +
      traefikMiddleware('traefik.containo.us', 'sso') +
      'apiVersion: traefik.containo.us/v1alpha1\nkind: Middleware\nmetadata:\n  name: secure\n  namespace: shop\nspec:\n  chain:\n    middlewares:\n      - name: sso\n---\n' +
      'apiVersion: traefik.containo.us/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  routes:\n    - match: Host(`shop.example.com`)\n      kind: Rule\n      middlewares:\n        - name: secure\n      services:\n        - name: web\n          port: 8080\n',
    expect: [{ via: 'traefik', authenticated: true, authBy: /Middleware shop\/sso/, tls: false }],
  },
  {
    name: 'Traefik IngressRoute without middlewares',
    yaml: base + 'apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  routes:\n    - match: Host(`shop.example.com`)\n      kind: Rule\n      services:\n        - name: web\n          port: 8080\n',
    expect: [{ via: 'traefik', authenticated: false }],
  },
  {
    name: 'Traefik Ingress with router.middlewares and router.tls',
    yaml: base + traefikMiddleware() + ingress({ cls: 'traefik', annotations: { 'traefik.ingress.kubernetes.io/router.middlewares': 'shop-oauth2-proxy@kubernetescrd', 'traefik.ingress.kubernetes.io/router.tls': 'true' } }),
    expect: [{ via: 'traefik', authenticated: true, tls: true }],
  },
  {
    name: 'Gateway API: a route without hostnames takes the listener hostname',
    yaml: base + gateway(HTTPS('shop.example.com')) + route({}),
    expect: [{ route: 'HTTPRoute shop/web', via: 'gateway-api', host: 'shop.example.com', path: '/', service: 'shop/web', endpoints: ['shop/deployment/web'], authenticated: false, tls: true, tlsBy: /Secret edge\/public-tls/ }],
  },
  {
    name: 'Gateway API: without sectionName the route attaches to every listener that allows it',
    yaml: base + gateway(HTTP + HTTPS()) + route({ hostnames: ['shop.example.com'] }),
    expect: [
      { host: 'shop.example.com', tls: false },
      { host: 'shop.example.com', tls: true },
    ],
  },
  {
    name: 'Gateway API: sectionName picks the listener',
    yaml: base + gateway(HTTP + HTTPS()) + route({ hostnames: ['shop.example.com'], section: 'http' }),
    expect: [{ tls: false }],
  },
  {
    name: 'Gateway API: a route with no hostnames on a listener with none serves every host',
    yaml: base + gateway(HTTPS()) + route({}),
    expect: [{ host: '*' }],
  },
  {
    name: 'Gateway API: route hostnames intersect the listener wildcard',
    yaml: base + gateway(HTTPS('*.example.com')) + route({ hostnames: ['a.example.com', 'b.other.org'] }),
    expect: [{ host: 'a.example.com' }],
  },
  {
    name: 'Gateway API: allowedRoutes Same keeps routes of other namespaces out',
    yaml: base + gateway('    - name: http\n      protocol: HTTP\n      port: 80\n') + route({}),
    expect: [],
  },
  {
    name: 'Gateway API: a route whose Gateway is not in the input is left out',
    yaml: base + route({}),
    expect: [],
  },
  {
    name: 'Gateway API: an internal Gateway is not an entry point',
    yaml: base + gateway(HTTPS(), '  annotations:\n    networking.gke.io/load-balancer-type: Internal\n') + route({}),
    expect: [],
  },
  {
    name: 'SecurityPolicy with extAuth on the route',
    yaml: base + gateway(HTTPS()) + route({}) + securityPolicy(routeTarget()),
    expect: [{ authenticated: true, authBy: /^SecurityPolicy shop\/auth \(extAuth http → auth\/oauth2-proxy:8080\)/ }],
  },
  {
    name: 'SecurityPolicy with the legacy single targetRef and oidc',
    yaml: base + gateway(HTTPS()) + route({}) + securityPolicy('  targetRef:\n    group: gateway.networking.k8s.io\n    kind: HTTPRoute\n    name: web', 'oidc:\n    provider:\n      issuer: https://idp.example.com\n    clientID: shop\n    clientSecret:\n      name: oidc'),
    expect: [{ authenticated: true, authBy: /\(oidc\)/ }],
  },
  {
    name: 'SecurityPolicy on the Gateway covers all its routes',
    yaml: base + gateway(HTTPS()) + route({}) + route({ name: 'api', path: '/api' }) + securityPolicy(gatewayTarget(), undefined, 'edge', 'edge-auth'),
    expect: [
      { route: 'HTTPRoute shop/web', authenticated: true, authBy: /SecurityPolicy edge\/edge-auth/ },
      { route: 'HTTPRoute shop/api', authenticated: true },
    ],
  },
  {
    name: 'SecurityPolicy on another listener of the Gateway does not cover the route',
    yaml: base + gateway(HTTP + HTTPS()) + route({ section: 'https' }) + securityPolicy(gatewayTarget('http'), undefined, 'edge', 'edge-auth'),
    expect: [{ authenticated: false }],
  },
  {
    name: 'SecurityPolicy in another namespace than its target does not apply',
    yaml: base + gateway(HTTPS()) + route({}) + securityPolicy(routeTarget(), undefined, 'auth'),
    expect: [{ authenticated: false }],
  },
  {
    name: 'a route SecurityPolicy without authentication replaces the Gateway one',
    yaml: base + gateway(HTTPS()) + route({}) + securityPolicy(gatewayTarget(), undefined, 'edge', 'edge-auth') + securityPolicy(routeTarget(), 'cors:\n    allowOrigins: ["https://example.com"]', 'shop', 'cors'),
    expect: [{ authenticated: false }],
  },
  {
    name: 'a route SecurityPolicy with mergeType merges into the Gateway one',
    yaml: base + gateway(HTTPS()) + route({}) + securityPolicy(gatewayTarget(), undefined, 'edge', 'edge-auth') + securityPolicy(routeTarget(), 'mergeType: StrategicMerge\n  cors:\n    allowOrigins: ["https://example.com"]', 'shop', 'cors'),
    expect: [{ authenticated: true, authBy: /edge\/edge-auth/ }],
  },
  {
    name: 'SecurityPolicy by targetSelectors',
    yaml: base + gateway(HTTPS()) + route({}).replace('  namespace: shop\n', '  namespace: shop\n  labels:\n    auth: sso\n') + securityPolicy('  targetSelectors:\n    - group: gateway.networking.k8s.io\n      kind: HTTPRoute\n      matchLabels:\n        auth: sso'),
    expect: [{ authenticated: true }],
  },
  {
    name: 'public with a reason',
    yaml: base + gateway(HTTPS()) + route({ annotations: { 'meshless.dev/public': 'true', 'meshless.dev/public-reason': 'the landing page' } }),
    expect: [{ authenticated: false, publicReason: 'the landing page' }],
  },
  {
    name: 'public without a reason is not an exception',
    yaml: base + ingress({ annotations: { 'meshless.dev/public': 'true' } }),
    expect: [{ publicReason: null }],
  },
  {
    name: "cert-manager's HTTP-01 solver Ingress is not an entry point",
    yaml: base + ingress({}).replace('  namespace: shop\n', '  namespace: shop\n  labels:\n    acme.cert-manager.io/http01-solver: "true"\n'),
    expect: [],
  },
];

const exposedService = (type: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis
  namespace: shop
spec:
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
    spec:
      containers:
        - name: redis
          image: redis:7
---
apiVersion: v1
kind: Service
metadata:
  name: redis
  namespace: shop
${extra}spec:
  type: ${type}
  selector:
    app: redis
  ports:
    - name: redis
      port: 6379
      nodePort: 30379
---
`;

const hostPortPod = (spec: string): string => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: monitoring
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
${spec}      containers:
        - name: agent
          image: example/agent:1
          ports:
            - name: metrics
              containerPort: 9100
${spec.includes('hostNetwork') ? '' : '              hostPort: 9100\n'}---
`;

rows.push(
  {
    name: 'a Service of type LoadBalancer is a way in, straight to its pods',
    yaml: exposedService('LoadBalancer'),
    expect: [{ route: 'Service shop/redis', via: 'service-loadbalancer', host: '*', service: 'shop/redis', endpoints: ['shop/deployment/redis'], authenticated: false, tls: false }],
  },
  {
    name: 'a Service of type NodePort is a way in',
    yaml: exposedService('NodePort'),
    expect: [{ via: 'service-nodeport', endpoints: ['shop/deployment/redis'], authenticated: false, tls: false }],
  },
  {
    name: 'an internal load balancer is not a way in from outside',
    yaml: exposedService('LoadBalancer', '  annotations:\n    networking.gke.io/load-balancer-type: Internal\n'),
    expect: [],
  },
  {
    name: 'a host with TLS on another Ingress is served over TLS (the JSON agrees with tls-host-without-tls)',
    yaml: base + ingress({ tls: 'shop.example.com' }) + ingress({ name: 'api', path: '/api' }),
    expect: [{ route: 'Ingress shop/web', tls: true }, { route: 'Ingress shop/api', tls: true, tlsBy: /set for shop\.example\.com by Ingress shop\/web/ }],
  },
  {
    name: 'a ClusterIP Service is not a way in',
    yaml: exposedService('ClusterIP'),
    expect: [],
  },
  {
    name: 'a container hostPort is a way in',
    yaml: hostPortPod(''),
    expect: [{ route: 'DaemonSet monitoring/agent', via: 'host-port', service: 'monitoring/daemonset/agent', endpoints: ['monitoring/daemonset/agent'], authenticated: false, tls: false }],
  },
  {
    name: 'a pod on the host network is a way in on its container ports',
    yaml: hostPortPod('      hostNetwork: true\n'),
    expect: [{ via: 'host-port', endpoints: ['monitoring/daemonset/agent'], tls: false }],
  },
);

function check(ep: EntryPoint, e: Expect, where: string): void {
  const o = ep.route.object;
  if (e.route !== undefined) assert.equal(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, e.route, where);
  if (e.via !== undefined) assert.equal(ep.via, e.via, where);
  if (e.host !== undefined) assert.equal(ep.host, e.host, where);
  if (e.path !== undefined) assert.equal(ep.path, e.path, where);
  if (e.service !== undefined) assert.equal(`${ep.service.namespace}/${ep.service.name}`, e.service, where);
  if (e.endpoints !== undefined) assert.deepEqual(ep.endpoints, e.endpoints, where);
  if (e.authenticated !== undefined) assert.equal(ep.authenticated, e.authenticated, `${where}: authenticated (authBy ${ep.authBy ?? '-'})`);
  if (e.authBy !== undefined) assert.match(ep.authBy ?? '', e.authBy, where);
  if (e.publicReason !== undefined) assert.equal(ep.publicReason, e.publicReason ?? undefined, where);
  if (e.tls !== undefined) assert.equal(ep.tls, e.tls, where);
  if (e.tlsBy !== undefined) assert.match(ep.tlsBy ?? '', e.tlsBy, where);
}

for (const row of rows) {
  test(`entryPoints: ${row.name}`, () => {
    const inv = inventoryFromText(row.yaml, 'edge.yaml');
    const eps = entryPoints({ inventory: inv });
    assert.equal(eps.length, row.expect.length, `entry points: ${eps.map((e) => `${e.route.object.kind}/${e.route.object.metadata.name} ${e.host} tls=${e.tls}`).join('; ')}`);
    row.expect.forEach((e, i) => {
      check(eps[i]!, e, `${row.name} [${i}]`);
    });
  });
}

test('entryPoints is computed once per inventory', () => {
  const inv = inventoryFromText(base + ingress({}), 'edge.yaml');
  assert.equal(entryPoints({ inventory: inv }), entryPoints({ inventory: inv }));
});

test('hostCovers: certificate wildcards cover one label, listener wildcards any number', () => {
  const cases: [string, string, boolean, boolean][] = [
    ['*.example.com', 'a.example.com', false, true],
    ['*.example.com', 'a.b.example.com', false, false],
    ['*.example.com', 'a.b.example.com', true, true],
    ['*.example.com', 'example.com', true, false],
    ['shop.example.com', 'SHOP.example.com', false, true],
    ['*', 'anything.org', false, true],
  ];
  for (const [p, h, multi, want] of cases) assert.equal(hostCovers(p, h, multi), want, `${p} ${h} ${String(multi)}`);
});

test('traefikMatchHosts reads v2 and v3 rules', () => {
  assert.deepEqual(traefikMatchHosts('Host(`a.example.com`, `b.example.com`)'), ['a.example.com', 'b.example.com']);
  assert.deepEqual(traefikMatchHosts('Host(`a.example.com`) || Host(`b.example.com`) && PathPrefix(`/x`)'), ['a.example.com', 'b.example.com']);
  assert.deepEqual(traefikMatchHosts('PathPrefix(`/x`)'), ['*']);
});

test('clusterServiceOfUrl reads cluster DNS names, not public ones', () => {
  const inv = inventoryFromText(base, 'edge.yaml');
  assert.deepEqual(clusterServiceOfUrl('http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth', 'shop', inv), { namespace: 'auth', name: 'oauth2-proxy', form: 'svc', port: 4180 });
  assert.deepEqual(clusterServiceOfUrl('http://oauth2-proxy.auth.svc/oauth2/auth', 'shop', inv), { namespace: 'auth', name: 'oauth2-proxy', form: 'svc' });
  assert.deepEqual(clusterServiceOfUrl('http://oauth2-proxy/oauth2/auth', 'shop', inv), { namespace: 'shop', name: 'oauth2-proxy', form: 'bare' });
  assert.deepEqual(clusterServiceOfUrl('http://oauth2-proxy.auth:4180/oauth2/auth', 'shop', inv), { namespace: 'auth', name: 'oauth2-proxy', form: 'short', port: 4180 });
  assert.equal(clusterServiceOfUrl('https://auth.example.com/oauth2/auth', 'shop', inv), undefined);
  assert.equal(clusterServiceOfUrl('https://example.com/oauth2/auth', 'shop', inv), undefined);
});
