/**
 * Where a change can act on connectivity: the namespaces whose connections `diff`
 * must compare, so that the comparison costs what the change touches, not what the
 * cluster holds (docs/adr/0007-diff-cost.md).
 *
 * A connection's answer depends on the source's egress (the policies of its
 * namespace, evaluated on the destination's labels, namespace labels, ports and
 * addresses) and on the destination's ingress (symmetrically). When only
 * NetworkPolicies changed — no pod, workload, Namespace or anything else the engine
 * reads, no namespace that only a policy names (it comes and goes with the policy),
 * and no policy layer in either version — every connection whose two ends
 * lie outside the changed policies' namespaces X has the same answer in both
 * versions. And when no pod of X changes isolation, a connection from a pod of X can
 * change only towards a pod that an old or new rule of a changed policy admits, and
 * a connection to a pod of X only from one: the namespaces those rules admit, with X,
 * are the scope. Any other change has no scope (undefined): everything is compared.
 *
 * Pure; the property test in diff-scope.test.ts holds the scoped comparison to the
 * whole one on random changes.
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { sameJson } from '../model/json.js';
import type { Analysis, Grant } from './analysis.js';

export interface ChangeScope {
  /** The namespaces of the changed objects: only connections from or to them can differ. */
  readonly core: ReadonlySet<string>;
  /** The core, and the namespaces at the other end of the connections that can differ. */
  readonly namespaces: ReadonlySet<string>;
  /** Objects added, removed or changed (all NetworkPolicies). */
  readonly changedObjects: number;
  /** Always true here: see NoScope. */
  readonly isolationKept: true;
  /** The core: see NoScope. */
  readonly policyNamespaces: ReadonlySet<string>;
}

/** Why the whole cluster is compared (for --stats). */
export interface NoScope {
  readonly reason: string;
  /**
   * Only NetworkPolicies changed, with no policy layer in either version and the same pod
   * network, and no pod changed isolation (true also when there is a scope): what a check
   * that reads no more of the policies than isolation (`Check.policyReads`) finds is then
   * the same in both versions.
   */
  readonly isolationKept: boolean;
  /**
   * When only NetworkPolicies changed (with no policy layer in either version and the same
   * pod network), the namespaces they are in: what a check finds about the objects of
   * another namespace from that namespace's policies alone is the same in both versions.
   */
  readonly policyNamespaces?: ReadonlySet<string>;
}

interface Version {
  readonly inventory: Inventory;
  readonly analysis: Analysis;
}

/** The identity of an object across versions, as the inventory dedups it: group, kind, namespace, name. */
function objectKey(o: LoadedObject): string {
  const v = o.object.apiVersion;
  const slash = v.indexOf('/');
  const head = slash < 0 ? v : v.slice(0, slash);
  return `${head.includes('.') ? head : ''}|${o.object.kind}|${o.object.metadata.namespace ?? ''}|${o.object.metadata.name}`;
}

const isV1Policy = (o: LoadedObject): boolean => o.object.kind === 'NetworkPolicy' && o.object.apiVersion === 'networking.k8s.io/v1';

/** Objects that differ between the versions, by key: [before, after] (one may be missing). */
function changedObjects(before: Inventory, after: Inventory): [LoadedObject | undefined, LoadedObject | undefined][] {
  // Documents whose text did not change share their parsed value, and mostly sit at the same
  // place: pair those off in one pass, and look the rest up by key.
  const restB: LoadedObject[] = [];
  const restA: LoadedObject[] = [];
  const n = Math.max(before.objects.length, after.objects.length);
  for (let i = 0; i < n; i++) {
    const b = before.objects[i];
    const a = after.objects[i];
    if (b && a && b.object === a.object) continue;
    if (b) restB.push(b);
    if (a) restA.push(a);
  }
  const old = new Map<string, LoadedObject>();
  for (const o of restB) old.set(objectKey(o), o);
  const out: [LoadedObject | undefined, LoadedObject | undefined][] = [];
  for (const o of restA) {
    const k = objectKey(o);
    const b = old.get(k);
    old.delete(k);
    if (b && (b.object === o.object || sameJson(b.object, o.object))) continue;
    out.push([b, o]);
  }
  for (const b of old.values()) out.push([b, undefined]);
  return out;
}

/** Isolation of each endpoint of the namespaces (`id` → ingress, egress). */
function isolation(a: Analysis, namespaces: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of a.classes) {
    if (!namespaces.has(c.namespace.name)) continue;
    const v = (c.ingressIsolated ? 1 : 0) + (c.egressIsolated ? 2 : 0);
    for (const e of c.endpoints) out.set(e.id, v);
  }
  return out;
}

/** The v1 grants of the named policies (`namespace/name`), by policy. */
function grantsOf(a: Analysis, names: ReadonlySet<string>): Map<string, Grant[]> {
  const index = new Map<number, string>();
  a.policies.forEach((p, i) => {
    const k = `${p.namespace}/${p.name}`;
    if (names.has(k)) index.set(i, k);
  });
  const out = new Map<string, Grant[]>();
  for (const g of a.grants) {
    const k = g.layer === undefined ? index.get(g.policy) : undefined;
    if (k === undefined) continue;
    const l = out.get(k);
    if (l) l.push(g);
    else out.set(k, [g]);
  }
  return out;
}

/**
 * Adds the namespaces of the classes some grants admit; false when one admits every pod.
 * `seen`: member sets already added (grants of many policies share one: the same selector).
 */
function addAdmitted(a: Analysis, grants: readonly Grant[], into: Set<string>, seen: Set<number>): boolean {
  for (const g of grants) {
    if (g.allClasses) return false;
    for (const list of [g.members, g.ipMembers4, g.ipMembers6]) {
      for (const s of list) {
        if (seen.has(s)) continue;
        seen.add(s);
        for (const c of a.memberSets[s]!) into.add(a.classes[c]!.namespace.name);
      }
    }
  }
  return true;
}

/** The scope of the change from `before` to `after`, or why there is none. */
export function changeScope(before: Version, after: Version): ChangeScope | NoScope {
  if (before.analysis.layerPolicies.length > 0 || after.analysis.layerPolicies.length > 0) return { reason: 'cluster-wide or CNI policies take part', isolationKept: false };
  const cidrs = (a: Analysis): string => a.podCidrs.map((c) => c.text).join(',');
  if (cidrs(before.analysis) !== cidrs(after.analysis)) return { reason: 'the pod network changed', isolationKept: false };
  const changed = changedObjects(before.inventory, after.inventory);
  const other = changed.find(([b, a]) => !isV1Policy((b ?? a)!) || (a !== undefined && !isV1Policy(a)));
  if (other) {
    const o = (other[1] ?? other[0])!.object;
    return { reason: `${o.kind} ${o.metadata.namespace !== undefined ? `${o.metadata.namespace}/` : ''}${o.metadata.name} changed`, isolationKept: false };
  }
  // A namespace that only NetworkPolicies name comes and goes with them: what is said about namespaces (their names, what selectors match) changes.
  const nb = before.inventory.namespaces;
  const na = after.inventory.namespaces;
  const moved = [...nb.keys()].find((n) => !na.has(n)) ?? [...na.keys()].find((n) => !nb.has(n));
  if (moved !== undefined) return { reason: `namespace ${moved} ${na.has(moved) ? 'appears' : 'goes away'} with the NetworkPolicies that name it`, isolationKept: false };
  const x = new Set<string>();
  for (const [b, a] of changed) x.add((a ?? b)!.object.metadata.namespace ?? '');
  // A pod of X that becomes isolated (or stops being) changes towards every peer.
  const ib = isolation(before.analysis, x);
  const ia = isolation(after.analysis, x);
  for (const [id, v] of ib) if (ia.get(id) !== v) return { reason: `${id} changes isolation`, isolationKept: false, policyNamespaces: x };
  // A policy missing from a version (or rejected there) admits nothing in it.
  const names = new Set(changed.map(([b, a]) => `${(a ?? b)!.object.metadata.namespace ?? ''}/${(a ?? b)!.object.metadata.name}`));
  const gb = grantsOf(before.analysis, names);
  const ga = grantsOf(after.analysis, names);
  const scope = new Set(x);
  const seenBefore = new Set<number>();
  const seenAfter = new Set<number>();
  for (const name of names) {
    if (!addAdmitted(before.analysis, gb.get(name) ?? [], scope, seenBefore) || !addAdmitted(after.analysis, ga.get(name) ?? [], scope, seenAfter)) {
      return { reason: `NetworkPolicy ${name} has a rule for every pod`, isolationKept: true, policyNamespaces: x };
    }
  }
  return { core: x, namespaces: scope, changedObjects: changed.length, isolationKept: true, policyNamespaces: x };
}
