/**
 * Per-Inventory look-up tables, built once per Inventory (an Inventory never
 * changes) and shared by the files of the exposure model: objects by kind and by
 * source, core v1 Services by `namespace/name`, endpoints by namespace.
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { Endpoint } from '../model/workloads.js';

/** Per-Inventory look-up tables, built once (an Inventory never changes). */
export interface Index {
  readonly byKind: ReadonlyMap<string, readonly LoadedObject[]>;
  readonly objectBySource: ReadonlyMap<unknown, LoadedObject>;
  /** Core v1 Services by `namespace/name`. */
  readonly services: ReadonlyMap<string, LoadedObject>;
  readonly endpointsByNamespace: ReadonlyMap<string, readonly Endpoint[]>;
  /** Memoised `serviceEndpoints`, by `namespace/name`. */
  readonly selected: Map<string, Endpoint[]>;
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
  const objectBySource = new Map<unknown, LoadedObject>();
  const services = new Map<string, LoadedObject>();
  for (const o of inv.objects) {
    const l = byKind.get(o.object.kind);
    if (l) l.push(o);
    else byKind.set(o.object.kind, [o]);
    objectBySource.set(o.source, o);
    if (o.object.kind === 'Service' && o.object.apiVersion === 'v1') services.set(`${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`, o);
  }
  const endpointsByNamespace = new Map<string, Endpoint[]>();
  for (const e of inv.endpoints) {
    const l = endpointsByNamespace.get(e.namespace);
    if (l) l.push(e);
    else endpointsByNamespace.set(e.namespace, [e]);
  }
  idx = { byKind, objectBySource, services, endpointsByNamespace, selected: new Map() };
  indexes.set(inv, idx);
  return idx;
}

/** Objects of one kind (any apiVersion), in input order. */
export function ofKind(inv: Inventory, kind: string): readonly LoadedObject[] {
  return indexOf(inv).byKind.get(kind) ?? [];
}

export function findObject(inv: Inventory, kind: string, namespace: string | undefined, name: string): LoadedObject | undefined {
  return ofKind(inv, kind).find((o) => o.object.metadata.name === name && (namespace === undefined || o.object.metadata.namespace === namespace));
}
