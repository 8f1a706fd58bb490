/**
 * What the segregation checks share: workloads as the engine groups them, the
 * objects a finding points at, and the YAML snippets their fixes are made of.
 * (The edge checks share src/checks/edge.ts the same way.)
 */
import type { LoadedObject } from '../model/kube.js';
import type { Labels } from '../model/labels.js';
import type { LabelSelector, NetworkPolicy } from '../model/networkpolicy.js';
import { editDistance } from '../model/suggest.js';
import { ENDPOINT_KINDS, type Endpoint } from '../model/workloads.js';
import type { PodClass } from '../netpol/analysis.js';
import { matches } from '../netpol/selector.js';
import { objectIndex } from './object-index.js';
import { objectsYaml } from '../generate/fixes.js';
import type { PortSpec } from '../generate/platform.js';
import type { CheckContext, ObjectRef } from './types.js';

/** Kinds that hold pods: a check about workloads has nothing to say without one of them. */
export const WORKLOAD_KINDS: readonly string[] = [...ENDPOINT_KINDS];

export interface Workload {
  /** `namespace/kind/name` (the engine's workload id). */
  readonly id: string;
  readonly namespace: string;
  /** `Deployment team-green/reporting`. */
  readonly title: string;
  readonly object: LoadedObject;
  readonly labels: Labels;
  readonly endpoints: readonly Endpoint[];
  readonly classes: readonly PodClass[];
}

/**
 * The engine's pod classes grouped by workload (a live cluster's pods under their
 * controller), host-network pods left out: NetworkPolicy does not govern them.
 */
export function workloadsOf(ctx: CheckContext, keep: (c: PodClass) => boolean): Workload[] {
  const byId = new Map<string, { endpoints: Endpoint[]; classes: Set<PodClass> }>();
  for (const c of ctx.analysis.classes) {
    if (!keep(c)) continue;
    for (const e of c.endpoints) {
      if (e.hostNetwork) continue;
      let w = byId.get(e.workload);
      if (!w) byId.set(e.workload, (w = { endpoints: [], classes: new Set() }));
      w.endpoints.push(e);
      w.classes.add(c);
    }
  }
  const out: Workload[] = [];
  for (const [id, w] of byId) {
    const first = w.endpoints[0]!;
    const object = controllerOf(ctx, id) ?? objectIndex(ctx.inventory).bySource(first.source);
    if (!object) continue;
    out.push({
      id,
      namespace: first.namespace,
      title: `${object.object.kind} ${first.namespace}/${object.object.metadata.name}`,
      object,
      labels: first.labels,
      endpoints: w.endpoints,
      classes: [...w.classes],
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The controller object behind a workload id `ns/kind/name`, when the input has it. */
function controllerOf(ctx: CheckContext, id: string): LoadedObject | undefined {
  const parts = id.split('/');
  if (parts.length !== 3) return undefined;
  const [ns, kind, name] = parts as [string, string, string];
  return objectIndex(ctx.inventory).byKey(kind, ns, name);
}

/** Labels that name an application, most specific first; the fix selects the workload by them. */
const NAME_LABELS = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name'];

/** A matchLabels block (YAML lines at `indent`) that selects these pods. */
export function matchLabelsYaml(labels: Labels, indent: string): string[] {
  const picked = identifyingLabels(labels);
  const keys = Object.keys(picked);
  if (keys.length === 0) return [`${indent}{}  # these pods have no labels: label them first`];
  return [`${indent}matchLabels:`, ...keys.map((k) => `${indent}  ${k}: ${JSON.stringify(picked[k])}`)];
}

/** The labels a proposed policy selects pods by: the name label (with the component), else all of them. */
export function identifyingLabels(labels: Labels): Labels {
  const key = NAME_LABELS.find((k) => labels[k] !== undefined);
  const keys = key ? [key, ...(labels['app.kubernetes.io/component'] !== undefined && key === 'app.kubernetes.io/name' ? ['app.kubernetes.io/component'] : [])] : Object.keys(labels).sort();
  return Object.fromEntries(keys.map((k) => [k, labels[k]!]));
}

/** A finding's fix: the sentence, then the objects as YAML, and the objects themselves (json, sarif). */
export function fixWithObjects(text: string, objects: readonly Record<string, unknown>[]): { fix: string; fixObjects: readonly Record<string, unknown>[] } {
  return { fix: `${text}\n${objectsYaml(objects).trimEnd()}`, fixObjects: objects };
}

/** The distinct ports the workload's pods declare. */
export function workloadPorts(w: Workload): PortSpec[] {
  const seen = new Set<string>();
  const out: PortSpec[] = [];
  for (const c of w.classes) {
    for (const p of c.ports) {
      const k = `${p.protocol}/${p.port}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ protocol: p.protocol, port: p.port });
    }
  }
  return out;
}

/** Container ports as NetworkPolicy `ports` entries. */
export function portsYaml(w: Workload, indent: string): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const c of w.classes) {
    for (const p of c.ports) {
      const k = `${p.protocol}/${p.port}`;
      if (seen.has(k)) continue;
      seen.add(k);
      lines.push(`${indent}- protocol: ${p.protocol}`, `${indent}  port: ${p.port}`);
    }
  }
  return lines.length > 0 ? [`${indent.slice(2)}ports:`, ...lines] : [`${indent.slice(2)}ports:`, `${indent}- protocol: TCP`, `${indent}  port: 8080  # the port it serves`];
}

/** The NetworkPolicy object a normalised policy came from. */
export function policyObject(ctx: CheckContext, p: NetworkPolicy): LoadedObject | ObjectRef {
  const idx = objectIndex(ctx.inventory);
  return (
    idx.bySource(p.source) ??
    idx.byKey('networkpolicy', p.namespace, p.name) ?? {
      kind: 'NetworkPolicy',
      namespace: p.namespace,
      name: p.name,
      file: p.source.file,
      line: p.source.line,
    }
  );
}

/**
 * Labels of pods that controllers create at run time and that manifests never
 * contain: a selector asking for one of them rightly matches nothing in the input.
 * cert-manager labels its ACME HTTP-01 solver pods `acme.cert-manager.io/http01-solver: "true"`.
 */
export const RUNTIME_POD_LABELS: readonly string[] = ['acme.cert-manager.io/http01-solver'];

/** Does the selector ask for pods that only exist at run time? */
export function selectsRuntimePods(sel: LabelSelector): boolean {
  return RUNTIME_POD_LABELS.some((k) => sel.matchLabels[k] !== undefined || sel.matchExpressions.some((r) => r.key === k && (r.operator === 'In' || r.operator === 'Exists')));
}

/** Namespaces where the input shows at least one pod or pod template: elsewhere the input cannot tell. */
export function namespacesWithPods(ctx: CheckContext): ReadonlySet<string> {
  // Several checks ask; on 100,000 pods the set costs ~50 ms each time.
  let set = withPodsCache.get(ctx.inventory);
  if (!set) {
    const s = new Set<string>();
    // Endpoints come namespace by namespace, mostly: a namespace is added once per run.
    let last: string | undefined;
    for (const e of ctx.inventory.endpoints) {
      if (e.namespace === last) continue;
      last = e.namespace;
      s.add(last);
    }
    withPodsCache.set(ctx.inventory, (set = s));
  }
  return set;
}
const withPodsCache = new WeakMap<object, ReadonlySet<string>>();


/**
 * A matchLabels close to the selector's that does match one of these label sets
 * (pods' or namespaces'): the same keys, values at most two edits away (a typo).
 * Undefined when none is near.
 */
export function nearMatchLabels(sel: LabelSelector, candidates: readonly Labels[]): Labels | undefined {
  const keys = Object.keys(sel.matchLabels);
  if (keys.length === 0) return undefined;
  for (const labels of candidates) {
    const fixed: Record<string, string> = {};
    let ok = true;
    for (const k of keys) {
      const have = labels[k];
      if (have === undefined || editDistance(have, sel.matchLabels[k]!) > 2) {
        ok = false;
        break;
      }
      fixed[k] = have;
    }
    if (ok && matches({ matchLabels: fixed, matchExpressions: sel.matchExpressions }, labels)) return fixed;
  }
  return undefined;
}

/**
 * The Namespace object, or when the input only implies the namespace, a reference
 * to it that points at the first object living in it.
 */
export function namespaceObject(ctx: CheckContext, name: string): LoadedObject | ObjectRef {
  const declared = objectIndex(ctx.inventory).byKey('namespace', '', name);
  if (declared) return declared;
  const first = objectIndex(ctx.inventory).firstInNamespace(name);
  return first ? { kind: 'Namespace', name, file: first.source.file, line: first.source.line } : { kind: 'Namespace', name };
}
