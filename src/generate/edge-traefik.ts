/**
 * Traefik's authentication object: a Middleware (`traefik.io/v1alpha1`) whose
 * forwardAuth sends a copy of every request to oauth2-proxy; a 2xx answer lets
 * the request through with the headers named in `authResponseHeaders` copied
 * onto it. Routes use it by name (IngressRoute `routes[].middlewares`, or the
 * Ingress annotation `traefik.ingress.kubernetes.io/router.middlewares:
 * <namespace>-<name>@kubernetescrd`). https://doc.traefik.io/traefik/middlewares/http/forwardauth/
 */
import type { Obj } from './platform.js';

export interface ForwardAuthMiddlewareInput {
  /** `traefik.io/v1alpha1` by default; `traefik.containo.us/v1alpha1` for Traefik 2. */
  readonly apiVersion?: string;
  readonly namespace: string;
  readonly name: string;
  /** oauth2-proxy's `/oauth2/auth` URL. */
  readonly address: string;
  readonly trustForwardHeader: boolean;
  readonly authResponseHeaders: readonly string[];
}

export function forwardAuthMiddlewareObject(m: ForwardAuthMiddlewareInput): Obj {
  return {
    apiVersion: m.apiVersion ?? 'traefik.io/v1alpha1',
    kind: 'Middleware',
    metadata: { name: m.name, namespace: m.namespace },
    spec: { forwardAuth: { address: m.address, trustForwardHeader: m.trustForwardHeader, ...(m.authResponseHeaders.length > 0 ? { authResponseHeaders: [...m.authResponseHeaders] } : {}) } },
  };
}
