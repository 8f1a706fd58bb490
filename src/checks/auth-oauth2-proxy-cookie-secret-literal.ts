import { defineCheck, type FindingDraft } from './types.js';
import { describe } from '../exposure/index.js';
import { oauth2ProxyContainers } from './oauth2-proxy.js';

const deployment = (env: string): string => `apiVersion: apps/v1
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
          env:
${env}          ports:
            - name: http
              containerPort: 4180
`;

const bad = deployment('            - name: OAUTH2_PROXY_COOKIE_SECRET\n              value: "b3IxZ2FWdHlOYmZsNWRQMmJ6c0xQdz09"\n');
const good = deployment('            - name: OAUTH2_PROXY_COOKIE_SECRET\n              valueFrom:\n                secretKeyRef:\n                  name: oauth2-proxy\n                  key: cookie-secret\n');

export default defineCheck({
  id: 'auth-oauth2-proxy-cookie-secret-literal',
  control: 'authentication',
  title: 'oauth2-proxy cookie secret written in the manifest',
  severity: 'high',
  policyReads: 'none',
  rationale:
    'The cookie secret signs and encrypts oauth2-proxy\'s session cookies: whoever knows it can mint a session for any user and walk past ' +
    'authentication. Written as a flag (--cookie-secret=), an env value or a ConfigMap, it is in Git, in the Deployment that everyone with read ' +
    'access sees, and in `kubectl describe`. It belongs in a Secret, referenced with secretKeyRef, and rotated if it was ever committed.',
  fixSummary: 'Move the cookie secret into a Secret, reference it with env valueFrom.secretKeyRef, and rotate it.',
  requirements: ['PCI-DSS 8.3.2', 'PCI-DSS 3.6.1', 'GDPR Art. 32'],
  examples: { bad, good },
  run(ctx) {
    const out: FindingDraft[] = [];
    for (const p of oauth2ProxyContainers(ctx.inventory)) {
      const s = p.option('cookie-secret');
      // From a Secret (env secretKeyRef, a config file in a Secret): as it should be.
      if (!s || s.from === 'env-ref' || (s.from === 'config' && s.object.object.kind === 'Secret')) continue;
      const how = s.from === 'flag' ? 'the --cookie-secret flag' : s.from === 'env' ? 'a literal OAUTH2_PROXY_COOKIE_SECRET value' : `cookie_secret in ${describe(s.object)}`;
      out.push({
        object: s.object,
        path: s.path,
        message: `${describe(p.workload)} takes its cookie secret from ${how}: anyone who can read the manifest can forge a session`,
        fix:
          `kubectl -n ${p.workload.object.metadata.namespace ?? 'default'} create secret generic oauth2-proxy --from-literal=cookie-secret="$(openssl rand -base64 32 | head -c 32)"\n` +
          `then, instead of ${how}:\nenv:\n  - name: OAUTH2_PROXY_COOKIE_SECRET\n    valueFrom:\n      secretKeyRef:\n        name: oauth2-proxy\n        key: cookie-secret\n` +
          'Rotate the old value: it is in the repository history.',
      });
    }
    return out;
  },
});
