import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { defineCheck, type FindingDraft } from './types.js';
import {
  annotation,
  annotationPath,
  authProxyHint,
  clusterServiceOfUrl,
  describe,
  extAuthBackends,
  field,
  findService,
  ingressNginxConfigMaps,
  NGINX,
  nsOf,
  ofKind,
  q,
  securityPolicies,
  str,
} from '../exposure/index.js';
import type { Obj } from '../generate/platform.js';
import { annotationsPatch, patched } from './fix-objects.js';

const bad = `apiVersion: v1
kind: Service
metadata:
  name: oauth2-proxy
  namespace: auth
spec:
  selector:
    app: oauth2-proxy
  ports:
    - port: 4180
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  namespace: backoffice
  annotations:
    # typo: the namespace is auth, not oauth
    nginx.ingress.kubernetes.io/auth-url: "http://oauth2-proxy.oauth.svc.cluster.local:4180/oauth2/auth"
    nginx.ingress.kubernetes.io/auth-signin: "https://auth.example.com/oauth2/start?rd=https://$host$escaped_request_uri"
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

const good = bad.replace('oauth2-proxy.oauth.svc', 'oauth2-proxy.auth.svc').replace('    # typo: the namespace is auth, not oauth\n', '');

interface Target {
  readonly object: LoadedObject;
  readonly path: string;
  readonly what: string;
  readonly namespace: string;
  readonly name: string;
  /** The field to change in the fix. */
  readonly fixField: (inv: Inventory) => string;
  /** The same change as a merge patch of the object. */
  readonly fixPatch: (inv: Inventory) => Obj;
}

export default defineCheck({
  id: 'auth-url-target-missing',
  control: 'authentication',
  title: 'Authentication service named by the edge is not in the input',
  severity: 'medium',
  policyReads: 'none',
  rationale:
    'The edge asks the service named in auth-url (ingress-nginx), forwardAuth.address (Traefik) or extAuth (Envoy Gateway) whether a request is ' +
    'authenticated. When that Service or its namespace does not exist, every request fails (HTTP 500) or, worse, a later object with that name ' +
    'decides who gets in. A typo here is easy to make and silent until the first user tries to sign in.',
  fixSummary: 'Point the edge at the oauth2-proxy Service that exists, or add the missing Service to the input.',
  requirements: ['PCI-DSS 8.3.1'],
  examples: { bad, good },
  evidence: ['Service'],
  run(ctx) {
    const inv = ctx.inventory;
    if (ofKind(inv, 'Service').length === 0) return [];
    const targets: Target[] = [];
    for (const ing of ofKind(inv, 'Ingress')) {
      const url = annotation(ing, `${NGINX}auth-url`);
      const ref = url ? clusterServiceOfUrl(url, nsOf(ing), inv) : undefined;
      if (ref) {
        targets.push({
          object: ing,
          path: annotationPath(`${NGINX}auth-url`),
          what: `auth-url ${url!}`,
          ...ref,
          fixField: (i) => `metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/auth-url: ${q(authProxyHint(i).authUrl)}`,
          fixPatch: (i) => annotationsPatch({ [`${NGINX}auth-url`]: authProxyHint(i).authUrl }),
        });
      }
    }
    for (const cm of ingressNginxConfigMaps(inv)) {
      const url = str(field(cm.object, 'data', 'global-auth-url'));
      const ref = url ? clusterServiceOfUrl(url, nsOf(cm), inv) : undefined;
      if (ref) targets.push({ object: cm, path: 'data.global-auth-url', what: `global-auth-url ${url!}`, ...ref, fixField: (i) => `data:\n  global-auth-url: ${q(authProxyHint(i).authUrl)}`, fixPatch: (i) => ({ data: { 'global-auth-url': authProxyHint(i).authUrl } }) });
    }
    for (const mw of ofKind(inv, 'Middleware')) {
      const address = str(field(mw.object, 'spec', 'forwardAuth', 'address'));
      const ref = address ? clusterServiceOfUrl(address, nsOf(mw), inv) : undefined;
      if (ref) targets.push({ object: mw, path: 'spec.forwardAuth.address', what: `forwardAuth address ${address!}`, ...ref, fixField: (i) => `spec:\n  forwardAuth:\n    address: ${q(authProxyHint(i).forwardAuthAddress)}`, fixPatch: (i) => ({ spec: { forwardAuth: { address: authProxyHint(i).forwardAuthAddress } } }) });
    }
    for (const sp of securityPolicies(inv)) {
      for (const b of extAuthBackends(sp)) {
        targets.push({
          object: sp,
          path: b.path,
          what: `extAuth backend Service ${b.namespace}/${b.name}`,
          namespace: b.namespace,
          name: b.name,
          fixField: (i) => {
            const s = authProxyHint(i).service ?? { namespace: 'auth', name: 'oauth2-proxy', port: 4180 };
            return `spec:\n  extAuth:\n    http:\n      backendRefs:\n        - name: ${s.name}\n          namespace: ${s.namespace}\n          port: ${s.port}`;
          },
          fixPatch: (i) => {
            const s = authProxyHint(i).service ?? { namespace: 'auth', name: 'oauth2-proxy', port: 4180 };
            return { spec: { extAuth: { http: { backendRefs: [{ name: s.name, namespace: s.namespace, port: s.port }] } } } };
          },
        });
      }
    }
    const out: FindingDraft[] = [];
    for (const t of targets) {
      if (findService(inv, t.namespace, t.name)) continue;
      const nsMissing = !inv.namespaces.has(t.namespace);
      const hint = authProxyHint(inv);
      const existing = hint.service ? ` (the input has oauth2-proxy as Service ${hint.service.namespace}/${hint.service.name})` : '';
      out.push({
        object: t.object,
        path: t.path,
        message: nsMissing
          ? `${describe(t.object)}: ${t.what} names namespace ${t.namespace}, which is not in the input${existing}`
          : `${describe(t.object)}: ${t.what} names Service ${t.namespace}/${t.name}, which is not in the input${existing}`,
        fix: hint.service
          ? `Point it at the oauth2-proxy that exists:\n${t.fixField(inv)}`
          : `Add Service ${t.namespace}/${t.name} (and its oauth2-proxy Deployment) to the input, or correct the name to the authentication Service you run.`,
        ...(hint.service ? { fixObjects: [patched(t.object, t.fixPatch(inv))] } : {}),
      });
    }
    return out;
  },
});
