import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInputs } from '../load/files.js';
import { inventoryFromText, inventoryFromTexts } from '../load/text.js';
import type { Inventory } from '../model/inventory.js';
import { analyze } from '../netpol/analysis.js';
import { edgeChecks } from './registry-edge.js';
import { runAudit } from './run.js';
import { DEFAULT_CONFIG, type CheckContext, type FindingDraft, type Severity } from './types.js';
import oauth2Vulnerable from './auth-oauth2-proxy-vulnerable.js';
import oauth2TrustedIp from './auth-oauth2-proxy-trusted-ip.js';
import oauth2ReverseProxy from './auth-oauth2-proxy-reverse-proxy-untrusted.js';
import oauth2SkipAuth from './auth-oauth2-proxy-skip-auth-route.js';
import oauth2CookieSecret from './auth-oauth2-proxy-cookie-secret-literal.js';
import gatewayBypass from './auth-gateway-bypass.js';
import authDirectExposure from './auth-direct-exposure.js';
import tlsDirectExposurePlain from './tls-direct-exposure-plain.js';

function ctxOf(inv: Inventory): CheckContext {
  return { inventory: inv, analysis: analyze(inv), config: DEFAULT_CONFIG, objectsOfKind: (k) => inv.objects.filter((o) => o.object.kind === k) };
}

function checkById(id: string): (typeof edgeChecks)[number] {
  const c = edgeChecks.find((x) => x.id === id);
  assert.ok(c, `no edge check ${id}`);
  return c;
}

function run(id: string, yaml: string): readonly FindingDraft[] {
  return checkById(id).run(ctxOf(inventoryFromText(yaml, 'input.yaml')));
}

// ---------------------------------------------------------------------------
// Small manifests

const svc = (ns: string, name: string, image = `example/${name}:1`): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: ${name}
          image: ${image}
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    app: ${name}
  ports:
    - name: http
      port: 4180
---
`;

const OAUTH2 = svc('auth', 'oauth2-proxy', 'quay.io/oauth2-proxy/oauth2-proxy:v7.15.2');
const AUTH_URL = 'http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth';
const SIGNIN = 'https://auth.example.com/oauth2/start?rd=https://$host$escaped_request_uri';

function ann(a: Record<string, string>): string {
  const e = Object.entries(a);
  return e.length ? `  annotations:\n${e.map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n')}\n` : '';
}

const ingress = (o: { name?: string; ns?: string; cls?: string; a?: Record<string, string>; tls?: string | { hosts: string; secret?: string }; host?: string; service?: string; path?: string; labels?: string }): string => {
  const tls = typeof o.tls === 'string' ? { hosts: o.tls, secret: `${o.name ?? 'shop'}-tls` } : o.tls;
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${o.name ?? 'shop'}
  namespace: ${o.ns ?? 'storefront'}
${o.labels ?? ''}${ann(o.a ?? {})}spec:
  ingressClassName: ${o.cls ?? 'nginx'}
${tls ? `  tls:\n    - hosts: [${tls.hosts}]\n${tls.secret ? `      secretName: ${tls.secret}\n` : ''}` : ''}  rules:
    - host: ${o.host ?? 'shop.example.com'}
      http:
        paths:
          - path: ${o.path ?? '/'}
            pathType: Prefix
            backend:
              service:
                name: ${o.service ?? 'storefront'}
                port:
                  number: 8080
---
`;
};

const AUTHED = { 'nginx.ingress.kubernetes.io/auth-url': AUTH_URL, 'nginx.ingress.kubernetes.io/auth-signin': SIGNIN, 'nginx.ingress.kubernetes.io/auth-response-headers': 'authorization' };

const gateway = (listeners: string, annotations: Record<string, string> = {}): string => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
  namespace: edge
${ann(annotations)}spec:
  gatewayClassName: envoy-gateway
  listeners:
${listeners}---
`;

const HTTP = '    - name: http\n      protocol: HTTP\n      port: 80\n      allowedRoutes:\n        namespaces:\n          from: All\n';
const HTTPS = (secret = 'shop-example-com-tls'): string =>
  `    - name: https\n      protocol: HTTPS\n      port: 443\n      hostname: shop.example.com\n      tls:\n        certificateRefs:\n          - name: ${secret}\n      allowedRoutes:\n        namespaces:\n          from: All\n`;

const route = (o: { name?: string; section?: string; path?: string; a?: Record<string, string>; host?: string } = {}): string => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${o.name ?? 'web'}
  namespace: storefront
${ann(o.a ?? {})}spec:
  parentRefs:
    - name: public
      namespace: edge
${o.section ? `      sectionName: ${o.section}\n` : ''}  hostnames: [${o.host ?? 'shop.example.com'}]
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: ${o.path ?? '/'}
      backendRefs:
        - name: storefront
          port: 8080
---
`;

const redirectRoute = `apiVersion: gateway.networking.k8s.io/v1
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
---
`;

const securityPolicy = (target: string, ns = 'storefront', backend = 'oauth2-proxy'): string => `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata:
  name: sso
  namespace: ${ns}
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
${target}
  extAuth:
    http:
      backendRefs:
        - name: ${backend}
          namespace: auth
          port: 4180
      headersToBackend: [authorization]
---
`;

const ingressRoute = (o: { middlewares?: string; tls?: string } = {}): string => `apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: web
  namespace: storefront
spec:
  routes:
    - match: Host(\`shop.example.com\`)
      kind: Rule
${o.middlewares ? `      middlewares:\n        - name: ${o.middlewares}\n` : ''}      services:
        - name: storefront
          port: 8080
${o.tls ?? ''}---
`;

const forwardAuth = (headers: string, address = AUTH_URL, extra = ''): string => `apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: sso
  namespace: storefront
spec:
  forwardAuth:
    address: ${address}
${headers}${extra}---
`;

const oauth2Deployment = (container: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: oauth2-proxy
  namespace: auth
spec:
  selector:
    matchLabels:
      app: oauth2-proxy
  template:
    metadata:
      labels:
        app: oauth2-proxy
    spec:
      containers:
        - name: oauth2-proxy
          image: quay.io/oauth2-proxy/oauth2-proxy:v7.15.2
${container}${extra}---
`;

const clusterIssuer = (name = 'letsencrypt-prod', server = 'https://acme-v02.api.letsencrypt.org/directory'): string => `apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: ${name}
spec:
  acme:
    server: ${server}
    privateKeySecretRef:
      name: ${name}-account-key
    solvers:
      - http01:
          ingress:
            ingressClassName: nginx
---
`;

const nginxController = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
spec:
  selector:
    matchLabels:
      app: ingress-nginx
  template:
    metadata:
      labels:
        app: ingress-nginx
    spec:
      containers:
        - name: controller
          image: ${image}
          args: [/nginx-ingress-controller, --configmap=$(POD_NAMESPACE)/ingress-nginx-controller]
---
`;

const ingressClass = (name: string, controller: string): string => `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: ${name}\nspec:\n  controller: ${controller}\n---\n`;

const nginxConfigMap = (data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\ndata:\n${data}---\n`;

// ---------------------------------------------------------------------------
// The table: input → how many findings of the check, and what they say

interface Row {
  readonly name: string;
  readonly yaml: string;
  readonly count: number;
  readonly message?: RegExp;
  readonly fix?: RegExp;
  readonly severity?: Severity;
}

const rows: Record<string, readonly Row[]> = {
  'auth-ingress-nginx-no-auth-url': [
    { name: 'no auth-url', yaml: ingress({ tls: 'shop.example.com' }), count: 1, message: /Ingress storefront\/shop exposes shop\.example\.com through ingress-nginx without nginx\.ingress\.kubernetes\.io\/auth-url/, severity: 'high' },
    { name: 'the fix names the oauth2-proxy Service of the input', yaml: svc('sso', 'oauth2-proxy', 'quay.io/oauth2-proxy/oauth2-proxy:v7.7.1') + ingress({}), count: 1, fix: /auth-url: "http:\/\/oauth2-proxy\.sso\.svc\.cluster\.local:4180\/oauth2\/auth"/ },
    { name: 'auth-url set', yaml: ingress({ a: AUTHED }), count: 0 },
    { name: 'basic auth', yaml: ingress({ a: { 'nginx.ingress.kubernetes.io/auth-type': 'basic', 'nginx.ingress.kubernetes.io/auth-secret': 'htpasswd' } }), count: 0 },
    { name: 'public with a reason', yaml: ingress({ a: { 'meshless.dev/public': 'true', 'meshless.dev/public-reason': 'status page' } }), count: 0 },
    { name: 'public without a reason', yaml: ingress({ a: { 'meshless.dev/public': 'true' } }), count: 1, message: /marked meshless\.dev\/public but without a meshless\.dev\/public-reason/ },
    { name: 'an internal host is less severe', yaml: ingress({ host: 'admin.corp.internal' }), count: 1, severity: 'medium' },
    { name: 'the oauth2-proxy sign-in Ingress itself', yaml: OAUTH2 + ingress({ ns: 'auth', name: 'oauth2', service: 'oauth2-proxy', path: '/oauth2' }), count: 0 },
    { name: 'a Traefik Ingress is not judged by ingress-nginx annotations', yaml: ingress({ cls: 'traefik' }), count: 0 },
  ],
  'auth-url-target-missing': [
    { name: 'auth-url names a namespace that is not in the input', yaml: OAUTH2 + ingress({ a: { 'nginx.ingress.kubernetes.io/auth-url': 'http://oauth2-proxy.oauth.svc.cluster.local:4180/oauth2/auth' } }), count: 1, message: /names namespace oauth, which is not in the input \(the input has oauth2-proxy as Service auth\/oauth2-proxy\)/, fix: /auth-url: "http:\/\/oauth2-proxy\.auth\.svc/ },
    { name: 'auth-url names a Service that is not in the input', yaml: OAUTH2 + ingress({ a: { 'nginx.ingress.kubernetes.io/auth-url': 'http://oauth2proxy.auth.svc:4180/oauth2/auth' } }), count: 1, message: /names Service auth\/oauth2proxy, which is not in the input/ },
    { name: 'auth-url names the Service that exists', yaml: OAUTH2 + ingress({ a: AUTHED }), count: 0 },
    { name: 'auth-url on a public host is not judged', yaml: OAUTH2 + ingress({ a: { 'nginx.ingress.kubernetes.io/auth-url': 'https://sso.example.com/oauth2/auth' } }), count: 0 },
    { name: 'SecurityPolicy extAuth to a missing Service', yaml: OAUTH2 + securityPolicy('      kind: HTTPRoute\n      name: web', 'storefront', 'oauth-proxy'), count: 1, message: /extAuth backend Service auth\/oauth-proxy/ },
    { name: 'Traefik forwardAuth to a missing Service', yaml: OAUTH2 + forwardAuth('', 'http://oauth2-proxy.sso.svc.cluster.local:4180/oauth2/auth'), count: 1, message: /forwardAuth address/ },
  ],
  'auth-signin-missing': [
    { name: 'auth-url without auth-signin', yaml: ingress({ a: { 'nginx.ingress.kubernetes.io/auth-url': AUTH_URL } }), count: 1, message: /has no nginx\.ingress\.kubernetes\.io\/auth-signin/, fix: /auth-signin: "https:\/\/\$host\/oauth2\/start/ },
    { name: 'the fix reuses the oauth2-proxy redirect URL', yaml: oauth2Deployment('          args: [--redirect-url=https://login.example.com/oauth2/callback]\n') + ingress({ a: { 'nginx.ingress.kubernetes.io/auth-url': AUTH_URL } }), count: 1, fix: /https:\/\/login\.example\.com\/oauth2\/start\?rd=/ },
    { name: 'both set', yaml: ingress({ a: AUTHED }), count: 0 },
    { name: 'no auth-url at all', yaml: ingress({}), count: 0 },
  ],
  'auth-response-headers-no-authorization': [
    { name: 'no auth-response-headers', yaml: ingress({ a: { 'nginx.ingress.kubernetes.io/auth-url': AUTH_URL } }), count: 1, message: /forwards no auth response headers/, severity: 'medium', fix: /auth-response-headers: "authorization"/ },
    { name: 'other headers only', yaml: ingress({ a: { 'nginx.ingress.kubernetes.io/auth-url': AUTH_URL, 'nginx.ingress.kubernetes.io/auth-response-headers': 'X-Auth-Request-Email' } }), count: 1, message: /forwards X-Auth-Request-Email/, severity: 'low', fix: /"X-Auth-Request-Email,authorization"/ },
    { name: 'authorization among others, any case', yaml: ingress({ a: { 'nginx.ingress.kubernetes.io/auth-url': AUTH_URL, 'nginx.ingress.kubernetes.io/auth-response-headers': 'X-Auth-Request-User, Authorization' } }), count: 0 },
    { name: 'no auth-url: not this check', yaml: ingress({}), count: 0 },
  ],
  'auth-oauth2-proxy-no-authorization-header': [
    { name: 'no flag', yaml: oauth2Deployment('          args: [--provider=oidc]\n'), count: 1, message: /Deployment auth\/oauth2-proxy: container oauth2-proxy runs oauth2-proxy without --set-authorization-header/, fix: /- --set-authorization-header=true/ },
    { name: 'flag set', yaml: oauth2Deployment('          args: [--provider=oidc, --set-authorization-header=true]\n'), count: 0 },
    { name: 'bare flag', yaml: oauth2Deployment('          args: [--set-authorization-header]\n'), count: 0 },
    { name: 'flag off', yaml: oauth2Deployment('          args: [--set-authorization-header=false]\n'), count: 1, message: /turns --set-authorization-header off/ },
    { name: 'env var', yaml: oauth2Deployment('          env:\n            - name: OAUTH2_PROXY_SET_AUTHORIZATION_HEADER\n              value: "true"\n'), count: 0 },
    {
      name: 'config file with set_authorization_header',
      yaml:
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: oauth2-proxy\n  namespace: auth\ndata:\n  oauth2_proxy.cfg: |\n    email_domains = ["*"]\n    set_authorization_header = true\n---\n' +
        oauth2Deployment('          args: [--config=/etc/oauth2_proxy/oauth2_proxy.cfg]\n', '      volumes:\n        - name: config\n          configMap:\n            name: oauth2-proxy\n'),
      count: 0,
    },
    {
      name: 'config file without it',
      yaml:
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: oauth2-proxy\n  namespace: auth\ndata:\n  oauth2_proxy.cfg: |\n    email_domains = ["*"]\n---\n' +
        oauth2Deployment('          args: [--config=/etc/oauth2_proxy/oauth2_proxy.cfg]\n', '      volumes:\n        - name: config\n          configMap:\n            name: oauth2-proxy\n'),
      count: 1,
    },
    { name: 'not oauth2-proxy', yaml: svc('auth', 'dex', 'ghcr.io/dexidp/dex:v2.41.1'), count: 0 },
  ],
  'auth-snippet-annotation': [
    { name: 'configuration-snippet', yaml: ingress({ a: { 'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X: y";' } }), count: 1, message: /injects raw NGINX configuration through nginx\.ingress\.kubernetes\.io\/configuration-snippet/, severity: 'high' },
    { name: 'two snippets on one Ingress: one finding', yaml: ingress({ a: { 'nginx.ingress.kubernetes.io/server-snippet': 'x;', 'nginx.ingress.kubernetes.io/auth-snippet': 'y;' } }), count: 1, message: /server-snippet, nginx\.ingress\.kubernetes\.io\/auth-snippet/ },
    { name: 'allow-snippet-annotations "true" in the controller ConfigMap', yaml: nginxController('registry.k8s.io/ingress-nginx/controller:v1.11.3') + nginxConfigMap('  allow-snippet-annotations: "true"\n'), count: 1, message: /ConfigMap ingress-nginx\/ingress-nginx-controller sets allow-snippet-annotations "true"/ },
    { name: 'no snippets, snippets off', yaml: nginxConfigMap('  allow-snippet-annotations: "false"\n') + ingress({ a: AUTHED }), count: 0 },
  ],
  'auth-gateway-route-unauthenticated': [
    { name: 'route without SecurityPolicy', yaml: OAUTH2 + gateway(HTTPS()) + route(), count: 1, message: /HTTPRoute storefront\/web sends shop\.example\.com on Gateway edge\/public listener https to Service storefront\/storefront without authentication/, severity: 'high', fix: /kind: SecurityPolicy[\s\S]*name: oauth2-proxy\n {10}namespace: auth\n {10}port: 4180[\s\S]*kind: ReferenceGrant/ },
    { name: 'route with a SecurityPolicy', yaml: OAUTH2 + gateway(HTTPS()) + route() + securityPolicy('      kind: HTTPRoute\n      name: web'), count: 0 },
    { name: 'Gateway-wide SecurityPolicy', yaml: OAUTH2 + gateway(HTTPS()) + route() + securityPolicy('      kind: Gateway\n      name: public', 'edge'), count: 0 },
    {
      name: 'a more specific route bypasses the authenticated one',
      yaml: OAUTH2 + gateway(HTTPS()) + route() + route({ name: 'api', path: '/api' }) + securityPolicy('      kind: HTTPRoute\n      name: web'),
      count: 1,
      message: /HTTPRoute storefront\/api sends shop\.example\.com\/api .* takes these requests around the authentication of HTTPRoute storefront\/web/,
      fix: /Add the route to SecurityPolicy storefront\/sso[\s\S]*name: web\n[\s\S]*name: api/,
    },
    { name: 'public with a reason', yaml: gateway(HTTPS()) + route({ a: { 'meshless.dev/public': 'true', 'meshless.dev/public-reason': 'landing page' } }), count: 0 },
    { name: 'the oauth2-proxy sign-in route', yaml: OAUTH2 + gateway(HTTPS()) + route({ name: 'oauth2' }).replace(/name: storefront\n {10}port: 8080/, 'name: oauth2-proxy\n          namespace: auth\n          port: 4180') + securityPolicy('      kind: HTTPRoute\n      name: other'), count: 0 },
    { name: 'ingress-nginx only: not this check', yaml: ingress({}), count: 0 },
  ],
  'auth-traefik-no-forward-auth': [
    { name: 'IngressRoute without middlewares', yaml: ingressRoute(), count: 1, message: /IngressRoute storefront\/web exposes shop\.example\.com through Traefik without a forwardAuth Middleware/, fix: /kind: Middleware[\s\S]*forwardAuth:[\s\S]*- Authorization[\s\S]*middlewares:\n {8}- name: oauth2-proxy/ },
    { name: 'IngressRoute with forwardAuth', yaml: forwardAuth('    authResponseHeaders: [Authorization]\n') + ingressRoute({ middlewares: 'sso' }), count: 0 },
    { name: 'Traefik Ingress without router.middlewares; the fix reuses the Middleware', yaml: forwardAuth('    authResponseHeaders: [Authorization]\n') + ingress({ cls: 'traefik' }), count: 1, fix: /router\.middlewares: "storefront-sso@kubernetescrd"/ },
    { name: 'Traefik Ingress with router.middlewares', yaml: forwardAuth('    authResponseHeaders: [Authorization]\n') + ingress({ cls: 'traefik', a: { 'traefik.ingress.kubernetes.io/router.middlewares': 'storefront-sso@kubernetescrd' } }), count: 0 },
    { name: 'ingress-nginx Ingress: not this check', yaml: ingress({}), count: 0 },
  ],
  'auth-traefik-no-authorization-header': [
    { name: 'Authorization not passed', yaml: OAUTH2 + forwardAuth('    authResponseHeaders: [X-Auth-Request-Email]\n'), count: 1, message: /^Middleware storefront\/sso copies X-Auth-Request-Email from the authentication response to the request, but not Authorization:/, severity: 'medium', fix: /- X-Auth-Request-Email\n {6}- Authorization/ },
    { name: 'no authResponseHeaders at all', yaml: OAUTH2 + forwardAuth(''), count: 1, message: /copies no header from the authentication response to the request \(no authResponseHeaders\), so applications behind it do not get the user's JWT in Authorization$/ },
    { name: 'Authorization passed', yaml: forwardAuth('    authResponseHeaders: [authorization]\n'), count: 0 },
    { name: 'authResponseHeadersRegex matching it', yaml: forwardAuth('    authResponseHeadersRegex: ^(Authorization|X-Auth-.*)$\n'), count: 0 },
    { name: 'another auth server: lower severity', yaml: forwardAuth('    authResponseHeaders: [Remote-User]\n', 'http://authelia.auth.svc.cluster.local/api/authz/forward-auth'), count: 1, severity: 'low' },
  ],
  'auth-ingress-nginx-retired': [
    { name: 'controller Deployment', yaml: nginxController('registry.k8s.io/ingress-nginx/controller:v1.11.3@sha256:abc') + ingress({ a: AUTHED }), count: 1, message: /Deployment ingress-nginx\/ingress-nginx-controller runs the community ingress-nginx controller .* retired in March 2026 .* serves 1 Ingress \(storefront\/shop\)/, fix: /kind: HTTPRoute[\s\S]*hostnames:\n {4}- shop\.example\.com[\s\S]*SecurityPolicy/ },
    { name: 'only the IngressClass', yaml: ingressClass('nginx', 'k8s.io/ingress-nginx'), count: 1, message: /IngressClass nginx is served by the community ingress-nginx controller/ },
    { name: 'controller and IngressClass: one finding, on the controller', yaml: ingressClass('nginx', 'k8s.io/ingress-nginx') + nginxController('registry.k8s.io/ingress-nginx/controller:v1.12.0'), count: 1, message: /^Deployment/ },
    { name: "NGINX Inc's controller is not the retired one", yaml: ingressClass('nginx', 'nginx.org/ingress-controller') + nginxController('nginx/nginx-ingress:4.0.0'), count: 0 },
    { name: 'Gateway API only', yaml: gateway(HTTPS()), count: 0 },
    { name: 'only Ingresses of class nginx (the controller installed elsewhere)', yaml: ingress({ a: AUTHED }) + ingress({ name: 'api', path: '/api', a: AUTHED }), count: 1, message: /^Ingress class nginx is served by the community ingress-nginx controller \(installed outside the input\), retired in March 2026 .* serves 2 Ingresses \(storefront\/shop, storefront\/api\)/ },
  ],
  'auth-oauth2-proxy-vulnerable': [
    { name: 'v7.7.1 names both advisories', yaml: oauth2Vulnerable.examples.bad, count: 1, message: /GHSA-7x63-xv5r-3p2x.*GHSA-5hvv-m4w4-gf6v/, severity: 'high' },
    { name: 'v7.15.2 is fixed', yaml: oauth2Vulnerable.examples.good, count: 0 },
    { name: 'v7.15.3-alpine is fixed', yaml: oauth2Vulnerable.examples.good.replace('v7.15.2', 'v7.15.3-alpine'), count: 0 },
    { name: 'bitnami 7.6.0 tag is old', yaml: oauth2Vulnerable.examples.good.replace('quay.io/oauth2-proxy/oauth2-proxy:v7.15.2', 'bitnami/oauth2-proxy:7.6.0-debian-12-r3'), count: 1, severity: 'high' },
    { name: 'digest only: unknown, info', yaml: oauth2Vulnerable.examples.good.replace(':v7.15.2', '@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'), count: 1, message: /version is unknown \(the image is pinned by digest only\)/, severity: 'info' },
    { name: 'latest: unknown, info', yaml: oauth2Vulnerable.examples.good.replace(':v7.15.2', ':latest'), count: 1, message: /version is unknown/, severity: 'info' },
  ],
  'auth-oauth2-proxy-trusted-ip': [
    { name: '--trusted-ip', yaml: oauth2TrustedIp.examples.bad, count: 1, message: /10\.0\.0\.0\/8 through without authentication/, severity: 'high' },
    { name: 'env OAUTH2_PROXY_TRUSTED_IPS', yaml: oauth2TrustedIp.examples.good.replace('          ports:', '          env:\n            - name: OAUTH2_PROXY_TRUSTED_IPS\n              value: "192.168.0.0/16,10.1.0.0/16"\n          ports:'), count: 1, message: /192\.168\.0\.0\/16, 10\.1\.0\.0\/16/ },
    { name: 'none', yaml: oauth2TrustedIp.examples.good, count: 0 },
  ],
  'auth-oauth2-proxy-reverse-proxy-untrusted': [
    { name: '--reverse-proxy alone', yaml: oauth2ReverseProxy.examples.bad, count: 1, severity: 'medium', fix: /--trusted-proxy-ip=/ },
    { name: 'with --trusted-proxy-ip', yaml: oauth2ReverseProxy.examples.good, count: 0 },
    { name: '--reverse-proxy=false', yaml: oauth2ReverseProxy.examples.bad.replace('--reverse-proxy=true', '--reverse-proxy=false'), count: 0 },
  ],
  'auth-oauth2-proxy-skip-auth-route': [
    { name: 'two routes, no reason', yaml: oauth2SkipAuth.examples.bad, count: 1, message: /"GET=\^\/api\/health\$", "\^\/public\/"/ },
    { name: 'with a reason', yaml: oauth2SkipAuth.examples.good, count: 0 },
  ],
  'auth-oauth2-proxy-cookie-secret-literal': [
    { name: 'env value', yaml: oauth2CookieSecret.examples.bad, count: 1, severity: 'high' },
    { name: 'flag', yaml: oauth2CookieSecret.examples.good.replace('            - --upstream=static://202', '            - --upstream=static://202\n            - --cookie-secret=b3IxZ2FWdHlOYmZsNWRQMmJ6c0xQdz09'), count: 1, message: /--cookie-secret flag/ },
    { name: 'secretKeyRef', yaml: oauth2CookieSecret.examples.good, count: 0 },
  ],
  'auth-gateway-bypass': [
    { name: 'an unisolated authenticated app', yaml: gatewayBypass.examples.bad, count: 1, message: /admin\.example\.com .* on 8080\/TCP, but \d+ other sources reach that port without the edge: .*team-green\/deployment\/reporting/, fix: /name: admin-only-from-edge/ },
    { name: 'only the edge admitted', yaml: gatewayBypass.examples.good, count: 0 },
  ],
  'auth-public-without-reason': [
    { name: 'marked without reason', yaml: ingress({ a: { 'meshless.dev/public': 'true' } }), count: 1, message: /Ingress storefront\/shop is marked meshless\.dev\/public but gives no meshless\.dev\/public-reason/ },
    { name: 'empty reason', yaml: route({ a: { 'meshless.dev/public': 'true', 'meshless.dev/public-reason': ' ' } }), count: 1 },
    { name: 'with a reason', yaml: ingress({ a: { 'meshless.dev/public': 'true', 'meshless.dev/public-reason': 'docs' } }), count: 0 },
    { name: 'public "false"', yaml: ingress({ a: { 'meshless.dev/public': 'false' } }), count: 0 },
  ],
  'tls-host-without-tls': [
    { name: 'ingress-nginx host without tls', yaml: clusterIssuer() + ingress({ a: AUTHED }), count: 1, message: /Ingress storefront\/shop serves shop\.example\.com over plain HTTP/, severity: 'high', fix: /cert-manager\.io\/cluster-issuer: letsencrypt-prod[\s\S]*secretName: shop-example-com-tls/ },
    { name: 'without an issuer in the input the fix creates one', yaml: ingress({}), count: 1, fix: /kind: ClusterIssuer[\s\S]*acme-v02\.api\.letsencrypt\.org/ },
    { name: 'with tls', yaml: ingress({ tls: 'shop.example.com' }), count: 0 },
    { name: 'tls on another Ingress for the same host', yaml: ingress({ tls: 'shop.example.com' }) + ingress({ name: 'api', path: '/api' }), count: 0 },
    { name: 'internal host', yaml: ingress({ host: 'grafana.cluster.local' }), count: 1, severity: 'medium' },
    { name: 'Gateway route on a plain HTTP listener only', yaml: gateway(HTTP) + route(), count: 1, message: /HTTPRoute storefront\/web serves shop\.example\.com over plain HTTP/, fix: /protocol: HTTPS[\s\S]*hostname: shop\.example\.com/ },
    { name: 'IngressRoute without tls', yaml: ingressRoute(), count: 1, fix: /kind: Certificate/ },
    { name: 'IngressRoute with tls', yaml: ingressRoute({ tls: '  tls:\n    certResolver: le\n' }), count: 0 },
    { name: 'an unknown controller (TLS may end at its load balancer)', yaml: ingress({ cls: 'alb' }), count: 0 },
  ],
  'tls-no-certificate-source': [
    { name: 'Secret not in the input, nothing issues it', yaml: clusterIssuer() + ingress({ tls: 'shop.example.com' }), count: 1, message: /TLS Secret storefront\/shop-tls is not in the input and nothing issues it/, fix: /cert-manager\.io\/cluster-issuer: letsencrypt-prod/ },
    { name: 'cluster-issuer annotation', yaml: ingress({ tls: 'shop.example.com', a: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' } }), count: 0 },
    { name: 'the Secret is in the input', yaml: 'apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: shop-tls\n  namespace: storefront\n---\n' + ingress({ tls: 'shop.example.com' }), count: 0 },
    { name: 'a Certificate writes it', yaml: 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: shop\n  namespace: storefront\nspec:\n  secretName: shop-tls\n  issuerRef:\n    kind: ClusterIssuer\n    name: letsencrypt-prod\n---\n' + ingress({ tls: 'shop.example.com' }), count: 0 },
    { name: 'an ExternalSecret produces it', yaml: 'apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: shop-cert\n  namespace: storefront\nspec:\n  target:\n    name: shop-tls\n---\n' + ingress({ tls: 'shop.example.com' }), count: 0 },
    { name: 'tls without secretName', yaml: ingress({ tls: { hosts: 'shop.example.com' } }), count: 1, message: /names no secretName, so the controller serves its self-signed default certificate/ },
    { name: 'Gateway listener Secret not in the input', yaml: gateway(HTTPS()), count: 1, message: /Gateway edge\/public: listener https uses Secret edge\/shop-example-com-tls, which is not in the input/ },
    { name: 'Gateway with a cluster-issuer annotation', yaml: gateway(HTTPS(), { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }), count: 0 },
    { name: 'IngressRoute tls without secretName or certResolver', yaml: ingressRoute({ tls: '  tls: {}\n' }), count: 1, message: /Traefik serves its self-signed default certificate/ },
    { name: 'IngressRoute with a certResolver', yaml: ingressRoute({ tls: '  tls:\n    certResolver: le\n' }), count: 0 },
  ],
  'tls-issuer-missing': [
    { name: 'cluster-issuer typo', yaml: clusterIssuer() + ingress({ tls: 'shop.example.com', a: { 'cert-manager.io/cluster-issuer': 'letsencrypt-production' } }), count: 1, message: /asks cert-manager for ClusterIssuer letsencrypt-production, which is not in the input \(available: ClusterIssuer letsencrypt-prod\)/, fix: /cluster-issuer: letsencrypt-prod/ },
    { name: 'issuer exists', yaml: clusterIssuer() + ingress({ tls: 'shop.example.com', a: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' } }), count: 0 },
    { name: 'no issuers in the input at all: out of scope', yaml: ingress({ tls: 'shop.example.com', a: { 'cert-manager.io/cluster-issuer': 'letsencrypt-production' } }), count: 0 },
    { name: 'issuer annotation naming a ClusterIssuer', yaml: clusterIssuer() + ingress({ tls: 'shop.example.com', a: { 'cert-manager.io/issuer': 'letsencrypt-prod' } }), count: 1, message: /Issuer letsencrypt-prod in namespace storefront/, fix: /letsencrypt-prod is a ClusterIssuer[\s\S]*cert-manager\.io\/cluster-issuer: letsencrypt-prod/ },
    { name: 'Gateway annotation', yaml: clusterIssuer() + gateway(HTTPS(), { 'cert-manager.io/cluster-issuer': 'le-prod' }), count: 1, message: /^Gateway edge\/public asks cert-manager for ClusterIssuer le-prod/ },
    { name: 'Certificate for an edge Secret', yaml: clusterIssuer() + 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: shop\n  namespace: storefront\nspec:\n  secretName: shop-tls\n  issuerRef:\n    kind: ClusterIssuer\n    name: letsencrypt\n---\n' + ingress({ tls: 'shop.example.com' }), count: 1, message: /^Certificate storefront\/shop asks cert-manager for ClusterIssuer letsencrypt/ },
    { name: 'external issuer group is not judged', yaml: clusterIssuer() + ingress({ tls: 'shop.example.com', a: { 'cert-manager.io/issuer': 'pca', 'cert-manager.io/issuer-kind': 'AWSPCAClusterIssuer', 'cert-manager.io/issuer-group': 'awspca.cert-manager.io' } }), count: 0 },
  ],
  'tls-acme-staging': [
    { name: 'staging issuer in use', yaml: clusterIssuer('letsencrypt', 'https://acme-staging-v02.api.letsencrypt.org/directory') + ingress({ tls: 'shop.example.com', a: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } }), count: 1, message: /ClusterIssuer letsencrypt uses the ACME staging server .* it issues for Ingress storefront\/shop/, severity: 'high', fix: /server: https:\/\/acme-v02\.api\.letsencrypt\.org\/directory/ },
    { name: 'staging issuer unused', yaml: clusterIssuer('letsencrypt-staging', 'https://acme-staging-v02.api.letsencrypt.org/directory'), count: 1, severity: 'low', message: /nothing in the input uses it yet/ },
    { name: 'production issuer', yaml: clusterIssuer() + ingress({ tls: 'shop.example.com', a: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' } }), count: 0 },
  ],
  'tls-ssl-redirect-disabled': [
    { name: 'ssl-redirect "false" with TLS', yaml: ingress({ tls: 'shop.example.com', a: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' } }), count: 1, message: /sets nginx\.ingress\.kubernetes\.io\/ssl-redirect "false"/ },
    { name: 'force-ssl-redirect wins', yaml: ingress({ tls: 'shop.example.com', a: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false', 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' } }), count: 0 },
    { name: 'no TLS: tls-host-without-tls says it', yaml: ingress({ a: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' } }), count: 0 },
    { name: 'ConfigMap turns it off for all', yaml: nginxController('registry.k8s.io/ingress-nginx/controller:v1.11.3') + nginxConfigMap('  ssl-redirect: "false"\n') + ingress({ tls: 'shop.example.com' }), count: 1, message: /ConfigMap ingress-nginx\/ingress-nginx-controller sets ssl-redirect "false" for the whole controller: storefront\/shop/ },
    { name: 'ConfigMap off, the Ingress turns it back on', yaml: nginxConfigMap('  ssl-redirect: "false"\n') + ingress({ tls: 'shop.example.com', a: { 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' } }), count: 0 },
  ],
  'auth-direct-exposure': [
    { name: 'LoadBalancer Service straight to redis', yaml: authDirectExposure.examples.bad, count: 1, severity: 'high', message: /Service shop\/redis takes connections from outside through a cloud load balancer \(6379\/TCP\)/, fix: /type: ClusterIP/ },
    { name: 'ClusterIP', yaml: authDirectExposure.examples.good, count: 0 },
  ],
  'tls-direct-exposure-plain': [
    { name: 'NodePort Service straight to grafana', yaml: tlsDirectExposurePlain.examples.bad, count: 1, severity: 'high', message: /Service monitoring\/grafana carries plain TCP\/HTTP from outside through a node port on every node/ },
    { name: 'ClusterIP', yaml: tlsDirectExposurePlain.examples.good, count: 0 },
  ],
  'tls-gateway-http-without-redirect': [
    { name: 'route on both listeners', yaml: gateway(HTTP + HTTPS()) + route(), count: 1, message: /HTTPRoute storefront\/web serves shop\.example\.com over plain HTTP on Gateway edge\/public listener http \(port 80\) instead of redirecting to https/, fix: /sectionName: https[\s\S]*sectionName: http[\s\S]*RequestRedirect/ },
    { name: 'route on the HTTPS listener, redirect on HTTP', yaml: gateway(HTTP + HTTPS()) + route({ section: 'https' }) + redirectRoute, count: 0 },
    { name: 'a more specific path wins over the catch-all redirect', yaml: gateway(HTTP + HTTPS()) + route({ section: 'https' }) + route({ name: 'api', section: 'http', path: '/api' }) + redirectRoute, count: 1, message: /more specific than the redirect in HTTPRoute edge\/http-to-https/ },
    { name: 'a host without any TLS is tls-host-without-tls', yaml: gateway(HTTP) + route(), count: 0 },
  ],
};

test('every edge check has rows, and every row names a check', () => {
  assert.deepEqual(Object.keys(rows).sort(), edgeChecks.map((c) => c.id).sort());
});

for (const [id, list] of Object.entries(rows)) {
  for (const row of list) {
    test(`${id}: ${row.name}`, () => {
      const check = checkById(id);
      const found = run(id, row.yaml);
      assert.equal(found.length, row.count, `findings: ${found.map((f) => f.message).join(' | ')}`);
      for (const f of found) {
        if (row.message) assert.match(f.message, row.message);
        if (row.fix) assert.match(f.fix, row.fix);
        if (row.severity) assert.equal(f.severity ?? check.severity, row.severity);
        assert.ok(!f.message.includes('\n'), 'a message is one line');
        assert.ok(f.fix.trim().length > 0, 'every finding carries a fix');
      }
    });
  }
}

test('every edge check: ids are kebab-case with the control prefix, examples behave', () => {
  const ids = new Set<string>();
  for (const c of edgeChecks) {
    assert.match(c.id, /^(auth|tls)-[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.equal(c.id.startsWith('auth-') ? 'authentication' : 'ingress-encryption', c.control, c.id);
    assert.ok(!ids.has(c.id), `duplicate id ${c.id}`);
    ids.add(c.id);
    assert.ok(c.run(ctxOf(inventoryFromText(c.examples.bad, 'bad.yaml'))).length >= 1, `${c.id}: examples.bad finds nothing`);
    assert.deepEqual(c.run(ctxOf(inventoryFromText(c.examples.good, 'good.yaml'))).map((f) => f.message), [], `${c.id}: examples.good`);
  }
});

test('a correctly authenticated Traefik or Gateway API setup audits clean', () => {
  const oauth2 = OAUTH2 + oauth2Deployment('          args: [--set-authorization-header=true]\n');
  const traefik = oauth2 + clusterIssuer() + forwardAuth('    authResponseHeaders: [Authorization]\n') + ingressRoute({ middlewares: 'sso', tls: '  tls:\n    certResolver: le\n' });
  const gatewayApi = oauth2 + gateway(HTTP + HTTPS(), { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }) + clusterIssuer() + redirectRoute + route({ section: 'https' }) + securityPolicy('      kind: HTTPRoute\n      name: web');
  for (const yaml of [traefik, gatewayApi]) {
    const ctx = ctxOf(inventoryFromText(yaml, 'clean.yaml'));
    const findings = edgeChecks.flatMap((c) => c.run(ctx).map((f) => `${c.id}: ${f.message}`));
    assert.deepEqual(findings, []);
  }
});

test('examples/shop: exactly the deliberate edge gaps, with file and line', async () => {
  const read = await readInputs(['examples/shop']);
  assert.deepEqual(read.diagnostics.filter((d) => d.severity === 'error'), []);
  const inv = inventoryFromTexts(read.inputs);
  /** The line of the first line in `file` that reads `text` (after `after`, when given). */
  const lineOf = (file: string, text: string, after = ''): number => {
    const lines = read.inputs.find((i) => i.file.endsWith(file))!.text.split('\n');
    const from = after ? lines.findIndex((l) => l.includes(after)) : 0;
    const i = lines.findIndex((l, n) => n >= from && l.trim() === text);
    assert.ok(i >= 0, `${file}: ${text}`);
    return i + 1;
  };
  const result = runAudit(inv, analyze(inv), { config: DEFAULT_CONFIG, checks: edgeChecks });
  assert.deepEqual(result.errors, []);
  const got = result.findings.map((f) => `${f.check} ${f.object.kind} ${f.object.namespace ?? ''}/${f.object.name} ${f.object.file ?? ''}:${f.object.line ?? 0}`).sort();
  assert.deepEqual(got, [
    // Gap 7: /api on shop.example.com is more specific than the authenticated `shop` route and no SecurityPolicy covers it.
    `auth-gateway-route-unauthenticated HTTPRoute storefront/storefront-api examples/shop/edge-gateway.yaml:${lineOf('edge-gateway.yaml', '- shop.example.com', 'name: storefront-api')}`,
    // Gap 4: the backoffice admin UI on ingress-nginx has neither auth-url nor TLS.
    `auth-ingress-nginx-no-auth-url Ingress backoffice/admin examples/shop/backoffice.yaml:${lineOf('backoffice.yaml', '- host: admin.shop.example.com')}`,
    // The legacy edge runs the community controller, retired in March 2026.
    `auth-ingress-nginx-retired Deployment ingress-nginx/ingress-nginx-controller examples/shop/edge-ingress-nginx.yaml:${lineOf('edge-ingress-nginx.yaml', 'image: registry.k8s.io/ingress-nginx/controller:v1.11.3')}`,
    `tls-host-without-tls Ingress backoffice/admin examples/shop/backoffice.yaml:${lineOf('backoffice.yaml', '- host: admin.shop.example.com')}`,
  ]);
  // The correctly configured parts: the `shop` route behind the SecurityPolicy, the oauth2-proxy sign-in route, the mobile Ingress.
  const flagged = new Set(result.findings.map((f) => `${f.object.namespace ?? ''}/${f.object.name}`));
  for (const ok of ['storefront/shop', 'auth/oauth2-proxy', 'storefront/storefront-mobile', 'envoy-gateway-system/shop-public', 'envoy-gateway-system/http-to-https']) assert.ok(!flagged.has(ok), ok);
  const gap7 = result.findings.find((f) => f.check === 'auth-gateway-route-unauthenticated')!;
  assert.match(gap7.message, /around the authentication of HTTPRoute storefront\/shop/);
  assert.deepEqual(gap7.requirements, ['PCI-DSS 8.3.1', 'GDPR Art. 32']);
  const tls = result.findings.find((f) => f.check === 'tls-host-without-tls')!;
  assert.deepEqual(tls.requirements, ['PCI-DSS 4.2.1', 'GDPR Art. 32']);
  assert.match(tls.fix, /cert-manager\.io\/cluster-issuer: letsencrypt-prod/);
  // Every workload the edge exposes is accounted for: storefront is exposed without authentication through gap 7.
  const storefront = result.workloads.find((w) => w.id === 'storefront/deployment/storefront');
  assert.ok(storefront);
  assert.equal(storefront.exposed, true);
  assert.equal(storefront.authenticated, false);
});

// ---------------------------------------------------------------------------
// Ways in with no edge: Services of type LoadBalancer / NodePort, host ports

const directApp = (type: string, opts: { image?: string; portName?: string; port?: number; annotations?: string } = {}): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: shop
spec:
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      containers:
        - name: app
          image: ${opts.image ?? 'example/app:1'}
---
apiVersion: v1
kind: Service
metadata:
  name: app
  namespace: shop
${opts.annotations ?? ''}spec:
  type: ${type}
  selector:
    app: app
  ports:
    - name: ${opts.portName ?? 'http'}
      port: ${opts.port ?? 8080}
`;

test('auth-direct-exposure / tls-direct-exposure-plain: a LoadBalancer Service straight to an app', () => {
  const auth = run('auth-direct-exposure', directApp('LoadBalancer'));
  assert.equal(auth.length, 1);
  assert.match(auth[0]!.message, /Service shop\/app takes connections from outside through a cloud load balancer \(8080\/TCP\) straight to shop\/deployment\/app/);
  const tls = run('tls-direct-exposure-plain', directApp('NodePort'));
  assert.equal(tls.length, 1);
  assert.match(tls[0]!.message, /plain TCP\/HTTP .* node port/);
});

test('direct exposure: a TLS port is not plain, a public reason is an exception, an edge proxy behind the load balancer is the edge', () => {
  assert.equal(run('tls-direct-exposure-plain', directApp('LoadBalancer', { portName: 'https', port: 443 })).length, 0);
  assert.equal(run('auth-direct-exposure', directApp('LoadBalancer', { annotations: '  annotations:\n    meshless.dev/public: "true"\n    meshless.dev/public-reason: "the public game server"\n' })).length, 0);
  const nginx = directApp('LoadBalancer', { image: 'registry.k8s.io/ingress-nginx/controller:v1.11.3' });
  assert.equal(run('auth-direct-exposure', nginx).length, 0);
  assert.equal(run('tls-direct-exposure-plain', nginx).length, 0);
});

test('direct exposure: the workload is exposed and the authentication and edge-TLS controls judge it', () => {
  const inv = inventoryFromText(directApp('LoadBalancer'), 'input.yaml');
  const result = runAudit(inv, analyze(inv), { config: DEFAULT_CONFIG, checks: edgeChecks });
  const row = result.workloads.find((w) => w.id === 'shop/deployment/app');
  assert.equal(row?.exposed, true);
  assert.equal(row.authenticated, false);
  assert.equal(row.tls, false);
  assert.equal(result.controls.authentication.status, 'fail');
  assert.equal(result.controls['ingress-encryption'].status, 'fail');
  assert.deepEqual(result.entryPoints.map((e) => e.via), ['service-loadbalancer']);
});

test('direct exposure: a hostPort DaemonSet', () => {
  const yaml = `apiVersion: apps/v1
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
      containers:
        - name: agent
          image: example/agent:1
          ports:
            - containerPort: 9100
              hostPort: 9100
`;
  const f = run('auth-direct-exposure', yaml);
  assert.equal(f.length, 1);
  assert.match(f[0]!.message, /DaemonSet monitoring\/agent .* a port on the node \(host port 9100\/TCP\)/);
});
