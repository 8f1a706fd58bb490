import { defineCheck, type FindingDraft } from './types.js';
import { annotation, annotationPath, describe, NGINX, ofKind, q, str } from '../exposure/index.js';
import { annotationsPatch, patched } from './fix-objects.js';

const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: storefront
  annotations:
    nginx.ingress.kubernetes.io/auth-url: "http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth"
    nginx.ingress.kubernetes.io/auth-signin: "https://auth.example.com/oauth2/start?rd=https://$host$escaped_request_uri"
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: storefront
                port:
                  number: 8080
`;

const good = bad.replace(
  '    nginx.ingress.kubernetes.io/auth-signin',
  '    nginx.ingress.kubernetes.io/auth-response-headers: "authorization"\n    nginx.ingress.kubernetes.io/auth-signin',
);

export default defineCheck({
  id: 'auth-response-headers-no-authorization',
  control: 'authentication',
  title: 'ingress-nginx does not forward the Authorization header from oauth2-proxy',
  severity: 'medium',
  policyReads: 'none',
  rationale:
    'oauth2-proxy answers the auth subrequest with an `Authorization: Bearer <JWT>` header (with --set-authorization-header), but ingress-nginx ' +
    'passes it on to the application only when nginx.ingress.kubernetes.io/auth-response-headers lists it. Without it the application gets no ' +
    'claims: it cannot tell users apart, so teams either skip access control inside the app or build their own login.',
  fixSummary: 'Add authorization to nginx.ingress.kubernetes.io/auth-response-headers.',
  examples: { bad, good },
  evidence: ['Ingress'],
  run(ctx) {
    const out: FindingDraft[] = [];
    for (const ing of ofKind(ctx.inventory, 'Ingress')) {
      if (!str(annotation(ing, `${NGINX}auth-url`))) continue;
      const raw = annotation(ing, `${NGINX}auth-response-headers`) ?? '';
      const headers = raw
        .split(',')
        .map((h) => h.trim())
        .filter((h) => h !== '');
      if (headers.some((h) => h.toLowerCase() === 'authorization')) continue;
      const fixed = [...headers, 'authorization'].join(',');
      out.push({
        object: ing,
        path: annotationPath(`${NGINX}auth-${headers.length > 0 ? 'response-headers' : 'url'}`),
        message:
          headers.length > 0
            ? `${describe(ing)} forwards ${headers.join(', ')} from the auth response but not Authorization: the application does not get the JWT`
            : `${describe(ing)} authenticates with auth-url but forwards no auth response headers: the application does not get the JWT (nginx.ingress.kubernetes.io/auth-response-headers is missing)`,
        fix: `metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/auth-response-headers: ${q(fixed)}`,
        fixObjects: [patched(ing, annotationsPatch({ [`${NGINX}auth-response-headers`]: fixed }))],
        // The app gets identity through other headers: it may not need the JWT.
        ...(headers.length > 0 ? { severity: 'low' as const } : {}),
      });
    }
    return out;
  },
});
