/**
 * Objects of an Inventory by source and by kind/namespace/name, for the checks that
 * point a finding at an object. Checks look objects up per workload, where a linear
 * scan is quadratic on a large cluster (100,000 pods); each table is built the first
 * time it is asked for, and only for the kinds asked about (a workload's controller,
 * a NetworkPolicy, a Namespace), so the pods of an input of bare Pods are keyed only
 * when a finding names one.
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { SourceRef } from '../model/source.js';
import { indexOf, objectAt } from '../exposure/lookup.js';

export interface ObjectIndex {
  /** The object read from this source. */
  bySource(source: SourceRef): LoadedObject | undefined;
  /** The last object (in input order) of this kind (in any case: `deployment`, `Deployment`), namespace (`''` for none) and name. */
  byKey(kind: string, namespace: string, name: string): LoadedObject | undefined;
  /** The first object (in input order) of a namespace. */
  firstInNamespace(namespace: string): LoadedObject | undefined;
}

const cache = new WeakMap<Inventory, ObjectIndex>();

export function objectIndex(inv: Inventory): ObjectIndex {
  let idx = cache.get(inv);
  if (!idx) cache.set(inv, (idx = buildIndex(inv)));
  return idx;
}

function buildIndex(inv: Inventory): ObjectIndex {
  const byKind = new Map<string, Map<string, LoadedObject>>();
  let first: Map<string, LoadedObject> | undefined;
  /** Objects whose kind is `kind` in any case: one kind's list as it is, several kinds' (rare) merged in input order. */
  const ofKindAnyCase = (kind: string): readonly LoadedObject[] => {
    const lists = [...indexOf(inv).byKind].filter(([k]) => k.toLowerCase() === kind);
    if (lists.length <= 1) return lists[0]?.[1] ?? [];
    const kinds = new Set(lists.map(([k]) => k));
    return inv.objects.filter((o) => kinds.has(o.object.kind));
  };
  return {
    bySource: (source) => objectAt(inv, source),
    byKey(kind, namespace, name) {
      const k = kind.toLowerCase();
      let m = byKind.get(k);
      if (!m) {
        m = new Map();
        for (const o of ofKindAnyCase(k)) m.set(`${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`, o);
        byKind.set(k, m);
      }
      return m.get(`${namespace}/${name}`);
    },
    firstInNamespace(namespace) {
      if (!first) {
        first = new Map();
        for (const o of inv.objects) {
          const ns = o.object.metadata.namespace;
          if (ns !== undefined && !first.has(ns)) first.set(ns, o);
        }
      }
      return first.get(namespace);
    },
  };
}
