/**
 * Objects of an Inventory by source and by kind/namespace/name, built once per
 * inventory. Checks look objects up per workload; a linear scan there is
 * quadratic on a large cluster (100,000 pods).
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { SourceRef } from '../model/source.js';

interface ObjectIndex {
  readonly bySource: ReadonlyMap<SourceRef, LoadedObject>;
  /** `kind-lower-case/namespace/name` */
  readonly byKey: ReadonlyMap<string, LoadedObject>;
  /** The first object (in input order) of each namespace. */
  readonly firstInNamespace: ReadonlyMap<string, LoadedObject>;
}

const cache = new WeakMap<Inventory, ObjectIndex>();

export function objectIndex(inv: Inventory): ObjectIndex {
  let idx = cache.get(inv);
  if (!idx) {
    const bySource = new Map<SourceRef, LoadedObject>();
    const byKey = new Map<string, LoadedObject>();
    const firstInNamespace = new Map<string, LoadedObject>();
    for (const o of inv.objects) {
      const ns = o.object.metadata.namespace;
      if (ns !== undefined && !firstInNamespace.has(ns)) firstInNamespace.set(ns, o);
      bySource.set(o.source, o);
      byKey.set(`${o.object.kind.toLowerCase()}/${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`, o);
    }
    idx = { bySource, byKey, firstInNamespace };
    cache.set(inv, idx);
  }
  return idx;
}
