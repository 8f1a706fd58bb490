import { defineCheck, type FindingDraft } from './types.js';
import { authProxyHint, describe, entryDetail, entryPointsByRoute, hostAndPath, INGRESS_NGINX, isPublicHost, joinList, nginxAuthAnnotations, publicMarking, unique } from '../exposure/index.js';
import { ingressNginxAuthAnnotations } from '../generate/edge-ingress-nginx.js';
import { annotationsPatch, patched } from './fix-objects.js';

const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  namespace: backoffice
spec:
  ingressClassName: nginx
  tls:
    - hosts: [admin.example.com]
      secretName: admin-example-com-tls
  rules:
    - host: admin.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: admin
                port:
                  number: 8080
`;

const good = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  namespace: backoffice
  annotations:
    nginx.ingress.kubernetes.io/auth-url: "http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth"
    nginx.ingress.kubernetes.io/auth-signin: "https://auth.example.com/oauth2/start?rd=https://$host$escaped_request_uri"
    nginx.ingress.kubernetes.io/auth-response-headers: "authorization"
spec:
  ingressClassName: nginx
  tls:
    - hosts: [admin.example.com]
      secretName: admin-example-com-tls
  rules:
    - host: admin.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: admin
                port:
                  number: 8080
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: status-page
  namespace: status
  annotations:
    meshless.dev/public: "true"
    meshless.dev/public-reason: "The public status page: customers read it when they cannot sign in."
spec:
  ingressClassName: nginx
  rules:
    - host: status.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: status-page
                port:
                  number: 80
`;

export default defineCheck({
  id: 'auth-ingress-nginx-no-auth-url',
  control: 'authentication',
  title: 'ingress-nginx Ingress without authentication at the edge',
  severity: 'high',
  policyReads: 'none',
  admission: 'deny',
  rationale:
    'An Ingress served by ingress-nginx without nginx.ingress.kubernetes.io/auth-url lets anyone who can reach the load balancer talk to the application: ' +
    'no sign-in, no identity handed to the app. With auth-url pointing at oauth2-proxy the controller asks oauth2-proxy about every request and only ' +
    'lets authenticated users through, which is the authentication people otherwise adopt a service mesh for. An Ingress that is public on purpose ' +
    'says so with meshless.dev/public: "true" and a meshless.dev/public-reason, so the exception can be reviewed.',
  fixSummary: 'Add the auth-url, auth-signin and auth-response-headers annotations pointing at oauth2-proxy, or mark the Ingress public with a reason.',
  requirements: ['PCI-DSS 8.3.1', 'GDPR Art. 32'],
  examples: { bad, good },
  evidence: ['Ingress'],
  run(ctx) {
    const out: FindingDraft[] = [];
    const byRoute = entryPointsByRoute(ctx, (ep) => ep.via === INGRESS_NGINX && !ep.authenticated && ep.publicReason === undefined);
    for (const [route, eps] of byRoute) {
      const where = joinList(unique(eps.map(hostAndPath)));
      const services = joinList(unique(eps.map((e) => `${e.service.namespace}/${e.service.name}`)));
      const marked = publicMarking(route).marked;
      const anyPublic = eps.some((e) => isPublicHost(e.host));
      out.push({
        object: route,
        path: entryDetail(ctx, eps[0]!)?.path ?? 'metadata',
        message: `${describe(route)} exposes ${where} through ingress-nginx without nginx.ingress.kubernetes.io/auth-url: anyone who reaches the edge reaches Service ${services}${marked ? ' (marked meshless.dev/public but without a meshless.dev/public-reason)' : ''}`,
        fix:
          `Put oauth2-proxy in front of it; add to ${describe(route)}:\n${nginxAuthAnnotations(ctx.inventory)}\n` +
          `Or, if it is public on purpose, say why:\nmetadata:\n  annotations:\n    meshless.dev/public: "true"\n    meshless.dev/public-reason: "<why anyone on the internet may use it>"`,
        fixObjects: [patched(route, annotationsPatch(ingressNginxAuthAnnotations(authProxyHint(ctx.inventory))))],
        ...(anyPublic ? {} : { severity: 'medium' as const }),
      });
    }
    return out;
  },
});
