/**
 * Workloads: Pods and the controllers that template them (Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob), their
 * pod specs, containers and command-line flags, and the endpoints they give the
 * inventory.
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { Endpoint } from '../model/workloads.js';
import { isRecord } from '../model/json.js';
import { indexOf } from './lookup.js';
import { field, list, str, type Json } from './objects.js';

/** Where a workload kind keeps its pod spec. */
export const POD_SPEC_PATH: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export interface ContainerAt {
  readonly container: Json;
  /** Field path of the container, e.g. `spec.template.spec.containers[0]`. */
  readonly path: string;
  readonly image: string;
}

export function podSpecOf(o: LoadedObject): { spec: Json; path: string } | undefined {
  const p = POD_SPEC_PATH[o.object.kind];
  if (!p) return undefined;
  const spec = field(o.object, ...p);
  return isRecord(spec) ? { spec, path: p.join('.') } : undefined;
}

/** Containers (and init containers) of a Pod or a workload's pod template. */
export function containersOf(o: LoadedObject): ContainerAt[] {
  const ps = podSpecOf(o);
  if (!ps) return [];
  const out: ContainerAt[] = [];
  for (const f of ['containers', 'initContainers'] as const) {
    list(ps.spec[f]).forEach((c, i) => {
      if (isRecord(c)) out.push({ container: c, path: `${ps.path}.${f}[${i}]`, image: str(c['image']) ?? '' });
    });
  }
  return out;
}

/**
 * Does a container (or init container) of the Pod or pod template run an image that
 * passes the test? What `containersOf(o).some(…)` answers, without building each
 * container's path: the edge model asks it of every workload, three times.
 */
export function runsImage(o: LoadedObject, test: (image: string) => boolean): boolean {
  const spec = podSpecOf(o)?.spec;
  if (!spec) return false;
  for (const f of ['containers', 'initContainers'] as const) {
    const cs = spec[f];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) if (isRecord(c) && test(str(c['image']) ?? '')) return true;
  }
  return false;
}

/** All workloads (Pods and controllers) in input order. */
export function workloads(inv: Inventory): LoadedObject[] {
  const idx = indexOf(inv);
  idx.workloads ??= inv.objects.filter((o) => POD_SPEC_PATH[o.object.kind] !== undefined);
  return idx.workloads;
}

function argsOf(c: Json): string[] {
  return [...list(c['command']), ...list(c['args'])].filter((a): a is string => typeof a === 'string');
}

/** The value of `--name=value` or `--name value` in a container's command and args. */
export function flagValue(c: Json, name: string): string | undefined {
  const args = argsOf(c);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const prefix of [`--${name}`, `-${name}`]) {
      if (a === prefix) {
        const next = args[i + 1];
        return next !== undefined && !next.startsWith('-') ? next : '';
      }
      if (a.startsWith(`${prefix}=`)) return a.slice(prefix.length + 1);
    }
  }
  return undefined;
}

/** The endpoints an object (a Pod, a controller) contributes to the inventory. */
export function endpointsFrom(inv: Inventory, o: LoadedObject): readonly Endpoint[] {
  const idx = indexOf(inv);
  if (!idx.bySource) {
    const m = new Map<unknown, Endpoint[]>();
    for (const e of inv.endpoints) {
      const l = m.get(e.source);
      if (l) l.push(e);
      else m.set(e.source, [e]);
    }
    idx.bySource = m;
  }
  return idx.bySource.get(o.source) ?? [];
}
