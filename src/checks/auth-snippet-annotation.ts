import { defineCheck, type FindingDraft } from './types.js';
import { annotationPath, annotationsOf, describe, field, ingressNginxConfigMaps, NGINX, ofKind } from '../exposure/index.js';
import { annotationsPatch, patched } from './fix-objects.js';

const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: storefront
  annotations:
    nginx.ingress.kubernetes.io/configuration-snippet: |
      more_set_headers "X-Frame-Options: DENY";
spec:
  ingressClassName: nginx
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

const good = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
data:
  allow-snippet-annotations: "false"
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: storefront
  annotations:
    nginx.ingress.kubernetes.io/auth-url: "http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth"
spec:
  ingressClassName: nginx
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

export default defineCheck({
  id: 'auth-snippet-annotation',
  control: 'authentication',
  title: 'ingress-nginx snippet annotations in use',
  severity: 'high',
  policyReads: 'none',
  rationale:
    'Snippet annotations (configuration-snippet, server-snippet, auth-snippet...) paste raw NGINX configuration written by whoever may edit an ' +
    'Ingress into the controller, which can read every Secret in the cluster. They are the class behind several ingress-nginx CVEs ' +
    '(CVE-2021-25742, CVE-2023-5044, CVE-2025-1974 "IngressNightmare"): a namespace admin can bypass auth-url, read other tenants\' ' +
    'certificates and tokens, or take over the controller. They are off by default since ingress-nginx 1.9.',
  fixSummary: 'Remove the *-snippet annotations (use the dedicated annotations or Gateway API filters) and keep allow-snippet-annotations "false".',
  requirements: ['GDPR Art. 32'],
  examples: { bad, good },
  run(ctx) {
    const out: FindingDraft[] = [];
    for (const ing of ofKind(ctx.inventory, 'Ingress')) {
      const keys = Object.keys(annotationsOf(ing)).filter((k) => k.startsWith(NGINX) && k.endsWith('-snippet'));
      if (keys.length === 0) continue;
      out.push({
        object: ing,
        path: annotationPath(keys[0]!),
        message: `${describe(ing)} injects raw NGINX configuration through ${keys.join(', ')}`,
        fix:
          `Remove from ${describe(ing)}:\nmetadata:\n  annotations:\n${keys.map((k) => `    ${k}: ...   # delete`).join('\n')}\n` +
          'Use the dedicated annotations instead (e.g. nginx.ingress.kubernetes.io/auth-url, custom-headers with a ConfigMap) or, on Gateway API, ' +
          'HTTPRoute filters (RequestHeaderModifier, ResponseHeaderModifier, URLRewrite) and Envoy Gateway policies.',
        fixObjects: [patched(ing, annotationsPatch(Object.fromEntries(keys.map((k) => [k, null]))))],
      });
    }
    for (const cm of ingressNginxConfigMaps(ctx.inventory)) {
      if (field(cm.object, 'data', 'allow-snippet-annotations') !== 'true') continue;
      out.push({
        object: cm,
        path: 'data.allow-snippet-annotations',
        message: `${describe(cm)} sets allow-snippet-annotations "true": anyone who may edit an Ingress can inject NGINX configuration into the controller`,
        fix: 'data:\n  allow-snippet-annotations: "false"\n  annotations-risk-level: "High"   # ingress-nginx >= 1.12 rejects Critical-risk annotations',
        fixObjects: [patched(cm, { data: { 'allow-snippet-annotations': 'false', 'annotations-risk-level': 'High' } })],
      });
    }
    return out;
  },
});
