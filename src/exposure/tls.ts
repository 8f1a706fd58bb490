/**
 * TLS sources: where an edge's certificate comes from. cert-manager issuers named
 * by the annotations `cert-manager.io/cluster-issuer`, `cert-manager.io/issuer`
 * (with `issuer-kind` and `issuer-group`) on an Ingress or a Gateway; Issuers and
 * ClusterIssuers (`spec.acme.server`, Let's Encrypt production or staging);
 * cert-manager Certificates (`spec.secretName`); and the Secret itself, a
 * SealedSecret (bitnami) or an ExternalSecret (`spec.target.name`) producing it.
 * Also the advice fixes give: which issuer to name, which Secret name to use.
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { ofKind } from './lookup.js';
import { annotation, annotationPath, field, nameOf, nsOf, str } from './objects.js';
import { CERT_MANAGER_GROUP, isCertManager } from './vocabulary.js';

/** cert-manager labels the Ingresses, HTTPRoutes, Services and Pods it creates to answer HTTP-01 challenges. */
export const ACME_SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';

export interface IssuerRef {
  readonly kind: 'ClusterIssuer' | 'Issuer';
  readonly name: string;
  /** The annotation or field it came from. */
  readonly path: string;
  /** Set for external issuers (`cert-manager.io/issuer-group` other than cert-manager.io): not checked. */
  readonly external?: string;
}

/** The cert-manager issuer an Ingress or Gateway asks for through its annotations. */
export function certManagerIssuerOf(o: LoadedObject): IssuerRef | undefined {
  const cluster = str(annotation(o, 'cert-manager.io/cluster-issuer'));
  if (cluster) return { kind: 'ClusterIssuer', name: cluster, path: annotationPath('cert-manager.io/cluster-issuer') };
  const issuer = str(annotation(o, 'cert-manager.io/issuer'));
  if (!issuer) return undefined;
  const kind = annotation(o, 'cert-manager.io/issuer-kind') === 'ClusterIssuer' ? 'ClusterIssuer' : 'Issuer';
  const group = annotation(o, 'cert-manager.io/issuer-group');
  const ref: IssuerRef = { kind, name: issuer, path: annotationPath('cert-manager.io/issuer') };
  return group && group !== CERT_MANAGER_GROUP ? { ...ref, external: group } : ref;
}

export function findIssuer(inv: Inventory, kind: 'ClusterIssuer' | 'Issuer', namespace: string, name: string): LoadedObject | undefined {
  return ofKind(inv, kind).find((o) => isCertManager(o, kind) && o.object.metadata.name === name && (kind === 'ClusterIssuer' || o.object.metadata.namespace === namespace));
}

export function issuers(inv: Inventory): LoadedObject[] {
  return [...ofKind(inv, 'ClusterIssuer'), ...ofKind(inv, 'Issuer')].filter((o) => isCertManager(o, o.object.kind));
}

/** An issuer to suggest in fixes: an ACME issuer on a production server, else any ClusterIssuer. */
export function preferredIssuer(inv: Inventory): LoadedObject | undefined {
  const all = issuers(inv);
  const acmeProd = all.filter((i) => {
    const server = str(field(i.object, 'spec', 'acme', 'server'));
    return server !== undefined && !isStagingAcmeServer(server);
  });
  return acmeProd.find((i) => i.object.kind === 'ClusterIssuer') ?? acmeProd[0] ?? all.find((i) => i.object.kind === 'ClusterIssuer');
}

const STAGING_ACME = [/acme-staging(-v02)?\.api\.letsencrypt\.org/i, /\.test-api\.pki\.goog/i, /acme\.staging\./i];

/** Let's Encrypt's staging server (and other CAs' test endpoints): certificates no browser trusts. */
export function isStagingAcmeServer(server: string): boolean {
  return STAGING_ACME.some((r) => r.test(server));
}

/**
 * How an entry point's certificate is named as evidence: what provides the Secret, or
 * the Secret marked as not in the input — a name alone is not a certificate.
 */
export function secretEvidence(inv: Inventory, namespace: string, secretName: string): string {
  return certificateSource(inv, namespace, secretName) ?? `Secret ${namespace}/${secretName} (not in the input, nothing issues it)`;
}

/**
 * What provides the certificate Secret `namespace/name`: the Secret itself, a
 * cert-manager Certificate writing it, or a SealedSecret / ExternalSecret producing it.
 */
export function certificateSource(inv: Inventory, namespace: string, secretName: string): string | undefined {
  for (const o of ofKind(inv, 'Secret')) {
    if (o.object.apiVersion === 'v1' && nsOf(o) === namespace && nameOf(o) === secretName) return `Secret ${namespace}/${secretName}`;
  }
  for (const o of ofKind(inv, 'Certificate')) {
    if (isCertManager(o, 'Certificate') && nsOf(o) === namespace && field(o.object, 'spec', 'secretName') === secretName) return `cert-manager Certificate ${namespace}/${nameOf(o)}`;
  }
  for (const o of ofKind(inv, 'SealedSecret')) {
    if (nsOf(o) === namespace && nameOf(o) === secretName) return `SealedSecret ${namespace}/${secretName}`;
  }
  for (const o of ofKind(inv, 'ExternalSecret')) {
    const target = str(field(o.object, 'spec', 'target', 'name')) ?? nameOf(o);
    if (nsOf(o) === namespace && target === secretName) return `ExternalSecret ${namespace}/${nameOf(o)}`;
  }
  return undefined;
}

/** A Secret name for a host's certificate: `admin.shop.example.com` → `admin-shop-example-com-tls`. */
export function secretNameFor(host: string, fallback: string): string {
  if (host === '*') return `${fallback}-tls`;
  return `${host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-tls`;
}

/**
 * How to ask cert-manager for a certificate: the annotation naming the issuer the
 * input already has (ACME production preferred), and, when it has none, the
 * ClusterIssuer to create.
 */
export function issuerAdvice(inv: Inventory): { annotationKey: string; name: string; create?: string } {
  const i = preferredIssuer(inv);
  if (i) return { annotationKey: i.object.kind === 'ClusterIssuer' ? 'cert-manager.io/cluster-issuer' : 'cert-manager.io/issuer', name: nameOf(i) };
  return {
    annotationKey: 'cert-manager.io/cluster-issuer',
    name: 'letsencrypt-prod',
    create: [
      'apiVersion: cert-manager.io/v1',
      'kind: ClusterIssuer',
      'metadata:',
      '  name: letsencrypt-prod',
      'spec:',
      '  acme:',
      '    server: https://acme-v02.api.letsencrypt.org/directory',
      '    email: platform-team@example.com   # who Let\'s Encrypt warns about expiry',
      '    privateKeySecretRef:',
      '      name: letsencrypt-prod-account-key',
      '    solvers:',
      '      - http01:',
      '          ingress:',
      '            ingressClassName: nginx',
    ].join('\n'),
  };
}
