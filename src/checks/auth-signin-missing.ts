import { defineCheck, type FindingDraft } from './types.js';
import { annotation, annotationPath, authProxyHint, describe, NGINX, ofKind, q, str } from '../exposure/index.js';
import { annotationsPatch, patched } from './fix-objects.js';

const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  namespace: backoffice
  annotations:
    nginx.ingress.kubernetes.io/auth-url: "http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth"
    nginx.ingress.kubernetes.io/auth-response-headers: "authorization"
spec:
  ingressClassName: nginx
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

const good = bad.replace(
  '    nginx.ingress.kubernetes.io/auth-response-headers',
  '    nginx.ingress.kubernetes.io/auth-signin: "https://auth.example.com/oauth2/start?rd=https://$host$escaped_request_uri"\n    nginx.ingress.kubernetes.io/auth-response-headers',
);

export default defineCheck({
  id: 'auth-signin-missing',
  control: 'authentication',
  title: 'ingress-nginx auth-url without auth-signin',
  severity: 'low',
  policyReads: 'none',
  rationale:
    'With auth-url but no nginx.ingress.kubernetes.io/auth-signin, a user who is not signed in gets a bare 401 instead of being sent to the ' +
    'sign-in page. Access stays protected, but people work around a login that seems broken (shared links with tokens, asking for the route to be made public).',
  fixSummary: 'Add nginx.ingress.kubernetes.io/auth-signin pointing at oauth2-proxy\'s /oauth2/start with the return address.',
  examples: { bad, good },
  evidence: ['Ingress'],
  run(ctx) {
    const out: FindingDraft[] = [];
    for (const ing of ofKind(ctx.inventory, 'Ingress')) {
      if (!str(annotation(ing, `${NGINX}auth-url`)) || str(annotation(ing, `${NGINX}auth-signin`))) continue;
      out.push({
        object: ing,
        path: annotationPath(`${NGINX}auth-url`),
        message: `${describe(ing)} authenticates with auth-url but has no nginx.ingress.kubernetes.io/auth-signin: users who are not signed in get a 401 instead of the sign-in page`,
        fix: `metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/auth-signin: ${q(authProxyHint(ctx.inventory).signinUrl)}`,
        fixObjects: [patched(ing, annotationsPatch({ [`${NGINX}auth-signin`]: authProxyHint(ctx.inventory).signinUrl }))],
      });
    }
    return out;
  },
});
