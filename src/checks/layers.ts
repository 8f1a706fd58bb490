/**
 * What the checks share about policy layers (cluster-wide and CNI policies): which
 * layer policy isolates a whole namespace, and the object a finding points at.
 */
import type { Namespace } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { LayerPolicy, PodMatch } from '../model/layers.js';
import type { Analysis } from '../netpol/analysis.js';
import { namespaceMatches } from '../netpol/layers.js';
import { isEmptySelector } from '../netpol/selector.js';
import { objectIndex } from './object-index.js';
import type { CheckContext, ObjectRef } from './types.js';

/** Does the match take every pod of the namespace, those deployed later included? */
function takesWholeNamespace(m: PodMatch, ns: Namespace): boolean {
  if (m.serviceAccounts) return false;
  const p = m.pods;
  const everyPod = !p || (p.kind === 'calico' ? p.selector.op === 'all' : isEmptySelector(p.selector));
  if (!everyPod) return false;
  const s = m.namespaces;
  return s.kind === 'all' || (s.kind === 'own' ? s.namespace === ns.name : namespaceMatches(s.selector, ns));
}

/**
 * The layer policy that isolates every pod of the namespace in the direction: it
 * selects the whole namespace with a default deny, in a tier whose default is Deny,
 * and no rule of it lets everything through.
 */
export function layerDefaultDeny(a: Analysis, ns: Namespace, dir: 'ingress' | 'egress'): LayerPolicy | undefined {
  for (const p of a.layerPolicies) {
    const rules = p[dir];
    if (!rules) continue;
    if (!(dir === 'ingress' ? p.defaultDenyIngress : p.defaultDenyEgress)) continue;
    const tier = a.tiers.find((t) => t.name === p.tier);
    if (!tier || tier.defaultAction !== 'deny') continue;
    if (!takesWholeNamespace(p.subject, ns)) continue;
    if (rules.some((r) => r.action === 'allow' && r.peers === undefined && r.ports === undefined && r.protocols === undefined)) continue;
    return p;
  }
  return undefined;
}

/** The object a layer policy was loaded from (for file and line), or a reference to it. */
export function layerObject(ctx: CheckContext, p: LayerPolicy): LoadedObject | ObjectRef {
  return objectIndex(ctx.inventory).bySource.get(p.source) ?? { kind: p.objectKind, ...(p.namespace !== undefined ? { namespace: p.namespace } : {}), name: p.name, file: p.source.file, line: p.source.line };
}
