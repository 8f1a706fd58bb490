import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { defineCheck, type FindingDraft } from './types.js';
import { ACME_SERVERS } from '../generate/tls.js';
import { patched } from './fix-objects.js';
import { certManagerIssuerOf, describe, field, gateways, isCertManager, isStagingAcmeServer, issuers, joinList, nameOf, nsOf, ofKind, str } from '../exposure/index.js';

const bad = `apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: letsencrypt
spec:
  acme:
    server: https://acme-staging-v02.api.letsencrypt.org/directory
    privateKeySecretRef:
      name: letsencrypt-account-key
    solvers:
      - http01:
          ingress:
            ingressClassName: nginx
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: storefront
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  ingressClassName: nginx
  tls:
    - hosts: [shop.example.com]
      secretName: shop-example-com-tls
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

const good = bad.replace('https://acme-staging-v02.api.letsencrypt.org/directory', 'https://acme-v02.api.letsencrypt.org/directory');

/** Objects that get certificates from the issuer: annotations on Ingresses and Gateways, Certificates' issuerRef. */
function usersOf(inv: Inventory, issuer: LoadedObject): LoadedObject[] {
  const kind = issuer.object.kind;
  const name = nameOf(issuer);
  const sameScope = (o: LoadedObject): boolean => kind === 'ClusterIssuer' || nsOf(o) === nsOf(issuer);
  const users: LoadedObject[] = [];
  for (const o of [...ofKind(inv, 'Ingress'), ...gateways(inv)]) {
    const ref = certManagerIssuerOf(o);
    if (ref && ref.external === undefined && ref.kind === kind && ref.name === name && sameScope(o)) users.push(o);
  }
  for (const c of ofKind(inv, 'Certificate')) {
    if (!isCertManager(c, 'Certificate')) continue;
    const k = field(c.object, 'spec', 'issuerRef', 'kind') === 'ClusterIssuer' ? 'ClusterIssuer' : 'Issuer';
    if (k === kind && field(c.object, 'spec', 'issuerRef', 'name') === name && sameScope(c)) users.push(c);
  }
  return users;
}

export default defineCheck({
  id: 'tls-acme-staging',
  control: 'ingress-encryption',
  title: 'ACME issuer on the Let\'s Encrypt staging server',
  severity: 'high',
  policyReads: 'none',
  rationale:
    'Let\'s Encrypt\'s staging server (acme-staging-v02.api.letsencrypt.org) issues certificates from a test CA that no browser or client ' +
    'trusts. It is meant for trying out an issuer; left in place, every host it serves shows a certificate error, and users and API clients ' +
    'learn to click through or turn verification off, which is exactly what TLS is there to prevent.',
  fixSummary: 'Point the issuer at https://acme-v02.api.letsencrypt.org/directory with a new account key Secret.',
  requirements: ['PCI-DSS 4.2.1', 'GDPR Art. 32'],
  examples: { bad, good },
  run(ctx) {
    const inv = ctx.inventory;
    const out: FindingDraft[] = [];
    for (const issuer of issuers(inv)) {
      const server = str(field(issuer.object, 'spec', 'acme', 'server'));
      if (!server || !isStagingAcmeServer(server)) continue;
      const users = usersOf(inv, issuer);
      const key = str(field(issuer.object, 'spec', 'acme', 'privateKeySecretRef', 'name'));
      const newKey = key === `${nameOf(issuer)}-prod-account-key` ? `${nameOf(issuer)}-production-account-key` : `${nameOf(issuer)}-prod-account-key`;
      out.push({
        object: issuer,
        path: 'spec.acme.server',
        message:
          users.length > 0
            ? `${describe(issuer)} uses the ACME staging server ${server}, whose certificates no browser trusts; it issues for ${joinList(users.map(describe))}`
            : `${describe(issuer)} uses the ACME staging server ${server}, whose certificates no browser trusts (nothing in the input uses it yet)`,
        fix: `spec:\n  acme:\n    server: ${ACME_SERVERS.production}\n    privateKeySecretRef:\n      name: ${newKey}   # a new ACME account: staging accounts do not exist on production`,
        fixObjects: [patched(issuer, { spec: { acme: { server: ACME_SERVERS.production, privateKeySecretRef: { name: newKey } } } })],
        ...(users.length > 0 ? {} : { severity: 'low' as const }),
      });
    }
    return out;
  },
});
