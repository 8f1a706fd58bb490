import { defineCheck, type FindingDraft } from './types.js';
import { annotation, annotationPath, describe, entryPoints, field, ingressNginxConfigMaps, INGRESS_NGINX, joinList, NGINX, nameOf, nsOf, unique } from '../exposure/index.js';
import { annotationsPatch, patched } from './fix-objects.js';

const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: storefront
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt-prod
    nginx.ingress.kubernetes.io/ssl-redirect: "false"
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

const good = bad.replace('nginx.ingress.kubernetes.io/ssl-redirect: "false"', 'nginx.ingress.kubernetes.io/force-ssl-redirect: "true"');

const isFalse = (v: string | undefined): boolean => v !== undefined && v.trim().toLowerCase() === 'false';
const isTrue = (v: string | undefined): boolean => v !== undefined && v.trim().toLowerCase() === 'true';

export default defineCheck({
  id: 'tls-ssl-redirect-disabled',
  control: 'ingress-encryption',
  title: 'ingress-nginx HTTP to HTTPS redirect turned off',
  severity: 'medium',
  policyReads: 'none',
  rationale:
    'ingress-nginx redirects plain HTTP to HTTPS for hosts with TLS unless ssl-redirect is "false" (per Ingress, or for all of them in the ' +
    'controller ConfigMap). With the redirect off, the same pages are also served unencrypted on port 80: a bookmark, a link or an ' +
    'attacker who strips TLS sends sessions and data in clear text even though a certificate exists.',
  fixSummary: 'Remove ssl-redirect "false" (or set force-ssl-redirect "true") so plain HTTP is redirected to HTTPS.',
  requirements: ['PCI-DSS 4.2.1', 'GDPR Art. 32'],
  examples: { bad, good },
  run(ctx) {
    const out: FindingDraft[] = [];
    const tlsIngresses = unique(entryPoints(ctx).filter((e) => e.via === INGRESS_NGINX && e.tls).map((e) => e.route));
    const overrides = (o: (typeof tlsIngresses)[number]): boolean => isTrue(annotation(o, `${NGINX}ssl-redirect`)) || isTrue(annotation(o, `${NGINX}force-ssl-redirect`));
    for (const ing of tlsIngresses) {
      if (!isFalse(annotation(ing, `${NGINX}ssl-redirect`)) || isTrue(annotation(ing, `${NGINX}force-ssl-redirect`))) continue;
      out.push({
        object: ing,
        path: annotationPath(`${NGINX}ssl-redirect`),
        message: `${describe(ing)} sets nginx.ingress.kubernetes.io/ssl-redirect "false": its TLS hosts are also served over plain HTTP`,
        fix: 'metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-redirect: "true"   # or delete the annotation: true is the default\n    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"   # also when TLS ends at a load balancer in front',
        fixObjects: [patched(ing, annotationsPatch({ [`${NGINX}ssl-redirect`]: 'true', [`${NGINX}force-ssl-redirect`]: 'true' }))],
      });
    }
    for (const cm of ingressNginxConfigMaps(ctx.inventory)) {
      const v = field(cm.object, 'data', 'ssl-redirect');
      if (typeof v !== 'string' || !isFalse(v)) continue;
      const affected = tlsIngresses.filter((i) => !overrides(i));
      if (affected.length === 0) continue;
      out.push({
        object: cm,
        path: 'data.ssl-redirect',
        message: `${describe(cm)} sets ssl-redirect "false" for the whole controller: ${joinList(affected.map((i) => `${nsOf(i)}/${nameOf(i)}`))} also serve their TLS hosts over plain HTTP`,
        fix: 'data:\n  ssl-redirect: "true"\n  hsts: "true"',
        fixObjects: [patched(cm, { data: { 'ssl-redirect': 'true', hsts: 'true' } })],
      });
    }
    return out;
  },
});
