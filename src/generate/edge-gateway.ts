/**
 * The Gateway API edge (Envoy Gateway): one Gateway with an HTTPS listener per
 * host (certificates from cert-manager through the cluster-issuer annotation)
 * and a plain-HTTP listener that only redirects to https; one HTTPRoute per
 * exposed service; and per authenticated route an Envoy Gateway
 * SecurityPolicy whose extAuth asks oauth2-proxy and passes its
 * `authorization` header on to the application.
 */
import {
  authHost,
  commonLabels,
  edgeProfile,
  exposed,
  hosts,
  issuerName,
  kubeServiceName,
  listenerName,
  NS_NAME_LABEL,
  OAUTH2_PROXY_NAME,
  OAUTH2_PROXY_PORT,
  tlsSecretName,
  type Labels,
  type Obj,
} from './platform.js';
import type { Platform } from './spec.js';
import type { Doc, FilePlan } from './yaml.js';

const GW_GROUP = 'gateway.networking.k8s.io';
export const PUBLIC_ANNOTATION = 'meshless.dev/public';
export const PUBLIC_REASON_ANNOTATION = 'meshless.dev/public-reason';

/** Namespaces whose routes serve a host: the exposed services on it (and oauth2-proxy's for the sign-in host). */
function routeNamespaces(spec: Platform, host: string): string[] {
  const ns = exposed(spec)
    .filter((s) => s.expose.host === host)
    .map((s) => s.name);
  if (host === authHost(spec)) ns.push(spec.auth.namespace);
  return [...new Set(ns)].sort();
}

export interface HttpsRedirectInput {
  readonly namespace: string;
  readonly name: string;
  /** The plain-HTTP listener(s) it attaches to. */
  readonly parentRefs: readonly Obj[];
  /** The hosts it redirects; none: every host of the listener. */
  readonly hostnames?: readonly string[];
  readonly labels?: Labels;
}

/** An HTTPRoute that answers plain HTTP with a permanent redirect to https (a RequestRedirect filter, no backend). */
export function httpsRedirectRoute(r: HttpsRedirectInput): Obj {
  return {
    apiVersion: `${GW_GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { name: r.name, namespace: r.namespace, ...(r.labels !== undefined ? { labels: r.labels } : {}) },
    spec: {
      parentRefs: r.parentRefs.map((p) => ({ ...p })),
      ...(r.hostnames !== undefined && r.hostnames.length > 0 ? { hostnames: [...r.hostnames] } : {}),
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    },
  };
}

function gateway(spec: Platform): Doc[] {
  const edge = edgeProfile(spec);
  const listeners: Obj[] = [
    { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } },
    ...hosts(spec).map((h) => ({
      name: listenerName(h),
      protocol: 'HTTPS',
      port: 443,
      hostname: h,
      tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: tlsSecretName(h) }] },
      allowedRoutes: {
        namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: NS_NAME_LABEL, operator: 'In', values: routeNamespaces(spec, h) }] } },
        kinds: [{ group: GW_GROUP, kind: 'HTTPRoute' }],
      },
    })),
  ];
  return [
    {
      comment: `The public edge. cert-manager sees the cluster-issuer annotation and issues a certificate for each HTTPS listener's hostname into the Secret it names.\nOnly the namespaces that route a host may attach to its listener; the HTTP listener takes only the redirect (and cert-manager's HTTP-01 solver routes) from ${edge.namespace}.`,
      object: {
        apiVersion: `${GW_GROUP}/v1`,
        kind: 'Gateway',
        metadata: { name: edge.gatewayName, namespace: edge.namespace, labels: commonLabels(spec), annotations: { 'cert-manager.io/cluster-issuer': issuerName(spec) } },
        spec: { gatewayClassName: edge.className, listeners },
      },
    },
    {
      comment: 'Plain HTTP only redirects to https. cert-manager\'s HTTP-01 solver routes (/.well-known/acme-challenge/<token>) are more specific and win while a challenge is open.',
      object: httpsRedirectRoute({
        namespace: edge.namespace,
        name: 'https-redirect',
        parentRefs: [{ group: GW_GROUP, kind: 'Gateway', name: edge.gatewayName, sectionName: 'http' }],
        labels: commonLabels(spec),
      }),
    },
  ];
}

function parentRef(spec: Platform, host: string): Obj {
  const edge = edgeProfile(spec);
  return { group: GW_GROUP, kind: 'Gateway', name: edge.gatewayName, namespace: edge.namespace, sectionName: listenerName(host) };
}

function routes(spec: Platform): Doc[] {
  const docs: Doc[] = exposed(spec).map((s) => {
    const e = s.expose;
    const metadata: Obj = { name: s.name, namespace: s.name, labels: commonLabels(spec) };
    if (e.public) metadata['annotations'] = { [PUBLIC_ANNOTATION]: 'true', [PUBLIC_REASON_ANNOTATION]: e.publicReason ?? '' };
    return {
      comment: e.public ? `https://${e.host}${e.path} → ${s.name}: public on purpose (${e.publicReason ?? ''}).` : `https://${e.host}${e.path} → ${s.name}, behind oauth2-proxy (SecurityPolicy ${s.name}-oauth2-proxy).`,
      object: {
        apiVersion: `${GW_GROUP}/v1`,
        kind: 'HTTPRoute',
        metadata,
        spec: {
          parentRefs: [parentRef(spec, e.host)],
          hostnames: [e.host],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: e.path } }], backendRefs: [{ name: kubeServiceName(s), port: e.port }] }],
        },
      },
    };
  });
  const ah = authHost(spec);
  docs.push({
    comment: `The sign-in endpoint: oauth2-proxy receives the OIDC callback at https://${ah}/oauth2/callback. It is the authentication service itself, so no SecurityPolicy applies.`,
    object: {
      apiVersion: `${GW_GROUP}/v1`,
      kind: 'HTTPRoute',
      metadata: { name: OAUTH2_PROXY_NAME, namespace: spec.auth.namespace, labels: commonLabels(spec) },
      spec: {
        parentRefs: [parentRef(spec, ah)],
        hostnames: [ah],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/oauth2' } }], backendRefs: [{ name: OAUTH2_PROXY_NAME, port: OAUTH2_PROXY_PORT }] }],
      },
    },
  });
  return docs;
}

export interface SecurityPolicyInput {
  readonly namespace: string;
  readonly name: string;
  /** The route (or Gateway) it applies to, in the policy's namespace. */
  readonly target: { readonly kind: string; readonly name: string };
  /** The oauth2-proxy Service that extAuth asks. */
  readonly authService: { readonly namespace: string; readonly name: string; readonly port: number };
  readonly labels?: Labels;
}

/**
 * An Envoy Gateway SecurityPolicy whose extAuth asks oauth2-proxy about every request
 * and passes its `authorization` header on to the application.
 */
export function securityPolicyObject(p: SecurityPolicyInput): Obj {
  return {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'SecurityPolicy',
    metadata: { name: p.name, namespace: p.namespace, ...(p.labels !== undefined ? { labels: p.labels } : {}) },
    spec: {
      targetRefs: [{ group: GW_GROUP, kind: p.target.kind, name: p.target.name }],
      extAuth: {
        // The HTTP check request carries only Host, Method, Path, Content-Length and Authorization unless told: oauth2-proxy needs its session cookie.
        headersToExtAuth: ['cookie', 'x-forwarded-proto'],
        http: {
          backendRefs: [{ group: '', kind: 'Service', name: p.authService.name, namespace: p.authService.namespace, port: p.authService.port }],
          headersToBackend: ['authorization'],
        },
      },
    },
  };
}

export interface ReferenceGrantInput {
  /** The namespace of the Service (where the grant lives). */
  readonly namespace: string;
  readonly name: string;
  /** Namespaces whose SecurityPolicies may reference the Service. */
  readonly fromNamespaces: readonly string[];
  readonly service: string;
  readonly labels?: Labels;
}

/** A ReferenceGrant that lets SecurityPolicies in other namespaces call one Service. */
export function referenceGrantObject(g: ReferenceGrantInput): Obj {
  return {
    apiVersion: `${GW_GROUP}/v1beta1`,
    kind: 'ReferenceGrant',
    metadata: { name: g.name, namespace: g.namespace, ...(g.labels !== undefined ? { labels: g.labels } : {}) },
    spec: {
      from: g.fromNamespaces.map((namespace) => ({ group: 'gateway.envoyproxy.io', kind: 'SecurityPolicy', namespace })),
      to: [{ group: '', kind: 'Service', name: g.service }],
    },
  };
}

function securityPolicies(spec: Platform): Doc[] {
  const authenticated = exposed(spec).filter((s) => !s.expose.public);
  const docs: Doc[] = authenticated.map((s) => ({
    comment: `Every request for route ${s.name} is first sent to oauth2-proxy. Signed-in users pass, with oauth2-proxy's Authorization: Bearer <ID token> added for the application; others are sent to sign in.`,
    object: securityPolicyObject({ namespace: s.name, name: `${s.name}-oauth2-proxy`, target: { kind: 'HTTPRoute', name: s.name }, authService: { namespace: spec.auth.namespace, name: OAUTH2_PROXY_NAME, port: OAUTH2_PROXY_PORT }, labels: commonLabels(spec) }),
  }));
  const from = [...new Set(authenticated.map((s) => s.name))].filter((ns) => ns !== spec.auth.namespace);
  if (from.length > 0) {
    docs.push({
      comment: `The SecurityPolicies live in the services' namespaces and call oauth2-proxy in ${spec.auth.namespace}: this grant allows exactly that reference.`,
      object: referenceGrantObject({ namespace: spec.auth.namespace, name: 'allow-security-policies-to-oauth2-proxy', fromNamespaces: from, service: OAUTH2_PROXY_NAME, labels: commonLabels(spec) }),
    });
  }
  return docs;
}

export function renderGatewayEdge(spec: Platform): FilePlan[] {
  const edge = edgeProfile(spec);
  const out: FilePlan[] = [
    {
      path: 'edge/gateway.yaml',
      title: `Gateway API edge: Gateway ${edge.namespace}/${edge.gatewayName} (GatewayClass ${edge.className}, Envoy Gateway) and the HTTP → HTTPS redirect.`,
      docs: gateway(spec),
    },
    { path: 'edge/routes.yaml', title: 'HTTPRoutes: one per exposed service, and the sign-in route of oauth2-proxy.', docs: routes(spec) },
  ];
  const sp = securityPolicies(spec);
  if (sp.length > 0) out.push({ path: 'edge/security-policies.yaml', title: 'Envoy Gateway SecurityPolicies: oauth2-proxy in front of every route that is not public.', docs: sp });
  return out;
}
