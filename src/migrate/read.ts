/**
 * Reading what ingress-nginx serves, in the terms a migration needs: per Ingress
 * its hosts, paths (with pathType), backends, TLS, authentication (auth-url,
 * auth-signin, auth-response-headers), redirects, and every annotation that
 * cannot be carried — with what to do about it. Nothing is dropped silently.
 *
 * ingress-nginx semantics followed here (annotations reference of the controller):
 * - the class: `spec.ingressClassName`, the `kubernetes.io/ingress.class`
 *   annotation, or the IngressClass marked `ingressclass.kubernetes.io/is-default-class`;
 * - `ssl-redirect` defaults to true when the Ingress has TLS; `force-ssl-redirect`
 *   redirects even without TLS; the redirect code is 308 (`http-redirect-code`);
 * - `pathType: ImplementationSpecific` without `use-regex` is matched as a prefix.
 *
 * Pure: Inventory in, data out.
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { isRecord } from '../model/json.js';
import {
  annotation,
  annotationsOf,
  certManagerIssuerOf,
  clusterServiceOfUrl,
  field,
  hostCovers,
  ingressEdge,
  INGRESS_NGINX,
  list,
  nameOf,
  NGINX,
  nsOf,
  ofKind,
  PUBLIC_ANNOTATION,
  PUBLIC_REASON_ANNOTATION,
  servicePortNumber,
  str,
  type IssuerRef,
} from '../exposure/index.js';

export type PathType = 'Prefix' | 'Exact';

export interface PathRule {
  /** `/` when the Ingress gives none. */
  readonly path: string;
  readonly pathType: PathType;
  /** The pathType as written, when it was mapped (ImplementationSpecific → Prefix). */
  readonly writtenPathType?: string;
  readonly service: string;
  /** The Service port as a number (a named port resolved through the Service). */
  readonly port: number;
  /** Field path in the Ingress, for messages. */
  readonly at: string;
}

export interface HostPlan {
  readonly host: string;
  readonly paths: readonly PathRule[];
  /** The TLS Secret for this host, when the Ingress terminates TLS for it. */
  readonly tlsSecret?: string;
  /** HTTP requests for this host are redirected to https. */
  readonly redirect: boolean;
}

export interface AuthPlan {
  /** `auth-url` as written. */
  readonly url: string;
  /** The in-cluster Service it names (oauth2-proxy), with its port. */
  readonly service?: { readonly namespace: string; readonly name: string; readonly port: number };
  /** The path of `auth-url` (`/oauth2/auth`). */
  readonly path: string;
  readonly signin?: string;
  /** `auth-response-headers`, lower-case, in order. */
  readonly responseHeaders: readonly string[];
}

/** Something the migration could not carry, and what to do about it. */
export interface Unsupported {
  /** `Ingress ns/name`. */
  readonly ingress: string;
  readonly file: string;
  readonly line: number;
  /** The annotation (or field) that cannot be carried. */
  readonly annotation: string;
  readonly value: string;
  readonly action: string;
}

export interface IngressPlan {
  readonly object: LoadedObject;
  readonly namespace: string;
  readonly name: string;
  readonly hosts: readonly HostPlan[];
  readonly auth?: AuthPlan;
  readonly issuer?: IssuerRef;
  /** `meshless.dev/public` and its reason, carried to the new routes. */
  readonly publicMarking: Readonly<Record<string, string>>;
  readonly rewriteToRoot: boolean;
}

export interface ReadResult {
  readonly ingresses: readonly IngressPlan[];
  readonly unsupported: readonly Unsupported[];
  /** Input problems (a backend port that cannot be resolved...): the CLI exits 2 on these. */
  readonly errors: readonly string[];
}

/** Annotations the migration carries (or deliberately has no use for on the target). */
const CARRIED = new Set(
  ['auth-url', 'auth-signin', 'auth-response-headers', 'ssl-redirect', 'force-ssl-redirect', 'auth-method', 'preserve-trailing-slash', 'proxy-body-size', 'proxy-read-timeout', 'proxy-send-timeout', 'proxy-connect-timeout', 'backend-protocol'].map((a) => `${NGINX}${a}`),
);

/** What to do, per ingress-nginx annotation (or family) that has no direct target. */
function actionFor(key: string, value: string, target: 'envoy-gateway' | 'traefik'): string | undefined {
  const a = key.slice(NGINX.length);
  const gw = target === 'envoy-gateway';
  if (a.endsWith('-snippet')) {
    return `raw NGINX configuration is not carried: read it and express each directive on ${gw ? 'the HTTPRoute (RequestHeaderModifier/ResponseHeaderModifier filters) or an Envoy Gateway policy (ClientTrafficPolicy, BackendTrafficPolicy; EnvoyPatchPolicy only as a last resort)' : 'a Traefik Middleware (headers, redirectRegex, plugin)'}; review that it did not weaken authentication`;
  }
  if (a.startsWith('canary')) return gw ? 'canary traffic is not carried: express it as weighted backendRefs (or header matches) on the HTTPRoute' : 'canary traffic is not carried: use a weighted TraefikService';
  if (a === 'rewrite-target') return gw ? 'the rewrite is not carried (only `/` on Prefix paths is): use an HTTPRoute URLRewrite filter (ReplacePrefixMatch/ReplaceFullPath)' : 'the rewrite is not carried (only `/` on Prefix paths is): use a replacePathRegex or stripPrefix Middleware';
  if (a === 'use-regex') return gw ? 'regular-expression paths are not carried (they were migrated as prefixes): rewrite them as PathPrefix/Exact, or RegularExpression matches (Envoy uses RE2)' : 'regular-expression paths are not carried: use PathRegexp() in the IngressRoute match';
  if (a === 'custom-http-errors' || a === 'default-backend') return gw ? 'custom error pages are not carried: use an Envoy Gateway BackendTrafficPolicy responseOverride' : 'custom error pages are not carried: use an errors Middleware';
  if (a === 'app-root') return gw ? 'app-root is not carried: add a rule matching Exact / with a RequestRedirect filter to the app root' : 'app-root is not carried: add a redirectRegex Middleware';
  if (a === 'whitelist-source-range' || a === 'allowlist-source-range' || a === 'denylist-source-range') return gw ? `the source-range list (${value}) is not carried: add an Envoy Gateway SecurityPolicy authorization rule with clientCIDRs` : `the source-range list (${value}) is not carried: use an ipAllowList Middleware`;
  if (a.startsWith('limit-')) return gw ? 'rate limits are not carried: use an Envoy Gateway BackendTrafficPolicy rateLimit' : 'rate limits are not carried: use a rateLimit Middleware';
  if (a.startsWith('cors-') || a === 'enable-cors') return gw ? 'CORS is not carried: use the SecurityPolicy cors field' : 'CORS is not carried: use a headers Middleware (accessControl*)';
  if (a === 'auth-type' || a === 'auth-secret' || a === 'auth-realm' || a === 'auth-secret-type') return gw ? 'basic authentication is not carried: use SecurityPolicy basicAuth (an htpasswd Secret) or move the users to oauth2-proxy' : 'basic authentication is not carried: use a basicAuth Middleware';
  if (a.startsWith('auth-tls-')) return gw ? 'client certificates are not carried: use a ClientTrafficPolicy clientValidation on the listener' : 'client certificates are not carried: use a TLSOption clientAuth';
  if (a.startsWith('auth-')) return `${a} is not carried: oauth2-proxy's behaviour may differ on the new edge; check the sign-in flow`;
  if (a === 'enable-global-auth') return 'global auth has no equivalent: put a SecurityPolicy on the Gateway (or a forwardAuth Middleware on every route)';
  return `${a} has no equivalent in this migration: check whether the new edge needs it`;
}

function hostPaths(inv: Inventory, ing: LoadedObject, rule: unknown, ri: number, errors: string[], ref: string): PathRule[] {
  const ns = nsOf(ing);
  const out: PathRule[] = [];
  list(field(rule, 'http', 'paths')).forEach((p, pi) => {
    const at = `spec.rules[${ri}].http.paths[${pi}]`;
    const svc = field(p, 'backend', 'service');
    const name = str(field(svc, 'name')) ?? str(field(p, 'backend', 'serviceName'));
    if (!name) {
      errors.push(`${ref}: ${at}.backend names no Service (resource backends cannot be migrated)`);
      return;
    }
    const rawPort = field(svc, 'port', 'number') ?? field(svc, 'port', 'name') ?? field(p, 'backend', 'servicePort');
    const port = servicePortNumber(inv, ns, name, typeof rawPort === 'number' || typeof rawPort === 'string' ? rawPort : undefined);
    if (port === undefined) {
      errors.push(`${ref}: ${at}.backend.service.port: cannot resolve port ${JSON.stringify(rawPort ?? null)} of Service ${ns}/${name} to a number (include the Service in the input)`);
      return;
    }
    const written = str(field(p, 'pathType')) ?? 'ImplementationSpecific';
    const pathType: PathType = written === 'Exact' ? 'Exact' : 'Prefix';
    out.push({ path: str(field(p, 'path')) ?? '/', pathType, ...(written !== pathType ? { writtenPathType: written } : {}), service: name, port, at });
  });
  return out;
}

function authOf(inv: Inventory, ing: LoadedObject): AuthPlan | undefined {
  const url = str(annotation(ing, `${NGINX}auth-url`));
  if (!url) return undefined;
  const ref = clusterServiceOfUrl(url, nsOf(ing), inv);
  const port = ref ? (ref.port ?? servicePortNumber(inv, ref.namespace, ref.name, undefined) ?? (url.startsWith('https') ? 443 : 80)) : undefined;
  const m = /^[a-z]+:\/\/[^/]+(\/[^?#]*)?/i.exec(url);
  const signin = str(annotation(ing, `${NGINX}auth-signin`));
  const headers = (annotation(ing, `${NGINX}auth-response-headers`) ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  return {
    url,
    ...(ref && port !== undefined ? { service: { namespace: ref.namespace, name: ref.name, port } } : {}),
    path: m?.[1] ?? '/',
    ...(signin ? { signin } : {}),
    responseHeaders: [...new Set(headers)],
  };
}

/** Reads every Ingress that ingress-nginx serves. */
export function readIngressNginx(inv: Inventory, target: 'envoy-gateway' | 'traefik'): ReadResult {
  const ingresses: IngressPlan[] = [];
  const unsupported: Unsupported[] = [];
  const errors: string[] = [];
  for (const ing of ofKind(inv, 'Ingress')) {
    if (ingressEdge(inv, ing) !== INGRESS_NGINX) continue;
    const ns = nsOf(ing);
    const ref = `Ingress ${ns}/${nameOf(ing)} (${ing.source.file}:${ing.source.line})`;
    const ann = annotationsOf(ing);
    const line = (path: string): number => inv.locate(ing.source, path) ?? ing.source.line;
    const note = (key: string, value: string, action: string, path = `metadata.annotations.${key}`): void => {
      unsupported.push({ ingress: `Ingress ${ns}/${nameOf(ing)}`, file: ing.source.file, line: line(path), annotation: key, value, action });
    };
    const rewrite = ann[`${NGINX}rewrite-target`];
    const useRegex = ann[`${NGINX}use-regex`] === 'true';
    const rewriteToRoot = rewrite === '/' && !useRegex;
    for (const [k, v] of Object.entries(ann).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!k.startsWith(NGINX) || CARRIED.has(k)) continue;
      if (k === `${NGINX}rewrite-target` && rewriteToRoot) continue;
      if (k === `${NGINX}use-regex` && v !== 'true') continue;
      const action = actionFor(k, v, target);
      if (action) note(k, v, action);
    }
    const bp = ann[`${NGINX}backend-protocol`];
    if (bp && bp.toUpperCase() !== 'HTTP') {
      note(`${NGINX}backend-protocol`, bp, target === 'envoy-gateway' ? `backends speaking ${bp} are migrated as HTTP: add a BackendTLSPolicy (HTTPS) or use a GRPCRoute (GRPC)` : `backends speaking ${bp} are migrated as HTTP: set scheme (https / h2c) on the IngressRoute service`);
    }
    if (field(ing.object, 'spec', 'defaultBackend') !== undefined || field(ing.object, 'spec', 'backend') !== undefined) {
      note('spec.defaultBackend', '', target === 'envoy-gateway' ? 'the catch-all backend is not carried: add an HTTPRoute without hostnames if it is still needed' : 'the catch-all backend is not carried: add an IngressRoute with PathPrefix(`/`) and a low priority', 'spec');
    }
    const tlsEntries = list(field(ing.object, 'spec', 'tls')).filter(isRecord);
    const sslRedirect = ann[`${NGINX}ssl-redirect`] !== 'false';
    const force = ann[`${NGINX}force-ssl-redirect`] === 'true';
    const hosts: HostPlan[] = [];
    list(field(ing.object, 'spec', 'rules')).forEach((rule, ri) => {
      const host = str(field(rule, 'host'));
      if (!host) {
        note(`spec.rules[${ri}]`, '', 'a rule without a host (every host) is not carried: give it a host', `spec.rules[${ri}]`);
        return;
      }
      const paths = hostPaths(inv, ing, rule, ri, errors, ref);
      const t = tlsEntries.find((e) => {
        const hs = list(e['hosts']).filter((h): h is string => typeof h === 'string');
        return hs.length === 0 || hs.some((h) => hostCovers(h, host));
      });
      const secret = t ? str(t['secretName']) : undefined;
      if (t && !secret) note(`spec.tls`, '', `TLS for ${host} uses the controller's default certificate, which is not carried: give it a secretName (or a cert-manager issuer)`, 'spec.tls');
      const tls = secret !== undefined;
      const existing = hosts.find((h) => h.host === host);
      if (existing) {
        hosts[hosts.indexOf(existing)] = { ...existing, paths: [...existing.paths, ...paths] };
      } else {
        hosts.push({ host, paths, ...(secret ? { tlsSecret: secret } : {}), redirect: (tls && sslRedirect) || force });
      }
    });
    const marking: Record<string, string> = {};
    for (const k of [PUBLIC_ANNOTATION, PUBLIC_REASON_ANNOTATION]) if (ann[k] !== undefined) marking[k] = ann[k];
    const auth = authOf(inv, ing);
    if (auth && !auth.service) note(`${NGINX}auth-url`, auth.url, 'the authentication service is outside the cluster (or not in the input): point the SecurityPolicy/forwardAuth at it by hand');
    const issuer = certManagerIssuerOf(ing);
    ingresses.push({ object: ing, namespace: ns, name: nameOf(ing), hosts, ...(auth ? { auth } : {}), ...(issuer ? { issuer } : {}), publicMarking: marking, rewriteToRoot });
  }
  return { ingresses, unsupported, errors };
}
