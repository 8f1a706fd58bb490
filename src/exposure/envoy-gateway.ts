/**
 * Envoy Gateway's SecurityPolicy (`gateway.envoyproxy.io/v1alpha1`): what it
 * targets (`spec.targetRefs`, the older `targetRef`, `targetSelectors`, with
 * `sectionName`), what it authenticates with (`extAuth` http/grpc with
 * `backendRefs`, `oidc`, `jwt`, `basicAuth`, `apiKeyAuth`), which one applies to
 * a route (the most specific: route rule, route, listener, Gateway; `mergeType`
 * merges), and the ReferenceGrants that let it call a Service in another
 * namespace. https://gateway.envoyproxy.io/docs/api/extension_types/#securitypolicy
 */
import type { Inventory } from '../model/inventory.js';
import { apiGroup, type LoadedObject } from '../model/kube.js';
import { isRecord } from '../model/json.js';
import { matches } from '../netpol/selector.js';
import { ofKind } from './lookup.js';
import { describe, field, list, nameOf, nsOf, selectorOf, str } from './objects.js';
import type { AuthResult, ListenerInfo } from './types.js';
import { ENVOY_GATEWAY_GROUP, GATEWAY_GROUP } from './vocabulary.js';

export interface PolicyTarget {
  readonly kind: string;
  readonly name: string;
  readonly sectionName?: string;
}

/** Envoy Gateway SecurityPolicies, in input order. */
export function securityPolicies(inv: Inventory): LoadedObject[] {
  return ofKind(inv, 'SecurityPolicy').filter((o) => apiGroup(o.object.apiVersion) === ENVOY_GATEWAY_GROUP);
}

/** `targetRefs`, the older single `targetRef`, and `targetSelectors` resolved against the policy's namespace. */
export function policyTargets(inv: Inventory, sp: LoadedObject): PolicyTarget[] {
  const out: PolicyTarget[] = [];
  const spec = field(sp.object, 'spec');
  const refs = [...list(field(spec, 'targetRefs'))];
  const single = field(spec, 'targetRef');
  if (isRecord(single)) refs.push(single);
  for (const r of refs) {
    const kind = str(field(r, 'kind'));
    const name = str(field(r, 'name'));
    if (!kind || !name) continue;
    const sectionName = str(field(r, 'sectionName'));
    out.push(sectionName ? { kind, name, sectionName } : { kind, name });
  }
  for (const s of list(field(spec, 'targetSelectors'))) {
    const kind = str(field(s, 'kind'));
    if (!kind) continue;
    const sel = selectorOf(s);
    for (const o of ofKind(inv, kind)) {
      if (apiGroup(o.object.apiVersion) === GATEWAY_GROUP && nsOf(o) === nsOf(sp) && matches(sel, o.object.metadata.labels ?? {})) out.push({ kind, name: nameOf(o) });
    }
  }
  return out;
}

/** What a SecurityPolicy authenticates with, or undefined when it does not (CORS only, authorization only...). */
export function securityPolicyAuth(sp: LoadedObject): string | undefined {
  const spec = field(sp.object, 'spec');
  const ext = field(spec, 'extAuth');
  if (isRecord(ext)) {
    const svc = isRecord(ext['grpc']) ? 'grpc' : 'http';
    const b = field(ext, svc);
    const ref = field(b, 'backendRefs', 0) ?? field(b, 'backendRef');
    const name = str(field(ref, 'name'));
    const target = name
      ? `${str(field(ref, 'namespace')) ?? nsOf(sp)}/${name}${typeof field(ref, 'port') === 'number' ? `:${String(field(ref, 'port'))}` : ''}`
      : str(field(b, 'host')) ?? 'external service';
    return `extAuth ${svc} → ${target}`;
  }
  if (isRecord(field(spec, 'oidc'))) return 'oidc';
  if (isRecord(field(spec, 'jwt'))) return 'jwt';
  if (isRecord(field(spec, 'basicAuth'))) return 'basicAuth';
  if (isRecord(field(spec, 'apiKeyAuth'))) return 'apiKeyAuth';
  return undefined;
}

/** The Services a SecurityPolicy's extAuth calls. */
export function extAuthBackends(sp: LoadedObject): { namespace: string; name: string; port?: number; path: string }[] {
  const ext = field(sp.object, 'spec', 'extAuth');
  if (!isRecord(ext)) return [];
  const out: { namespace: string; name: string; port?: number; path: string }[] = [];
  for (const svc of ['http', 'grpc'] as const) {
    const b = ext[svc];
    if (!isRecord(b)) continue;
    const refs: [unknown, string][] = list(b['backendRefs']).map((r, i) => [r, `spec.extAuth.${svc}.backendRefs[${i}]`]);
    if (isRecord(b['backendRef'])) refs.push([b['backendRef'], `spec.extAuth.${svc}.backendRef`]);
    for (const [r, path] of refs) {
      const kind = str(field(r, 'kind')) ?? 'Service';
      const group = str(field(r, 'group')) ?? '';
      const name = str(field(r, 'name'));
      if (kind !== 'Service' || group !== '' || !name) continue;
      const port = field(r, 'port');
      const ref = { namespace: str(field(r, 'namespace')) ?? nsOf(sp), name, path };
      out.push(typeof port === 'number' ? { ...ref, port } : ref);
    }
  }
  return out;
}

/**
 * The SecurityPolicy that applies to one rule of a route on one listener.
 * Envoy Gateway does not merge SecurityPolicies unless the route's policy sets
 * `mergeType`: only the most specific applies (route rule, route, listener,
 * Gateway), so a route policy without authentication switches the Gateway's off.
 */
export function routeAuth(targets: ReadonlyMap<LoadedObject, readonly PolicyTarget[]>, route: LoadedObject, ruleName: string | undefined, l: ListenerInfo): AuthResult {
  const routeKind = route.object.kind;
  /** Policies in `ns` targeting kind/name; `section` null: the whole object, a string: that section only. */
  const level = (ns: string, kind: string, name: string, section: string | undefined | null): LoadedObject[] =>
    [...targets.keys()].filter(
      (sp) =>
        nsOf(sp) === ns &&
        targets.get(sp)!.some((t) => t.kind === kind && t.name === name && (section === null ? t.sectionName === undefined : section !== undefined && t.sectionName === section)),
    );
  const levels: LoadedObject[][] = [
    level(nsOf(route), routeKind, nameOf(route), ruleName),
    level(nsOf(route), routeKind, nameOf(route), null),
    level(nsOf(l.gateway), 'Gateway', nameOf(l.gateway), l.name),
    level(nsOf(l.gateway), 'Gateway', nameOf(l.gateway), null),
  ];
  for (const lv of levels) {
    if (lv.length === 0) continue;
    const withAuthn = lv.find((sp) => securityPolicyAuth(sp) !== undefined);
    if (withAuthn) return { authenticated: true, authBy: `${describe(withAuthn)} (${securityPolicyAuth(withAuthn)!})` };
    // A route policy with mergeType merges into the parent's: keep looking.
    if (lv.some((sp) => str(field(sp.object, 'spec', 'mergeType')) !== undefined)) continue;
    return { authenticated: false };
  }
  return { authenticated: false };
}

/** Does a ReferenceGrant in `toNs` let SecurityPolicies in `fromNs` reference the Service `name`? */
export function referenceGrantAllows(inv: Inventory, fromNs: string, toNs: string, name: string): boolean {
  if (fromNs === toNs) return true;
  return ofKind(inv, 'ReferenceGrant').some(
    (g) =>
      nsOf(g) === toNs &&
      list(field(g.object, 'spec', 'from')).some((f) => field(f, 'group') === ENVOY_GATEWAY_GROUP && field(f, 'kind') === 'SecurityPolicy' && field(f, 'namespace') === fromNs) &&
      list(field(g.object, 'spec', 'to')).some((t) => (str(field(t, 'group')) ?? '') === '' && field(t, 'kind') === 'Service' && (field(t, 'name') === undefined || field(t, 'name') === name)),
  );
}
