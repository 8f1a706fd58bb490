/**
 * ingress-nginx → Envoy Gateway: a Gateway (or listeners added to the one named),
 * one HTTPRoute per Ingress host, HTTP→HTTPS redirect routes, SecurityPolicies
 * with extAuth for the Ingresses that had auth-url, cert-manager Certificates
 * that keep renewing the Secrets the Ingresses used, and the ReferenceGrants
 * that cross-namespace references need.
 *
 * Envoy Gateway semantics (gateway.envoyproxy.io/v1alpha1, ext_auth_types.go):
 * - `extAuth.http.backendRefs` names the authorization Service; `headersToBackend`
 *   copies headers of its 2xx answer to the request upstream (auth-response-headers);
 *   `headersToExtAuth` adds request headers to the check request (the session cookie);
 * - without `path`, the check request keeps the original path: oauth2-proxy running
 *   `--upstream=static://202` answers 202 to signed-in users and redirects the
 *   others to sign in, and Envoy hands that redirect to the client — the
 *   auth-signin behaviour. `pathOverride` sends every check to one exact path.
 * - a SecurityPolicy's Service in another namespace needs a ReferenceGrant there.
 * Gateway API: `RequestRedirect` allows the status codes 301 and 302.
 */
import type { IGateway, IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import type { IReferenceGrant } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1';
import type { ICertificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import type { Inventory } from '../model/inventory.js';
import { field, findObject, gateways, list, nameOf, nsOf, ofKind, str } from '../exposure/index.js';
import { isRecord } from '../model/json.js';
import type { Obj } from '../generate/platform.js';
import type { Doc, FilePlan } from '../generate/yaml.js';
import type { HostPlan, IngressPlan, Unsupported } from './read.js';
import { MANAGED, MIGRATED_FROM, objectName, slug, type EdgePods } from './types.js';

const GW_GROUP = 'gateway.networking.k8s.io';
const NS_LABEL = 'kubernetes.io/metadata.name';
export const DEFAULT_GATEWAY = { namespace: 'envoy-gateway-system', name: 'ingress-nginx-migrated' } as const;

export function listenerFor(host: string): string {
  return objectName('https', slug(host));
}

export function routeName(ing: IngressPlan, h: HostPlan): string {
  return ing.hosts.length === 1 ? ing.name : objectName(ing.name, slug(h.host));
}

/** The proxy pods Envoy Gateway runs for a Gateway: in the controller's namespace, labelled with the Gateway. */
export function envoyPods(inv: Inventory, gw: { namespace: string; name: string }): EdgePods {
  const labels = {
    'app.kubernetes.io/name': 'envoy',
    'app.kubernetes.io/component': 'proxy',
    'gateway.envoyproxy.io/owning-gateway-name': gw.name,
    'gateway.envoyproxy.io/owning-gateway-namespace': gw.namespace,
  };
  const existing = inv.endpoints.find((e) => Object.entries(labels).every(([k, v]) => e.labels[k] === v));
  if (existing) return { namespace: existing.namespace, labels, ports: existing.ports.filter((p) => p.name !== undefined && /^https?$/.test(p.name)).map((p) => ({ name: p.name!, port: p.port })), inInput: true, name: existing.name };
  const controller = inv.endpoints.find((e) => e.labels['control-plane'] === 'envoy-gateway' || e.labels['app.kubernetes.io/name'] === 'gateway-helm');
  // Listener ports below 1024 are shifted by 10000 inside the proxy pod (80 → 10080, 443 → 10443).
  return {
    namespace: controller?.namespace ?? 'envoy-gateway-system',
    labels,
    ports: [
      { name: 'http', port: 10080 },
      { name: 'https', port: 10443 },
    ],
    inInput: false,
    name: objectName('envoy', gw.namespace, gw.name),
  };
}

function gatewayClassName(inv: Inventory): string {
  const cls = ofKind(inv, 'GatewayClass').find((c) => str(field(c.object, 'spec', 'controllerName')) === 'gateway.envoyproxy.io/gatewayclass-controller');
  return cls ? nameOf(cls) : 'eg';
}

/** Does oauth2-proxy answer at any path (`--upstream=static://…`), so that the check request may keep the request's path? */
function staticUpstream(inv: Inventory, ns: string, svcName: string): boolean {
  const svc = findObject(inv, 'Service', ns, svcName);
  const sel = svc ? field(svc.object, 'spec', 'selector') : undefined;
  if (!isRecord(sel)) return false;
  for (const e of inv.endpoints) {
    if (e.namespace !== ns || !Object.entries(sel).every(([k, v]) => e.labels[k] === v)) continue;
    const w = inv.objects.find((o) => o.source === e.source);
    const containers = list(field(w?.object, ...(e.kind === 'Pod' ? ['spec'] : ['spec', 'template', 'spec']), 'containers'));
    for (const c of containers) {
      const args = [...list(field(c, 'args')), ...list(field(c, 'command'))].filter((a): a is string => typeof a === 'string');
      if (args.some((a) => /^--upstream=static:\/\//.test(a))) return true;
      if (list(field(c, 'env')).some((v) => field(v, 'name') === 'OAUTH2_PROXY_UPSTREAMS' && /static:\/\//.test(str(field(v, 'value')) ?? ''))) return true;
    }
  }
  return false;
}

const labels = (from: string): { labels: Record<string, string>; annotations: Record<string, string> } => ({ labels: { ...MANAGED }, annotations: { [MIGRATED_FROM]: from } });

export function renderEnvoyGateway(inv: Inventory, plans: readonly IngressPlan[], gwRef: { namespace: string; name: string } | undefined, unsupported: Unsupported[]): FilePlan[] {
  const gwId = gwRef ?? DEFAULT_GATEWAY;
  const existing = gwRef ? gateways(inv).find((g) => nsOf(g) === gwRef.namespace && nameOf(g) === gwRef.name) : undefined;
  const routeNs = [...new Set(plans.map((p) => p.namespace))].sort();

  // --- listeners ------------------------------------------------------------
  const oldListeners = existing ? list(field(existing.object, 'spec', 'listeners')).filter(isRecord) : [];
  const httpExisting = oldListeners.find((l) => l['protocol'] === 'HTTP' && l['port'] === 80 && l['hostname'] === undefined);
  const httpName = str(httpExisting?.['name']) ?? 'http';
  const listeners: Obj[] = oldListeners.map((l) => ({ ...l }));
  if (!httpExisting) {
    listeners.push({ name: httpName, protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: NS_LABEL, operator: 'In', values: routeNs }] } } } });
  } else {
    unsupported.push({ ingress: `Gateway ${gwId.namespace}/${gwId.name}`, file: existing!.source.file, line: existing!.source.line, annotation: `spec.listeners.${httpName}`, value: '', action: `routes in ${routeNs.join(', ')} attach to the existing HTTP listener "${httpName}": check that its allowedRoutes admits those namespaces` });
  }
  const tlsHosts = new Map<string, { namespace: string; secret: string; ns: Set<string> }>();
  for (const p of plans) for (const h of p.hosts) if (h.tlsSecret) {
    const t = tlsHosts.get(h.host);
    if (t) t.ns.add(p.namespace);
    else tlsHosts.set(h.host, { namespace: p.namespace, secret: h.tlsSecret, ns: new Set([p.namespace]) });
  }
  for (const [host, t] of [...tlsHosts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const name = listenerFor(host);
    if (listeners.some((l) => l['name'] === name)) continue;
    listeners.push({
      name,
      protocol: 'HTTPS',
      port: 443,
      hostname: host,
      tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: t.secret, ...(t.namespace !== gwId.namespace ? { namespace: t.namespace } : {}) }] },
      allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: NS_LABEL, operator: 'In', values: [...t.ns].sort() } ] } }, kinds: [{ group: GW_GROUP, kind: 'HTTPRoute' }] },
    });
  }
  const gateway: IGateway = {
    apiVersion: `${GW_GROUP}/v1`,
    kind: 'Gateway',
    metadata: existing
      ? { ...(existing.object.metadata as object), name: gwId.name, namespace: gwId.namespace }
      : { name: gwId.name, namespace: gwId.namespace, ...labels('ingress-nginx') },
    spec: existing ? ({ ...(field(existing.object, 'spec') as object), listeners } as IGateway['spec']) : ({ gatewayClassName: gatewayClassName(inv), listeners } as IGateway['spec']),
  };
  const edgeDocs: Doc[] = [
    { comment: existing ? `The existing Gateway ${gwId.namespace}/${gwId.name} with the listeners the migrated hosts need added (one HTTPS listener per host; the certificates stay in the Secrets the Ingresses used).` : 'The Gateway that replaces ingress-nginx: plain HTTP (redirects only, where the Ingress redirected) and one HTTPS listener per host, with the certificate the Ingress used.', object: gateway as unknown as Obj },
  ];

  // --- certificates and grants ----------------------------------------------
  const tlsDocs: Doc[] = [];
  const secretGrants = new Map<string, Set<string>>();
  for (const [, t] of tlsHosts) if (t.namespace !== gwId.namespace) (secretGrants.get(t.namespace) ?? secretGrants.set(t.namespace, new Set()).get(t.namespace)!).add(t.secret);
  const certs = new Map<string, { ns: string; secret: string; hosts: string[]; issuer: NonNullable<IngressPlan['issuer']> }>();
  for (const p of plans) {
    if (!p.issuer) continue;
    for (const h of p.hosts) {
      if (!h.tlsSecret) continue;
      const key = `${p.namespace}/${h.tlsSecret}`;
      const c = certs.get(key);
      if (c) c.hosts.push(h.host);
      else certs.set(key, { ns: p.namespace, secret: h.tlsSecret, hosts: [h.host], issuer: p.issuer });
    }
  }
  for (const c of [...certs.values()].sort((a, b) => (`${a.ns}/${a.secret}` < `${b.ns}/${b.secret}` ? -1 : 1))) {
    const cert: ICertificate = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: c.secret, namespace: c.ns, ...labels(`cert-manager annotations of the Ingress (${c.issuer.kind} ${c.issuer.name})`) },
      spec: { secretName: c.secret, dnsNames: [...new Set(c.hosts)].sort(), issuerRef: { group: 'cert-manager.io', kind: c.issuer.kind, name: c.issuer.name } },
    };
    tlsDocs.push({ comment: `cert-manager created this Certificate for the Ingress (ingress-shim) and deletes it with the Ingress: declared here it keeps renewing Secret ${c.ns}/${c.secret}.`, object: cert as unknown as Obj });
  }
  for (const [ns, secrets] of [...secretGrants].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const grant: IReferenceGrant = {
      apiVersion: `${GW_GROUP}/v1beta1`,
      kind: 'ReferenceGrant',
      metadata: { name: objectName('allow-gateway', gwId.name, 'tls'), namespace: ns, labels: { ...MANAGED } },
      spec: { from: [{ group: GW_GROUP, kind: 'Gateway', namespace: gwId.namespace }], to: [...secrets].sort().map((name) => ({ group: '', kind: 'Secret', name })) },
    };
    tlsDocs.push({ comment: `The Gateway in ${gwId.namespace} terminates TLS with certificates kept in ${ns}: this grant allows exactly those Secrets.`, object: grant as unknown as Obj });
  }

  // --- routes -----------------------------------------------------------------
  const routeDocs: Doc[] = [];
  const policyDocs: Doc[] = [];
  const authGrants = new Map<string, { names: Set<string>; from: Set<string> }>();
  for (const p of plans) {
    const from = `Ingress ${p.namespace}/${p.name}`;
    const routes: string[] = [];
    const redirectHosts: string[] = [];
    for (const h of p.hosts) {
      const name = routeName(p, h);
      routes.push(name);
      if (h.redirect) redirectHosts.push(h.host);
      if (h.tlsSecret && !h.redirect) {
        unsupported.push({ ingress: from, file: p.object.source.file, line: p.object.source.line, annotation: 'nginx.ingress.kubernetes.io/ssl-redirect', value: 'false', action: `plain HTTP for ${h.host} is not carried (the route is on the HTTPS listener only): add a parentRef to the "${httpName}" listener if clients truly need http://` });
      }
      const route: IHTTPRoute = {
        apiVersion: `${GW_GROUP}/v1`,
        kind: 'HTTPRoute',
        metadata: { name, namespace: p.namespace, labels: { ...MANAGED }, annotations: { [MIGRATED_FROM]: from, ...p.publicMarking } },
        spec: {
          parentRefs: [{ group: GW_GROUP, kind: 'Gateway', name: gwId.name, namespace: gwId.namespace, sectionName: h.tlsSecret ? listenerFor(h.host) : httpName }],
          hostnames: [h.host],
          rules: h.paths.map((r) => ({
            matches: [{ path: { type: r.pathType === 'Exact' ? 'Exact' : 'PathPrefix', value: r.path } }],
            ...(p.rewriteToRoot && r.pathType === 'Prefix' && r.path !== '/' ? { filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }] } : {}),
            backendRefs: [{ group: '', kind: 'Service', name: r.service, port: r.port }],
          })),
        },
      };
      routeDocs.push({ comment: `${h.tlsSecret ? 'https' : 'http'}://${h.host}: ${h.paths.map((r) => `${r.path} (${r.pathType}${r.writtenPathType ? `, was ${r.writtenPathType}` : ''}) → ${r.service}:${r.port}`).join(', ')} — from ${from}.`, object: route as unknown as Obj });
    }
    if (redirectHosts.length > 0) {
      const redirect: IHTTPRoute = {
        apiVersion: `${GW_GROUP}/v1`,
        kind: 'HTTPRoute',
        metadata: { name: objectName(p.name, 'https-redirect'), namespace: p.namespace, labels: { ...MANAGED }, annotations: { [MIGRATED_FROM]: from } },
        spec: {
          parentRefs: [{ group: GW_GROUP, kind: 'Gateway', name: gwId.name, namespace: gwId.namespace, sectionName: httpName }],
          hostnames: redirectHosts,
          rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
        },
      };
      routeDocs.push({ comment: `ssl-redirect / force-ssl-redirect: plain HTTP to ${redirectHosts.join(', ')} is redirected to https (ingress-nginx answered 308; Gateway API allows 301 and 302).`, object: redirect as unknown as Obj });
    }
    const auth = p.auth;
    if (auth?.service) {
      const keepPath = staticUpstream(inv, auth.service.namespace, auth.service.name);
      if (auth.signin && !keepPath) {
        unsupported.push({ ingress: from, file: p.object.source.file, line: p.object.source.line, annotation: 'nginx.ingress.kubernetes.io/auth-signin', value: auth.signin, action: `the sign-in redirect is not carried: oauth2-proxy ${auth.service.namespace}/${auth.service.name} does not run --upstream=static://202, so the check goes to ${auth.path} and signed-out users get 401; run oauth2-proxy with --upstream=static://202 and drop pathOverride` });
      }
      const sp = {
        apiVersion: 'gateway.envoyproxy.io/v1alpha1',
        kind: 'SecurityPolicy',
        metadata: { name: objectName(p.name, 'ext-auth'), namespace: p.namespace, labels: { ...MANAGED }, annotations: { [MIGRATED_FROM]: from, ...(auth.signin ? { 'meshless.dev/auth-signin': auth.signin } : {}) } },
        spec: {
          targetRefs: routes.map((name) => ({ group: GW_GROUP, kind: 'HTTPRoute', name })),
          extAuth: {
            // The check request carries only a few headers unless told: oauth2-proxy needs its session cookie.
            headersToExtAuth: ['cookie', 'x-forwarded-proto', 'x-forwarded-host'],
            http: {
              backendRefs: [{ group: '', kind: 'Service', name: auth.service.name, namespace: auth.service.namespace, port: auth.service.port }],
              ...(keepPath ? {} : { pathOverride: auth.path }),
              ...(auth.responseHeaders.length > 0 ? { headersToBackend: [...auth.responseHeaders] } : {}),
            },
          },
        },
      };
      policyDocs.push({
        comment: `auth-url ${auth.url}: every request to ${p.hosts.map((h) => h.host).join(', ')} is first checked by oauth2-proxy${auth.responseHeaders.length ? `; ${auth.responseHeaders.join(', ')} of its answer go on to the application` : ''}.${auth.signin ? ` Sign-in (auth-signin ${auth.signin}): ${keepPath ? 'oauth2-proxy answers signed-out users with its redirect, which Envoy returns to the client' : 'NOT carried, see the list of things to do'}.` : ''}`,
        object: sp,
      });
      if (auth.service.namespace !== p.namespace) {
        const g = authGrants.get(auth.service.namespace) ?? authGrants.set(auth.service.namespace, { names: new Set(), from: new Set() }).get(auth.service.namespace)!;
        g.names.add(auth.service.name);
        g.from.add(p.namespace);
      }
    }
  }
  for (const [ns, g] of [...authGrants].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const grant: IReferenceGrant = {
      apiVersion: `${GW_GROUP}/v1beta1`,
      kind: 'ReferenceGrant',
      metadata: { name: 'allow-security-policies-to-oauth2-proxy', namespace: ns, labels: { ...MANAGED } },
      spec: { from: [...g.from].sort().map((namespace) => ({ group: 'gateway.envoyproxy.io', kind: 'SecurityPolicy', namespace })), to: [...g.names].sort().map((name) => ({ group: '', kind: 'Service', name })) },
    };
    policyDocs.push({ comment: `The SecurityPolicies call the authentication Service in ${ns}: this grant allows exactly that reference.`, object: grant as unknown as Obj });
  }
  const files: FilePlan[] = [{ path: 'gateway.yaml', title: `Gateway ${gwId.namespace}/${gwId.name} (Envoy Gateway) for the hosts ingress-nginx served.`, docs: edgeDocs }];
  if (tlsDocs.length > 0) files.push({ path: 'tls.yaml', title: 'Certificates and the grants that let the Gateway use them.', docs: tlsDocs });
  files.push({ path: 'routes.yaml', title: 'HTTPRoutes: one per Ingress host, and the HTTP → HTTPS redirects.', docs: routeDocs });
  if (policyDocs.length > 0) files.push({ path: 'security-policies.yaml', title: 'SecurityPolicies: oauth2-proxy (extAuth) in front of every route whose Ingress had auth-url.', docs: policyDocs });
  return files;
}
