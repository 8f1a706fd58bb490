import { defineCheck, type FindingDraft } from './types.js';
import { annotation, describe, PUBLIC_REASON_ANNOTATION } from '../exposure/index.js';
import { oauth2ProxyContainers } from './oauth2-proxy.js';

const deployment = (annotations: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: oauth2-proxy
  namespace: auth
${annotations}spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: oauth2-proxy
  template:
    metadata:
      labels:
        app.kubernetes.io/name: oauth2-proxy
    spec:
      containers:
        - name: oauth2-proxy
          image: quay.io/oauth2-proxy/oauth2-proxy:v7.15.2
          args:
            - --provider=oidc
            - --upstream=http://grafana.monitoring.svc.cluster.local:3000
            - --skip-auth-route=GET=^/api/health$
            - --skip-auth-route=^/public/
          ports:
            - name: http
              containerPort: 4180
`;

const bad = deployment('');
const good = deployment('  annotations:\n    meshless.dev/public-reason: "load balancer health checks and the public dashboards, reviewed 2026-05"\n');

export default defineCheck({
  id: 'auth-oauth2-proxy-skip-auth-route',
  control: 'authentication',
  title: 'oauth2-proxy routes that skip authentication, without a reason',
  severity: 'medium',
  policyReads: 'none',
  rationale:
    'Every --skip-auth-route (config skip_auth_routes) and legacy --skip-auth-regex is a public route: oauth2-proxy lets it through without ' +
    'a sign-in. A regular expression that matches more than intended (an unanchored ^/public, a forgotten method) opens the application, and ' +
    'before 7.15.2 a forged X-Forwarded-Uri could make any request match one (GHSA-7x63-xv5r-3p2x). Like a public route at the edge, each needs a ' +
    'stated reason that a reviewer can check.',
  fixSummary: 'Anchor each skip-auth route to the exact path (and method), and record why they are public with meshless.dev/public-reason on the workload.',
  requirements: ['PCI-DSS 8.3.1'],
  examples: { bad, good },
  run(ctx) {
    const out: FindingDraft[] = [];
    for (const p of oauth2ProxyContainers(ctx.inventory)) {
      if ((annotation(p.workload, PUBLIC_REASON_ANNOTATION) ?? '').trim() !== '') continue;
      for (const flag of ['skip-auth-route', 'skip-auth-regex']) {
        const s = p.option(flag);
        if (!s || s.values.length === 0) continue;
        out.push({
          object: s.object,
          path: s.path,
          message: `${describe(p.workload)} lets ${s.values.map((v) => `"${v}"`).join(', ')} through without authentication (--${flag}) and gives no reason`,
          fix:
            `Anchor each expression (^/exact/path$, with the method: GET=^/healthz$), then say why they are public:\n` +
            `metadata:\n  annotations:\n    ${PUBLIC_REASON_ANNOTATION}: "<why ${s.values.join(', ')} need no sign-in, and who reviewed it>"`,
        });
      }
    }
    return out;
  },
});
