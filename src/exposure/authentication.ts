/**
 * Authentication services: the workloads that sign users in (oauth2-proxy,
 * Authelia, Dex, Keycloak, Pomerium, vouch-proxy, Ory Oathkeeper/Kratos, Zitadel,
 * authentik, by image), the Services that authenticate for others (what an
 * ingress-nginx `auth-url`, a Traefik `forwardAuth.address` or an Envoy Gateway
 * `extAuth` calls), and the oauth2-proxy endpoints that fixes point at
 * (`/oauth2/auth`, `/oauth2/start`, from its `--redirect-url` flag).
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { extAuthBackends, securityPolicies } from './envoy-gateway.js';
import { NGINX } from './ingress-nginx.js';
import { indexOf, ofKind } from './lookup.js';
import { annotation, field, nameOf, nsOf, q, str } from './objects.js';
import { clusterServiceOfUrl, servicePort, servicesOf } from './services.js';
import { containersOf, flagValue, runsImage, workloads } from './workloads.js';

const OAUTH2_PROXY_IMAGE = /(^|\/)oauth2[-_]proxy(:|@|$)/;
/** Images of authentication proxies and identity providers: a route to one of them is the sign-in endpoint. */
const AUTH_SERVICE_IMAGES: readonly RegExp[] = [
  OAUTH2_PROXY_IMAGE,
  /(^|\/)(authelia|dex|keycloak|pomerium|vouch-proxy|oathkeeper|kratos|zitadel)(:|@|$)/,
  /(^|\/)goauthentik\/server(:|@|$)/,
];

export function isOAuth2ProxyImage(image: string): boolean {
  return OAUTH2_PROXY_IMAGE.test(image.toLowerCase());
}

function isAuthServiceImage(image: string): boolean {
  const i = image.toLowerCase();
  return AUTH_SERVICE_IMAGES.some((r) => r.test(i));
}

/** oauth2-proxy workloads (by image), in input order. */
export function oauth2ProxyWorkloads(inv: Inventory): readonly LoadedObject[] {
  // Asked by several checks and per entry point: every workload's containers are read once.
  const idx = indexOf(inv);
  idx.oauth2ProxyWorkloads ??= workloads(inv).filter((o) => runsImage(o, isOAuth2ProxyImage));
  return idx.oauth2ProxyWorkloads;
}

/** Services that authenticate for others: selected auth-proxy workloads, and what auth-url / forwardAuth / extAuth call. */
export function authServiceKeys(inv: Inventory): Set<string> {
  const keys = new Set<string>();
  for (const w of workloads(inv)) {
    if (!runsImage(w, isAuthServiceImage)) continue;
    for (const s of servicesOf(inv, w)) keys.add(`${nsOf(s)}/${nameOf(s)}`);
  }
  for (const ing of ofKind(inv, 'Ingress')) {
    const url = annotation(ing, `${NGINX}auth-url`);
    const ref = url ? clusterServiceOfUrl(url, nsOf(ing), inv) : undefined;
    if (ref) keys.add(`${ref.namespace}/${ref.name}`);
  }
  for (const mw of ofKind(inv, 'Middleware')) {
    const address = str(field(mw.object, 'spec', 'forwardAuth', 'address'));
    const ref = address ? clusterServiceOfUrl(address, nsOf(mw), inv) : undefined;
    if (ref) keys.add(`${ref.namespace}/${ref.name}`);
  }
  for (const sp of securityPolicies(inv)) for (const b of extAuthBackends(sp)) keys.add(`${b.namespace}/${b.name}`);
  return keys;
}

export interface AuthProxyHint {
  /** The oauth2-proxy Service, when the input has one. */
  readonly service?: { readonly namespace: string; readonly name: string; readonly port: number };
  /** ingress-nginx auth-url (the in-cluster oauth2-proxy `/oauth2/auth`). */
  readonly authUrl: string;
  /** ingress-nginx auth-signin (the sign-in start URL with the return address). */
  readonly signinUrl: string;
  /** Traefik forwardAuth address. */
  readonly forwardAuthAddress: string;
}

const hints = new WeakMap<Inventory, AuthProxyHint>();

/** The oauth2-proxy in the input, and the URLs to use for it, so that fixes can be pasted as they are. */
export function authProxyHint(inv: Inventory): AuthProxyHint {
  let h = hints.get(inv);
  if (!h) {
    h = computeAuthProxyHint(inv);
    hints.set(inv, h);
  }
  return h;
}

function computeAuthProxyHint(inv: Inventory): AuthProxyHint {
  let service: AuthProxyHint['service'];
  let redirectHost: string | undefined;
  for (const w of oauth2ProxyWorkloads(inv)) {
    const svc = servicesOf(inv, w)[0];
    if (svc && !service) service = { namespace: nsOf(svc), name: nameOf(svc), port: servicePort(svc) ?? 4180 };
    for (const c of containersOf(w)) {
      const redirect = flagValue(c.container, 'redirect-url');
      const m = redirect ? /^https?:\/\/([^/]+)/.exec(redirect) : null;
      if (m && !redirectHost) redirectHost = m[1];
    }
  }
  const s = service ?? { namespace: 'auth', name: 'oauth2-proxy', port: 4180 };
  const base = `http://${s.name}.${s.namespace}.svc.cluster.local:${s.port}`;
  const existingSignin = ofKind(inv, 'Ingress')
    .map((i) => annotation(i, `${NGINX}auth-signin`))
    .find((v): v is string => v !== undefined && v !== '');
  const signinUrl = existingSignin ?? (redirectHost ? `https://${redirectHost}/oauth2/start?rd=https://$host$escaped_request_uri` : 'https://$host/oauth2/start?rd=$escaped_request_uri');
  return { ...(service ? { service } : {}), authUrl: `${base}/oauth2/auth`, signinUrl, forwardAuthAddress: `${base}/oauth2/auth` };
}

/** The ingress-nginx annotations that put oauth2-proxy in front of an Ingress. */
export function nginxAuthAnnotations(inv: Inventory): string {
  const h = authProxyHint(inv);
  return [
    'metadata:',
    '  annotations:',
    `    nginx.ingress.kubernetes.io/auth-url: ${q(h.authUrl)}`,
    `    nginx.ingress.kubernetes.io/auth-signin: ${q(h.signinUrl)}`,
    '    nginx.ingress.kubernetes.io/auth-response-headers: "authorization"',
  ].join('\n');
}
