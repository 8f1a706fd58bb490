/**
 * oauth2-proxy: the authentication both edges ask before a request reaches an
 * application, and its own NetworkPolicies. It hands the application the
 * user's ID token as `Authorization: Bearer ...` (--set-authorization-header),
 * runs as non-root with a read-only root filesystem, and reads its client and
 * cookie secrets from existing Secrets: no secret value is written anywhere.
 */
import { baseline, edgePeer, networkPolicy, rule, solverPolicy } from './policies.js';
import {
  authHost,
  commonLabels,
  edgeProfile,
  ipBlockPeer,
  OAUTH2_PROXY_LABELS,
  OAUTH2_PROXY_NAME,
  OAUTH2_PROXY_PORT,
  oidcBlocks,
  type Obj,
} from './platform.js';
import type { Platform } from './spec.js';
import type { Doc, FilePlan } from './yaml.js';

/** oauth2-proxy's command line, in a fixed order. */
export function oauth2ProxyArgs(spec: Platform): string[] {
  const a = spec.auth;
  const args = [
    '--provider=oidc',
    `--oidc-issuer-url=${a.oidc.issuerUrl}`,
    `--client-id=${a.oidc.clientId}`,
    `--http-address=0.0.0.0:${OAUTH2_PROXY_PORT}`,
    // Behind the edge: trust X-Forwarded-* and answer authenticated requests with 202 (Envoy extAuth).
    '--reverse-proxy=true',
    // ... but only from the pod network, where the edge's pods are (oauth2-proxy >= 7.15.2).
    `--trusted-proxy-ip=${spec.cluster.podCidr}`,
    '--upstream=static://202',
    // The application gets the user's ID token (JWT) as Authorization: Bearer ...
    '--set-authorization-header=true',
    '--set-xauthrequest=true',
    `--redirect-url=https://${authHost(spec)}/oauth2/callback`,
    `--cookie-domain=.${spec.domain}`,
    `--whitelist-domain=.${spec.domain}`,
    '--cookie-secure=true',
    '--skip-provider-button=true',
    '--silence-ping-logging=true',
  ];
  if (a.oidc.scope !== undefined) args.push(`--scope=${a.oidc.scope}`);
  const domains = a.emailDomains.length > 0 ? a.emailDomains : ['*'];
  for (const d of domains) args.push(`--email-domain=${d}`);
  for (const g of a.allowedGroups) args.push(`--allowed-group=${g}`);
  return args;
}

function secretEnv(env: string, ref: { name: string; key: string }): Obj {
  return { name: env, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

function workload(spec: Platform): Doc[] {
  const ns = spec.auth.namespace;
  const labels = { ...OAUTH2_PROXY_LABELS, ...commonLabels(spec) };
  const meta = { name: OAUTH2_PROXY_NAME, namespace: ns, labels };
  return [
    { object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta, automountServiceAccountToken: false } },
    {
      comment: `oauth2-proxy signs users in with ${spec.auth.oidc.issuerUrl} and answers the edge for every request.\nThe client secret and cookie secret come from existing Secrets (${spec.auth.oidc.clientSecretRef.name}, ${spec.auth.oidc.cookieSecretRef.name}); create them out of band.`,
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta,
        spec: {
          replicas: spec.auth.replicas,
          selector: { matchLabels: { ...OAUTH2_PROXY_LABELS } },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: OAUTH2_PROXY_NAME,
              automountServiceAccountToken: false,
              securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [
                {
                  name: OAUTH2_PROXY_NAME,
                  image: spec.auth.image,
                  args: oauth2ProxyArgs(spec),
                  env: [secretEnv('OAUTH2_PROXY_CLIENT_SECRET', spec.auth.oidc.clientSecretRef), secretEnv('OAUTH2_PROXY_COOKIE_SECRET', spec.auth.oidc.cookieSecretRef)],
                  ports: [{ name: 'http', containerPort: OAUTH2_PROXY_PORT, protocol: 'TCP' }],
                  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 10 },
                  livenessProbe: { httpGet: { path: '/ping', port: 'http' }, periodSeconds: 20 },
                  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
                },
              ],
            },
          },
        },
      },
    },
    {
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta,
        spec: { selector: { ...OAUTH2_PROXY_LABELS }, ports: [{ name: 'http', port: OAUTH2_PROXY_PORT, targetPort: 'http', protocol: 'TCP' }] },
      },
    },
  ];
}

function policies(spec: Platform): Doc[] {
  const ns = spec.auth.namespace;
  const edge = edgeProfile(spec);
  const docs = baseline(spec, ns);
  docs.push(
    networkPolicy(spec, {
      namespace: ns,
      name: 'allow-edge-to-oauth2-proxy',
      select: OAUTH2_PROXY_LABELS,
      ingress: [rule('from', [edgePeer(edge)], [{ protocol: 'TCP', port: OAUTH2_PROXY_PORT }])],
      comment: `The edge asks oauth2-proxy about every authenticated request (${edge.type === 'gateway-api' ? 'SecurityPolicy extAuth' : 'auth-url'}) and routes the sign-in host to it.`,
    }),
    networkPolicy(spec, {
      namespace: ns,
      name: 'oauth2-proxy-egress',
      select: OAUTH2_PROXY_LABELS,
      egress: [rule('to', oidcBlocks(spec).map(ipBlockPeer), [{ protocol: 'TCP', port: 443 }])],
      comment: 'oauth2-proxy talks to the OIDC provider (discovery, token exchange, JWKS) on 443.',
    }),
  );
  if (edge.type === 'ingress-nginx' && spec.tls.solver === 'http01') docs.push(solverPolicy(spec, ns, edge));
  return docs;
}

export function renderAuth(spec: Platform): FilePlan[] {
  return [
    {
      path: 'auth/oauth2-proxy.yaml',
      title: 'oauth2-proxy: authentication at the edge (ServiceAccount, Deployment, Service).',
      docs: workload(spec),
    },
    {
      path: `network-policies/${spec.auth.namespace}.yaml`,
      title: `NetworkPolicies of namespace ${spec.auth.namespace}: oauth2-proxy.`,
      docs: policies(spec),
    },
  ];
}
