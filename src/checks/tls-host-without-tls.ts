import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { defineCheck, type EntryPoint, type FindingDraft } from './types.js';
import type { Obj } from '../generate/platform.js';
import { certificateObject } from '../generate/tls.js';
import { advisedIssuerObjects, annotationsPatch, mergePatch, patched } from './fix-objects.js';
import {
  describe,
  entryDetail,
  entryPoints,
  field,
  GATEWAY_API,
  list,
  hostCovers,
  isPublicHost,
  issuerAdvice,
  joinList,
  KNOWN_EDGES,
  nameOf,
  nsOf,
  secretNameFor,
  unique,
  type ListenerInfo,
} from '../exposure/index.js';

const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  namespace: backoffice
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

const good = `apiVersion: cert-manager.io/v1
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
  name: admin
  namespace: backoffice
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt-prod
spec:
  ingressClassName: nginx
  tls:
    - hosts: [admin.example.com]
      secretName: admin-example-com-tls
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

function issuerLines(inv: Inventory): { annotation: string; create: string } {
  const a = issuerAdvice(inv);
  return { annotation: `    ${a.annotationKey}: ${a.name}`, create: a.create ? `\nand create the issuer:\n${a.create}` : '' };
}

function ingressFix(inv: Inventory, route: LoadedObject, hosts: readonly string[]): string {
  const i = issuerLines(inv);
  const tls = hosts.map((h) => `    - hosts:\n        - ${h === '*' ? '<the public host name>' : h}\n      secretName: ${secretNameFor(h, nameOf(route))}`).join('\n');
  return `Let cert-manager issue a certificate; add to ${describe(route)}:\nmetadata:\n  annotations:\n${i.annotation}\nspec:\n  tls:\n${tls}${i.create}`;
}

function ingressRouteFix(inv: Inventory, route: LoadedObject, hosts: readonly string[]): string {
  const a = issuerAdvice(inv);
  const secret = secretNameFor(hosts[0] ?? '*', nameOf(route));
  const cert = [
    'apiVersion: cert-manager.io/v1',
    'kind: Certificate',
    'metadata:',
    `  name: ${secret.replace(/-tls$/, '')}`,
    `  namespace: ${nsOf(route)}`,
    'spec:',
    `  secretName: ${secret}`,
    '  dnsNames:',
    ...hosts.map((h) => `    - ${h === '*' ? '<the public host name>' : h}`),
    '  issuerRef:',
    `    kind: ${a.annotationKey.endsWith('cluster-issuer') ? 'ClusterIssuer' : 'Issuer'}`,
    `    name: ${a.name}`,
  ].join('\n');
  return `Serve it on the websecure entry point with a certificate from cert-manager:\nspec:\n  entryPoints: [websecure]\n  tls:\n    secretName: ${secret}\n---\n${cert}${a.create ? `\nand create the issuer:\n${a.create}` : ''}`;
}

function gatewayFix(inv: Inventory, route: LoadedObject, hosts: readonly string[], listener: ListenerInfo | undefined): string {
  if (!listener) return `Attach ${describe(route)} to an HTTPS listener with a certificate.`;
  const gw = listener.gateway;
  const a = issuerAdvice(inv);
  const ls = hosts
    .filter((h) => h !== '*')
    .map((h) =>
      [
        `    - name: https-${h.replace(/^\*\./, 'wildcard-').replace(/[^a-z0-9-]+/gi, '-')}`,
        '      protocol: HTTPS',
        '      port: 443',
        `      hostname: ${h}`,
        '      tls:',
        '        certificateRefs:',
        `          - name: ${secretNameFor(h, nameOf(route))}`,
        '      allowedRoutes:',
        '        namespaces:',
        '          from: All',
      ].join('\n'),
    )
    .join('\n');
  return (
    `Add an HTTPS listener to Gateway ${nsOf(gw)}/${nameOf(gw)} (cert-manager fills the Secret from the annotation):\nmetadata:\n  annotations:\n    ${a.annotationKey}: ${a.name}\nspec:\n  listeners:\n${ls || '    - name: https\n      protocol: HTTPS\n      port: 443\n      hostname: <the public host name>\n      tls:\n        certificateRefs:\n          - name: <host>-tls'}\n` +
    `and attach ${describe(route)} to it (parentRefs[].sectionName), keeping the HTTP listener for a RequestRedirect to https only.${a.create ? `\nCreate the issuer:\n${a.create}` : ''}`
  );
}

/** The objects of the fix: the route (or Gateway) with TLS added, the Certificate an IngressRoute needs, the issuer to create. */
function fixObjects(inv: Inventory, route: LoadedObject, hosts: readonly string[], listener: ListenerInfo | undefined, via: string): Obj[] {
  const a = issuerAdvice(inv);
  const issuer = advisedIssuerObjects(a);
  const annotations = annotationsPatch({ [a.annotationKey]: a.name });
  if (via === GATEWAY_API) {
    const real = hosts.filter((h) => h !== '*');
    if (!listener || real.length === 0) return [];
    const gw = listener.gateway;
    const added = real.map((h) => ({
      name: `https-${h.replace(/^\*\./, 'wildcard-').replace(/[^a-z0-9-]+/gi, '-')}`,
      protocol: 'HTTPS',
      port: 443,
      hostname: h,
      tls: { certificateRefs: [{ name: secretNameFor(h, nameOf(route)) }] },
      allowedRoutes: { namespaces: { from: 'All' } },
    }));
    return [patched(gw, mergePatch(annotations, { spec: { listeners: [...list(field(gw.object, 'spec', 'listeners')), ...added] } }) as Obj), ...issuer];
  }
  const placeholder = (h: string): string => (h === '*' ? '<the public host name>' : h);
  if (route.object.kind === 'IngressRoute') {
    const secret = secretNameFor(hosts[0] ?? '*', nameOf(route));
    const certificate = certificateObject({
      namespace: nsOf(route),
      name: secret.replace(/-tls$/, ''),
      secretName: secret,
      dnsNames: hosts.map(placeholder),
      issuer: { kind: a.annotationKey.endsWith('cluster-issuer') ? 'ClusterIssuer' : 'Issuer', name: a.name },
    });
    return [patched(route, { spec: { entryPoints: ['websecure'], tls: { secretName: secret } } }), certificate, ...issuer];
  }
  const tls = hosts.map((h) => ({ hosts: [placeholder(h)], secretName: secretNameFor(h, nameOf(route)) }));
  return [patched(route, mergePatch(annotations, { spec: { tls: [...list(field(route.object, 'spec', 'tls')), ...tls] } }) as Obj), ...issuer];
}

/** Hosts some TLS entry point serves: a host is fine when any edge terminates TLS for it. */
function tlsHosts(eps: readonly EntryPoint[]): string[] {
  return unique(eps.filter((e) => e.tls).map((e) => e.host));
}

export default defineCheck({
  id: 'tls-host-without-tls',
  control: 'ingress-encryption',
  title: 'Host served without TLS',
  severity: 'high',
  policyReads: 'none',
  admission: 'deny',
  rationale:
    'A host the edge serves only over plain HTTP sends passwords, session cookies, tokens and personal data across the internet unencrypted, ' +
    'readable and changeable by anyone on the path. Encrypting traffic over open, public networks is what PCI-DSS 4.2.1 and GDPR Art. 32 ask ' +
    'for; cert-manager with a Let\'s Encrypt ClusterIssuer makes it a single annotation, with certificates renewed automatically.',
  fixSummary: 'Add a tls section (Ingress), tls (IngressRoute) or an HTTPS listener (Gateway) with a certificate from cert-manager.',
  requirements: ['PCI-DSS 4.2.1', 'GDPR Art. 32'],
  examples: { bad, good },
  run(ctx) {
    const all = entryPoints(ctx).filter((e) => KNOWN_EDGES.has(e.via));
    const secured = tlsHosts(all);
    // A catch-all TLS entry (`*`) does not put a certificate on other hosts' names.
    const covered = (host: string): boolean => secured.some((p) => (p === '*' ? host === '*' : hostCovers(p, host, true)));
    const byRoute = new Map<LoadedObject, EntryPoint[]>();
    for (const e of all) {
      if (e.tls || covered(e.host)) continue;
      const l = byRoute.get(e.route) ?? [];
      l.push(e);
      byRoute.set(e.route, l);
    }
    const out: FindingDraft[] = [];
    for (const [route, eps] of byRoute) {
      const hosts = unique(eps.map((e) => e.host));
      const shown = hosts.map((h) => (h === '*' ? 'every host (no host set)' : h));
      const via = eps[0]!.via;
      const detail = entryDetail(ctx, eps[0]!);
      const fix =
        via === GATEWAY_API ? gatewayFix(ctx.inventory, route, hosts, detail?.listener) : route.object.kind === 'IngressRoute' ? ingressRouteFix(ctx.inventory, route, hosts) : ingressFix(ctx.inventory, route, hosts);
      out.push({
        object: route,
        path: detail?.path ?? 'spec',
        message: `${describe(route)} serves ${joinList(shown)} over plain HTTP: no TLS is configured for ${hosts.length === 1 ? 'this host' : 'these hosts'} on any edge`,
        fix,
        fixObjects: fixObjects(ctx.inventory, route, hosts, detail?.listener, via),
        ...(hosts.some(isPublicHost) ? {} : { severity: 'medium' as const }),
      });
    }
    return out;
  },
});

