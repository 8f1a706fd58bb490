import { defineCheck, type FindingDraft } from './types.js';
import { describe } from '../exposure/index.js';
import { oauth2ProxyContainers, oauth2ProxyImageVersion, versionBefore } from './oauth2-proxy.js';

/** The first release with the fixes for both critical authentication bypasses (April 2026). */
export const FIXED_VERSION = [7, 15, 2] as const;
export const ADVISORIES = [
  'GHSA-7x63-xv5r-3p2x (CVE-2026-40575: with --reverse-proxy and skip-auth routes, a spoofed X-Forwarded-Uri skips authentication)',
  'GHSA-5hvv-m4w4-gf6v (CVE-2026-34457: with auth_request-style use and --ping-user-agent or --gcp-healthchecks, the health-check User-Agent skips authentication on any path)',
] as const;

const deployment = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: oauth2-proxy
  namespace: auth
spec:
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
          image: ${image}
          args:
            - --provider=oidc
            - --upstream=static://202
            - --reverse-proxy=true
            - --trusted-proxy-ip=10.0.0.0/8
          ports:
            - name: http
              containerPort: 4180
`;

const bad = deployment('quay.io/oauth2-proxy/oauth2-proxy:v7.7.1');
const good = deployment('quay.io/oauth2-proxy/oauth2-proxy:v7.15.2');

export default defineCheck({
  id: 'auth-oauth2-proxy-vulnerable',
  control: 'authentication',
  title: 'oauth2-proxy older than 7.15.2 (authentication bypasses)',
  severity: 'high',
  policyReads: 'none',
  rationale:
    'oauth2-proxy 7.15.2 (April 2026) fixes two critical authentication bypasses: GHSA-7x63-xv5r-3p2x, where a client-supplied X-Forwarded-Uri ' +
    'makes oauth2-proxy judge a skip-auth route instead of the path really requested, and GHSA-5hvv-m4w4-gf6v, where a request carrying the ' +
    'health-check User-Agent is answered as authenticated on any path when ingress-nginx or another auth_request-style edge asks. Every older ' +
    'release is affected when configured that way. An image pinned by digest only or tagged latest cannot be judged from the manifest: ' +
    'the check says so (info) instead of guessing.',
  fixSummary: 'Upgrade the oauth2-proxy image to v7.15.2 or later (and set --trusted-proxy-ip to the edge\'s addresses).',
  requirements: ['PCI-DSS 6.3.3', 'PCI-DSS 8.3.1'],
  examples: { bad, good },
  run(ctx) {
    const out: FindingDraft[] = [];
    for (const p of oauth2ProxyContainers(ctx.inventory)) {
      const v = oauth2ProxyImageVersion(p.container.image);
      const where = `${describe(p.workload)} (container ${typeof p.container.container['name'] === 'string' ? p.container.container['name'] : '?'})`;
      const fixed = FIXED_VERSION.join('.');
      const fix = `spec:\n  template:\n    spec:\n      containers:\n        - name: ${typeof p.container.container['name'] === 'string' ? p.container.container['name'] : 'oauth2-proxy'}\n          image: quay.io/oauth2-proxy/oauth2-proxy:v${fixed}   # or later`;
      if (!v.known) {
        out.push({
          object: p.workload,
          path: `${p.container.path}.image`,
          severity: 'info',
          message: `${where} runs ${p.container.image}: the version is unknown (${v.why}); oauth2-proxy before ${fixed} has two authentication bypasses (${ADVISORIES.map((a) => a.split(' ')[0]!).join(', ')})`,
          fix: `Check that the image is v${fixed} or later, and say so in the tag:\n${fix}`,
        });
        continue;
      }
      if (!versionBefore(v.version, FIXED_VERSION)) continue;
      out.push({
        object: p.workload,
        path: `${p.container.path}.image`,
        message: `${where} runs oauth2-proxy ${v.tag}, older than ${fixed}: affected by ${ADVISORIES.join('; ')}`,
        fix,
      });
    }
    return out;
  },
});
