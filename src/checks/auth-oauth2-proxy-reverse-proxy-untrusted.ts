import { defineCheck, type FindingDraft } from './types.js';
import { describe } from '../exposure/index.js';
import { isOn, oauth2ProxyContainers } from './oauth2-proxy.js';

const deployment = (extra: string): string => `apiVersion: apps/v1
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
          image: quay.io/oauth2-proxy/oauth2-proxy:v7.15.2
          args:
            - --provider=oidc
            - --upstream=static://202
            - --reverse-proxy=true
${extra}          ports:
            - name: http
              containerPort: 4180
`;

const bad = deployment('');
const good = deployment('            - --trusted-proxy-ip=10.244.0.0/16   # the pod network the edge runs in\n');

export default defineCheck({
  id: 'auth-oauth2-proxy-reverse-proxy-untrusted',
  control: 'authentication',
  title: 'oauth2-proxy trusts X-Forwarded-* headers from any client',
  severity: 'medium',
  policyReads: 'none',
  rationale:
    'With --reverse-proxy oauth2-proxy believes the X-Forwarded-For, X-Forwarded-Host and X-Forwarded-Uri headers it receives. Without ' +
    '--trusted-proxy-ip (added in 7.15.2) it believes them from every caller, so anyone who reaches oauth2-proxy directly chooses the path and ' +
    'address it judges — the mechanism of GHSA-7x63-xv5r-3p2x. Naming the edge\'s addresses makes only the edge\'s headers count.',
  fixSummary: 'Add --trusted-proxy-ip with the addresses (pod network range) the edge proxy connects from.',
  requirements: ['PCI-DSS 8.3.1'],
  examples: { bad, good },
  run(ctx) {
    const out: FindingDraft[] = [];
    for (const p of oauth2ProxyContainers(ctx.inventory)) {
      const rp = p.option('reverse-proxy');
      if (!isOn(rp)) continue;
      if (p.option('trusted-proxy-ip')) continue;
      const cidrs = ctx.analysis.podCidrs.map((c) => c.text).filter((t) => !t.includes(':'));
      out.push({
        object: rp!.object,
        path: rp!.path,
        message: `${describe(p.workload)} runs with --reverse-proxy but no --trusted-proxy-ip: it believes X-Forwarded-* headers from any client that reaches it`,
        fix: `Add to the container's args of ${describe(p.workload)}:\n${(cidrs.length > 0 ? cidrs : ['10.0.0.0/8']).map((c) => `  - --trusted-proxy-ip=${c}   # where the edge proxy's pods run`).join('\n')}\nand keep NetworkPolicies that let only the edge reach oauth2-proxy (requires oauth2-proxy v7.15.2 or later).`,
      });
    }
    return out;
  },
});
