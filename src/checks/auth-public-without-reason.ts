import { defineCheck, type FindingDraft } from './types.js';
import { annotationPath, describe, PUBLIC_ANNOTATION, publicMarking } from '../exposure/index.js';

const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: docs
  namespace: docs
  annotations:
    meshless.dev/public: "true"
spec:
  ingressClassName: nginx
  rules:
    - host: docs.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: docs
                port:
                  number: 80
`;

const good = bad.replace('    meshless.dev/public: "true"\n', '    meshless.dev/public: "true"\n    meshless.dev/public-reason: "Product documentation, published for everyone."\n');

export default defineCheck({
  id: 'auth-public-without-reason',
  control: 'authentication',
  title: 'Route marked public without a reason',
  severity: 'low',
  policyReads: 'none',
  rationale:
    'meshless.dev/public: "true" declares that a route is meant to be reachable without authentication. The exception only holds with ' +
    'meshless.dev/public-reason saying why, so that a reviewer (or an auditor) can tell a deliberate public page from a forgotten auth-url; ' +
    'without it the authentication checks still report the route.',
  fixSummary: 'Add meshless.dev/public-reason with one sentence on why anyone may use the route.',
  examples: { bad, good },
  run(ctx) {
    const out: FindingDraft[] = [];
    for (const o of ctx.inventory.objects) {
      const m = publicMarking(o);
      if (!m.marked || m.reason !== undefined) continue;
      out.push({
        object: o,
        path: annotationPath(PUBLIC_ANNOTATION),
        message: `${describe(o)} is marked meshless.dev/public but gives no meshless.dev/public-reason`,
        fix: 'metadata:\n  annotations:\n    meshless.dev/public: "true"\n    meshless.dev/public-reason: "<why anyone on the internet may use it, e.g. the public status page>"',
      });
    }
    return out;
  },
});
