/**
 * Per-Inventory look-up tables, shared by the files of the exposure model and the
 * checks: objects by kind (built at once, one pass), and, each built the first time
 * it is asked for, objects by source, core v1 Services by `namespace/name`, and
 * endpoints by namespace. An Inventory never changes, so each is built once; a table
 * nobody asks for is never built (on 140,000 objects each costs tens of milliseconds,
 * and `diff` builds them for two versions).
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { Endpoint } from '../model/workloads.js';

/** Per-Inventory look-up tables; the optional ones are filled on first use. */
export interface Index {
  readonly byKind: ReadonlyMap<string, readonly LoadedObject[]>;
  /** Memoised `serviceEndpoints`, by `namespace/name`. */
  readonly selected: Map<string, Endpoint[]>;
  objectBySource?: Map<unknown, LoadedObject>;
  /** Core v1 Services by `namespace/name`. */
  services?: Map<string, LoadedObject>;
  endpointsByNamespace?: Map<string, Endpoint[]>;
  /** Endpoints by the source of the object they come from. */
  bySource?: Map<unknown, Endpoint[]>;
  /** The workload object behind each endpoint id (built once, for edgeProxyOf). */
  workloadOfEndpoint?: Map<string, LoadedObject>;
  workloads?: LoadedObject[];
  /** The ingress-nginx controller workloads (by image), found once. */
  ingressNginxControllers?: LoadedObject[];
  /** The oauth2-proxy workloads (by image), found once. */
  oauth2ProxyWorkloads?: LoadedObject[];
}

const indexes = new WeakMap<Inventory, Index>();

export function indexOf(inv: Inventory): Index {
  let idx = indexes.get(inv);
  if (idx) return idx;
  const byKind = new Map<string, LoadedObject[]>();
  for (const o of inv.objects) {
    const l = byKind.get(o.object.kind);
    if (l) l.push(o);
    else byKind.set(o.object.kind, [o]);
  }
  idx = { byKind, selected: new Map() };
  indexes.set(inv, idx);
  return idx;
}

/** Objects of one kind (any apiVersion), in input order. */
export function ofKind(inv: Inventory, kind: string): readonly LoadedObject[] {
  return indexOf(inv).byKind.get(kind) ?? [];
}

/** The object read from this source (file and line). */
export function objectAt(inv: Inventory, source: unknown): LoadedObject | undefined {
  const idx = indexOf(inv);
  if (!idx.objectBySource) {
    const m = new Map<unknown, LoadedObject>();
    for (const o of inv.objects) m.set(o.source, o);
    idx.objectBySource = m;
  }
  return idx.objectBySource.get(source);
}

/** The core v1 Service `namespace/name`. */
export function serviceNamed(inv: Inventory, namespace: string, name: string): LoadedObject | undefined {
  const idx = indexOf(inv);
  if (!idx.services) {
    const m = new Map<string, LoadedObject>();
    for (const o of ofKind(inv, 'Service')) if (o.object.apiVersion === 'v1') m.set(`${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`, o);
    idx.services = m;
  }
  return idx.services.get(`${namespace}/${name}`);
}

/** The endpoints of one namespace, in inventory order. */
export function endpointsIn(inv: Inventory, namespace: string): readonly Endpoint[] {
  const idx = indexOf(inv);
  if (!idx.endpointsByNamespace) {
    const m = new Map<string, Endpoint[]>();
    for (const e of inv.endpoints) {
      const l = m.get(e.namespace);
      if (l) l.push(e);
      else m.set(e.namespace, [e]);
    }
    idx.endpointsByNamespace = m;
  }
  return idx.endpointsByNamespace.get(namespace) ?? [];
}

export function findObject(inv: Inventory, kind: string, namespace: string | undefined, name: string): LoadedObject | undefined {
  return ofKind(inv, kind).find((o) => o.object.metadata.name === name && (namespace === undefined || o.object.metadata.namespace === namespace));
}
