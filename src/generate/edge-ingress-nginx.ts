/**
 * The ingress-nginx edge (the original design): Ingresses that ask
 * oauth2-proxy about every request (`auth-url`), send users to sign in
 * (`auth-signin`), forward the `authorization` header it returns, terminate
 * TLS and name the cert-manager issuer. The community controller was retired
 * in March 2026; this edge is still generated for clusters that run it, and
 * flagged.
 */
import {
  authHost,
  commonLabels,
  edgeProfile,
  exposed,
  issuerName,
  kubeServiceName,
  OAUTH2_PROXY_NAME,
  OAUTH2_PROXY_PORT,
  oauth2ProxyUrl,
  tlsSecretName,
  type Obj,
} from './platform.js';
import { PUBLIC_ANNOTATION, PUBLIC_REASON_ANNOTATION } from './edge-gateway.js';
import type { Platform } from './spec.js';
import type { Doc, FilePlan } from './yaml.js';

const NGINX = 'nginx.ingress.kubernetes.io/';

export const INGRESS_NGINX_RETIRED =
  'The community ingress-nginx controller was retired in March 2026: no more releases or security fixes. Plan the move to edge.type: gateway-api (Envoy Gateway); `meshless audit` reports it until then.';

function ingress(spec: Platform, name: string, namespace: string, host: string, path: string, backend: { name: string; port: number }, annotations: Record<string, string>): Obj {
  const edge = edgeProfile(spec);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, labels: commonLabels(spec), annotations: { 'cert-manager.io/cluster-issuer': issuerName(spec), ...annotations } },
    spec: {
      ingressClassName: edge.className,
      tls: [{ hosts: [host], secretName: tlsSecretName(host) }],
      rules: [{ host, http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: backend.name, port: { number: backend.port } } } }] } }],
    },
  };
}

/**
 * The annotations that put oauth2-proxy in front of an Ingress: ingress-nginx asks
 * `auth-url` about every request, sends users without a session to `auth-signin`
 * and hands the application the `authorization` header oauth2-proxy returns.
 */
export function ingressNginxAuthAnnotations(urls: { readonly authUrl: string; readonly signinUrl: string }): Record<string, string> {
  return {
    [`${NGINX}auth-url`]: urls.authUrl,
    [`${NGINX}auth-signin`]: urls.signinUrl,
    [`${NGINX}auth-response-headers`]: 'authorization',
  };
}

function ingresses(spec: Platform): Doc[] {
  const ah = authHost(spec);
  const auth = ingressNginxAuthAnnotations({ authUrl: `${oauth2ProxyUrl(spec)}/oauth2/auth`, signinUrl: `https://${ah}/oauth2/start?rd=https://$host$escaped_request_uri` });
  const docs: Doc[] = exposed(spec).map((s) => {
    const e = s.expose;
    const ann = e.public ? { [PUBLIC_ANNOTATION]: 'true', [PUBLIC_REASON_ANNOTATION]: e.publicReason ?? '' } : auth;
    return {
      comment: e.public ? `https://${e.host}${e.path} → ${s.name}: public on purpose (${e.publicReason ?? ''}).` : `https://${e.host}${e.path} → ${s.name}, behind oauth2-proxy: nginx asks auth-url first and forwards its Authorization header.`,
      object: ingress(spec, s.name, s.name, e.host, e.path, { name: kubeServiceName(s), port: e.port }, ann),
    };
  });
  docs.push({
    comment: `The sign-in endpoint: oauth2-proxy receives the OIDC callback at https://${ah}/oauth2/callback. It is the authentication service itself, so it has no auth-url.`,
    object: ingress(spec, OAUTH2_PROXY_NAME, spec.auth.namespace, ah, '/oauth2', { name: OAUTH2_PROXY_NAME, port: OAUTH2_PROXY_PORT }, {}),
  });
  return docs;
}

export function renderIngressNginxEdge(spec: Platform): FilePlan[] {
  return [
    {
      path: 'edge/ingresses.yaml',
      title: `ingress-nginx edge: one Ingress per exposed service (IngressClass ${edgeProfile(spec).className}) and the sign-in Ingress of oauth2-proxy.`,
      notes: [`WARNING: ${INGRESS_NGINX_RETIRED}`],
      docs: ingresses(spec),
    },
  ];
}
