import { defineCheck, type FindingDraft } from './types.js';
import { describe } from '../exposure/index.js';
import { configKey, envName, oauth2ProxyContainers } from './oauth2-proxy.js';

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
${extra}          ports:
            - name: http
              containerPort: 4180
`;

const bad = deployment('            - --trusted-ip=10.0.0.0/8\n');
const good = deployment('');

export default defineCheck({
  id: 'auth-oauth2-proxy-trusted-ip',
  control: 'authentication',
  title: 'oauth2-proxy lets trusted IPs skip authentication',
  severity: 'high',
  policyReads: 'none',
  rationale:
    'oauth2-proxy\'s --trusted-ip (env OAUTH2_PROXY_TRUSTED_IPS, config trusted_ips) lists addresses whose requests are let through without ' +
    'any sign-in. Behind an edge every request comes from the edge\'s address, so a range that holds the edge or the pod network lets the whole ' +
    'internet in; with --reverse-proxy the address is read from X-Forwarded-For / X-Real-IP, which a client can forge. It has been the cause of ' +
    'several oauth2-proxy authentication bypasses. Machine clients should authenticate (JWT bearer tokens with --skip-jwt-bearer-tokens), not be trusted by address.',
  fixSummary: 'Remove --trusted-ip / trusted_ips; give machine clients tokens (--skip-jwt-bearer-tokens with --extra-jwt-issuers) instead.',
  requirements: ['PCI-DSS 8.3.1', 'GDPR Art. 32'],
  examples: { bad, good },
  run(ctx) {
    const out: FindingDraft[] = [];
    for (const p of oauth2ProxyContainers(ctx.inventory)) {
      const s = p.option('trusted-ip');
      if (!s || (s.from !== 'env-ref' && s.values.length === 0)) continue;
      const what = s.from === 'flag' ? '--trusted-ip' : s.from === 'config' ? `${configKey('trusted-ip', true)} in its config file (${describe(s.object)})` : envName('trusted-ip', true);
      const values = s.values.length > 0 ? ` ${s.values.join(', ')}` : ' (value from a reference, not in the input)';
      out.push({
        object: s.object,
        path: s.path,
        message: `${describe(p.workload)} lets requests from${values} through without authentication (${what})`,
        fix:
          s.from === 'config'
            ? `Delete the line from the config file in ${describe(s.object)}:\n  ${configKey('trusted-ip', true)} = [...]   # delete`
            : s.from === 'flag'
              ? `Delete from the container's args of ${describe(p.workload)}:\n  - --trusted-ip=...   # delete\nMachine clients: --skip-jwt-bearer-tokens=true with --extra-jwt-issuers=<issuer>=<audience>.`
              : `Delete the environment variable ${envName('trusted-ip', true)} from ${describe(p.workload)}.`,
      });
    }
    return out;
  },
});
