/**
 * Traefik: IngressClass `spec.controller: traefik.io/ingress-controller`, the
 * `traefik.ingress.kubernetes.io/router.*` annotations on an Ingress
 * (`router.middlewares`, `router.tls`, `router.tls.certresolver`), the
 * IngressRoute CRD (`spec.routes[].match` rules such as Host(`a`) && PathPrefix(`/p`),
 * `spec.routes[].middlewares`, `spec.tls.secretName` / `certResolver`) and the
 * Middleware CRD's authentication (`forwardAuth.address`, `basicAuth`,
 * `digestAuth`, followed through `chain`), in both API groups `traefik.io` and
 * the older `traefik.containo.us`. https://doc.traefik.io/traefik/routing/providers/kubernetes-crd/
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { isRecord } from '../model/json.js';
import { entry, type Builder } from './builder.js';
import { ofKind } from './lookup.js';
import { annotation, describe, field, list, nameOf, nsOf, str } from './objects.js';
import { secretEvidence } from './tls.js';
import type { AuthResult } from './types.js';
import { isTraefikCrd, TRAEFIK } from './vocabulary.js';

/** IngressClass `spec.controller` of Traefik. */
export const TRAEFIK_CONTROLLER = 'traefik.io/ingress-controller';

export const TRAEFIK_ROUTER = 'traefik.ingress.kubernetes.io/router.';

export interface MiddlewareAuth {
  readonly kind: 'forwardAuth' | 'basicAuth' | 'digestAuth';
  readonly middleware: LoadedObject;
  readonly address?: string;
}

export function findMiddleware(inv: Inventory, namespace: string, name: string): LoadedObject | undefined {
  return ofKind(inv, 'Middleware').find((o) => isTraefikCrd(o, 'Middleware') && nsOf(o) === namespace && nameOf(o) === name);
}

/** The authentication a Middleware performs, following `chain` middlewares. */
export function middlewareAuth(inv: Inventory, mw: LoadedObject, depth = 0): MiddlewareAuth | undefined {
  const spec = field(mw.object, 'spec');
  const fa = field(spec, 'forwardAuth');
  if (isRecord(fa)) {
    const address = str(fa['address']);
    return address ? { kind: 'forwardAuth', middleware: mw, address } : { kind: 'forwardAuth', middleware: mw };
  }
  if (isRecord(field(spec, 'basicAuth'))) return { kind: 'basicAuth', middleware: mw };
  if (isRecord(field(spec, 'digestAuth'))) return { kind: 'digestAuth', middleware: mw };
  if (depth > 8) return undefined;
  for (const ref of list(field(spec, 'chain', 'middlewares'))) {
    const name = str(field(ref, 'name'));
    if (!name) continue;
    const m = findMiddleware(inv, str(field(ref, 'namespace')) ?? nsOf(mw), name);
    const a = m ? middlewareAuth(inv, m, depth + 1) : undefined;
    if (a) return a;
  }
  return undefined;
}

/** Middlewares named in `traefik.ingress.kubernetes.io/router.middlewares` (`<namespace>-<name>@kubernetescrd`). */
export function ingressMiddlewares(inv: Inventory, ing: LoadedObject): LoadedObject[] {
  const raw = annotation(ing, `${TRAEFIK_ROUTER}middlewares`);
  if (!raw) return [];
  const out: LoadedObject[] = [];
  for (const part of raw.split(',')) {
    const ref = part.trim();
    if (ref === '') continue;
    const at = ref.indexOf('@');
    const provider = at < 0 ? 'kubernetescrd' : ref.slice(at + 1);
    if (provider !== 'kubernetescrd') continue;
    const id = at < 0 ? ref : ref.slice(0, at);
    const mw = ofKind(inv, 'Middleware').find((m) => isTraefikCrd(m, 'Middleware') && `${nsOf(m)}-${nameOf(m)}` === id);
    if (mw) out.push(mw);
  }
  return out;
}

/** Host(`a`) / Host(`a`, `b`) / HostSNI; `*` when the rule does not restrict the host. */
export function traefikMatchHosts(match: string): string[] {
  const hosts: string[] = [];
  for (const m of match.matchAll(/\bHost(?:SNI)?\(([^)]*)\)/g)) {
    for (const a of m[1]!.matchAll(/[`"']([^`"']+)[`"']/g)) hosts.push(a[1]!);
  }
  return hosts.length > 0 ? [...new Set(hosts)] : ['*'];
}

function traefikMatchPath(match: string): string | undefined {
  const m = /\b(?:PathPrefix|Path)\(\s*[`"']([^`"']+)[`"']/.exec(match);
  return m ? m[1] : undefined;
}

/** What authenticates an Ingress served by Traefik: the first authenticating Middleware its `router.middlewares` annotation names. */
export function traefikIngressAuth(inv: Inventory, ing: LoadedObject): AuthResult {
  for (const mw of ingressMiddlewares(inv, ing)) {
    const a = middlewareAuth(inv, mw);
    if (a) return { authenticated: true, authBy: `${a.kind} ${describe(a.middleware)}${a.address ? ` (${a.address})` : ''}` };
  }
  return { authenticated: false };
}

/** The forwardAuth Middlewares in the input, in input order. */
export function forwardAuthMiddlewares(inv: Inventory): LoadedObject[] {
  return ofKind(inv, 'Middleware').filter((m) => isTraefikCrd(m, 'Middleware') && isRecord(field(m.object, 'spec', 'forwardAuth')));
}

export function addIngressRoute(b: Builder, ir: LoadedObject): void {
  const ns = nsOf(ir);
  const tlsSpec = field(ir.object, 'spec', 'tls');
  const tls = isRecord(tlsSpec)
    ? {
        tls: true,
        tlsBy: str(tlsSpec['secretName'])
          ? secretEvidence(b.inv, ns, str(tlsSpec['secretName'])!)
          : str(tlsSpec['certResolver'])
            ? `Traefik certResolver ${str(tlsSpec['certResolver'])!}`
            : 'the Traefik default certificate',
      }
    : { tls: false };
  list(field(ir.object, 'spec', 'routes')).forEach((route, ri) => {
    const match = str(field(route, 'match')) ?? '';
    let auth: AuthResult = { authenticated: false };
    for (const ref of list(field(route, 'middlewares'))) {
      const name = str(field(ref, 'name'));
      if (!name) continue;
      const mw = findMiddleware(b.inv, str(field(ref, 'namespace')) ?? ns, name);
      const a = mw ? middlewareAuth(b.inv, mw) : undefined;
      if (a) {
        auth = { authenticated: true, authBy: `${a.kind} ${describe(a.middleware)}${a.address ? ` (${a.address})` : ''}` };
        break;
      }
    }
    const path = traefikMatchPath(match);
    for (const host of traefikMatchHosts(match)) {
      for (const s of list(field(route, 'services'))) {
        const kind = str(field(s, 'kind')) ?? 'Service';
        const name = str(field(s, 'name'));
        if (kind !== 'Service' || !name) continue;
        const port = field(s, 'port');
        const svc = { namespace: str(field(s, 'namespace')) ?? ns, name, ...(typeof port === 'number' || typeof port === 'string' ? { port } : {}) };
        entry(b, ir, TRAEFIK, host, path, svc, auth, tls, { path: `spec.routes[${ri}].match` });
      }
    }
  });
}
