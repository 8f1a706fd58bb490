import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { defineCheck, type FindingDraft } from './types.js';
import type { Obj } from '../generate/platform.js';
import { annotationsPatch, patched } from './fix-objects.js';
import {
  certManagerIssuerOf,
  describe,
  field,
  findIssuer,
  gateways,
  isCertManager,
  isTraefikCrd,
  issuerAdvice,
  issuers,
  joinList,
  list,
  listenersOf,
  nameOf,
  nsOf,
  ofKind,
  str,
  type IssuerRef,
} from '../exposure/index.js';

const bad = `apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: letsencrypt-prod
spec:
  acme:
    server: https://acme-v02.api.letsencrypt.org/directory
    privateKeySecretRef:
      name: letsencrypt-prod-account-key
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
    cert-manager.io/cluster-issuer: letsencrypt-production
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

const good = bad.replace('cert-manager.io/cluster-issuer: letsencrypt-production', 'cert-manager.io/cluster-issuer: letsencrypt-prod');

/** Secrets (`ns/name`) the edge serves certificates from. */
function edgeSecrets(inv: Inventory): Set<string> {
  const out = new Set<string>();
  for (const ing of ofKind(inv, 'Ingress')) {
    for (const t of list(field(ing.object, 'spec', 'tls'))) {
      const s = str(field(t, 'secretName'));
      if (s) out.add(`${nsOf(ing)}/${s}`);
    }
  }
  for (const gw of gateways(inv)) for (const l of listenersOf(gw)) for (const r of l.certificateRefs) out.add(`${r.namespace}/${r.name}`);
  for (const ir of ofKind(inv, 'IngressRoute')) {
    const s = isTraefikCrd(ir, 'IngressRoute') ? str(field(ir.object, 'spec', 'tls', 'secretName')) : undefined;
    if (s) out.add(`${nsOf(ir)}/${s}`);
  }
  return out;
}

interface Use {
  readonly object: LoadedObject;
  readonly ref: IssuerRef;
}

/** Where the edge names an issuer: Ingress and Gateway annotations, and Certificates for the edge's Secrets. */
function issuerUses(inv: Inventory): Use[] {
  const uses: Use[] = [];
  for (const o of [...ofKind(inv, 'Ingress'), ...gateways(inv)]) {
    const ref = certManagerIssuerOf(o);
    if (ref && ref.external === undefined) uses.push({ object: o, ref });
  }
  const secrets = edgeSecrets(inv);
  for (const c of ofKind(inv, 'Certificate')) {
    if (!isCertManager(c, 'Certificate')) continue;
    const secret = str(field(c.object, 'spec', 'secretName'));
    if (!secret || !secrets.has(`${nsOf(c)}/${secret}`)) continue;
    const group = str(field(c.object, 'spec', 'issuerRef', 'group')) ?? 'cert-manager.io';
    const name = str(field(c.object, 'spec', 'issuerRef', 'name'));
    if (!name || group !== 'cert-manager.io') continue;
    const kind = field(c.object, 'spec', 'issuerRef', 'kind') === 'ClusterIssuer' ? 'ClusterIssuer' : 'Issuer';
    uses.push({ object: c, ref: { kind, name, path: 'spec.issuerRef.name' } });
  }
  return uses;
}

export default defineCheck({
  id: 'tls-issuer-missing',
  control: 'ingress-encryption',
  title: 'cert-manager issuer named by the edge is not in the input',
  severity: 'medium',
  policyReads: 'none',
  rationale:
    'cert-manager.io/cluster-issuer and cert-manager.io/issuer (and a Certificate\'s issuerRef) name the issuer that obtains and renews the ' +
    'certificate. When no issuer of that name exists, cert-manager never issues it: the host keeps the controller\'s self-signed default ' +
    'certificate, or an old one until it expires. A typo here (letsencrypt-production for letsencrypt-prod) is silent until the site breaks.',
  fixSummary: 'Name an issuer that exists (a ClusterIssuer with cluster-issuer, an Issuer in the same namespace with issuer), or add it.',
  requirements: ['PCI-DSS 4.2.1', 'GDPR Art. 32'],
  examples: { bad, good },
  evidence: ['ClusterIssuer', 'Issuer'],
  run(ctx) {
    const inv = ctx.inventory;
    const known = issuers(inv);
    // Without any issuer in the input, cert-manager's configuration is simply out of scope: nothing to compare with.
    if (known.length === 0) return [];
    const out: FindingDraft[] = [];
    for (const u of issuerUses(inv)) {
      const ns = nsOf(u.object);
      if (findIssuer(inv, u.ref.kind, ns, u.ref.name)) continue;
      const other = u.ref.kind === 'Issuer' ? findIssuer(inv, 'ClusterIssuer', ns, u.ref.name) : findIssuer(inv, 'Issuer', ns, u.ref.name);
      const available = joinList(known.filter((i) => i.object.kind === 'ClusterIssuer' || nsOf(i) === ns).map((i) => `${i.object.kind} ${nameOf(i)}`));
      const advice = issuerAdvice(inv);
      const isCert = u.object.object.kind === 'Certificate';
      let fix: string;
      let change: Obj;
      /** The annotation it names the issuer with now, dropped when another one replaces it. */
      const was = u.ref.path.startsWith('metadata.annotations.') ? u.ref.path.slice('metadata.annotations.'.length) : undefined;
      const rename = (key: string, name: string): Obj => annotationsPatch({ ...(was !== undefined && was !== key ? { [was]: null } : {}), [key]: name });
      if (other && !isCert) {
        const key = other.object.kind === 'ClusterIssuer' ? 'cert-manager.io/cluster-issuer' : 'cert-manager.io/issuer';
        fix = `${nameOf(other)} is a ${other.object.kind}; name it with the matching annotation:\nmetadata:\n  annotations:\n    ${key}: ${nameOf(other)}`;
        change = rename(key, nameOf(other));
      } else if (isCert) {
        const target = other ?? known.find((i) => i.object.kind === 'ClusterIssuer') ?? known[0]!;
        fix = `spec:\n  issuerRef:\n    group: cert-manager.io\n    kind: ${target.object.kind}\n    name: ${nameOf(target)}`;
        change = { spec: { issuerRef: { group: 'cert-manager.io', kind: target.object.kind, name: nameOf(target) } } };
      } else {
        fix = `Name an issuer that exists:\nmetadata:\n  annotations:\n    ${advice.annotationKey}: ${advice.name}\nor add ${u.ref.kind} ${u.ref.name} to the input.`;
        change = rename(advice.annotationKey, advice.name);
      }
      out.push({
        object: u.object,
        path: u.ref.path,
        message: `${describe(u.object)} asks cert-manager for ${u.ref.kind} ${u.ref.name}${u.ref.kind === 'Issuer' ? ` in namespace ${ns}` : ''}, which is not in the input${available ? ` (available: ${available})` : ''}`,
        fix,
        fixObjects: [patched(u.object, change)],
      });
    }
    return out;
  },
});
