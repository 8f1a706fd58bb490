/**
 * What the builders of every technology share while the entry points are built
 * (entry-points.ts runs them): the input, what was read once (ingress-nginx's
 * global auth, the Services that authenticate for others, SecurityPolicy
 * targets), and `entry`, which adds one EntryPoint with its auth, public marking,
 * TLS and the endpoints its Service selects.
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { PolicyTarget } from './envoy-gateway.js';
import { serviceEndpoints } from './services.js';
import type { AuthResult, EntryDetail, EntryPoint, HttpsRedirect } from './types.js';
import { publicMarking } from './vocabulary.js';

export interface Builder {
  readonly inv: Inventory;
  /** ingress-nginx's global-auth-url, read once. */
  readonly nginxGlobalAuth: string | undefined;
  readonly authServices: Set<string>;
  readonly policyTargets: ReadonlyMap<LoadedObject, readonly PolicyTarget[]>;
  readonly entries: EntryPoint[];
  readonly details: Map<EntryPoint, EntryDetail>;
  readonly redirects: HttpsRedirect[];
}

export function add(b: Builder, ep: EntryPoint, detail: EntryDetail): void {
  b.entries.push(ep);
  b.details.set(ep, detail);
}

function withAuth(b: Builder, namespace: string, service: string, auth: AuthResult): AuthResult {
  if (auth.authenticated) return auth;
  if (b.authServices.has(`${namespace}/${service}`)) return { authenticated: true, authBy: 'the authentication service itself (its sign-in endpoint)', signIn: true };
  return auth;
}

export function entry(
  b: Builder,
  route: LoadedObject,
  via: string,
  host: string,
  path: string | undefined,
  service: { namespace: string; name: string; port?: number | string },
  auth: AuthResult,
  tls: { tls: boolean; tlsBy?: string },
  detail: EntryDetail,
): void {
  const a = withAuth(b, service.namespace, service.name, auth);
  const pub = publicMarking(route);
  const ep: EntryPoint = {
    route,
    via,
    host,
    ...(path !== undefined ? { path } : {}),
    service,
    endpoints: serviceEndpoints(b.inv, service.namespace, service.name).map((e) => e.id),
    authenticated: a.authenticated,
    ...(a.authBy !== undefined ? { authBy: a.authBy } : {}),
    ...(pub.marked && pub.reason !== undefined ? { publicReason: pub.reason } : {}),
    tls: tls.tls,
    ...(tls.tlsBy !== undefined ? { tlsBy: tls.tlsBy } : {}),
  };
  add(b, ep, a.signIn ? { ...detail, signIn: true } : detail);
}
