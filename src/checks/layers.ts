/**
 * What the checks share about policy layers (cluster-wide and CNI policies): which
 * layer policy isolates a whole namespace, and the object a finding points at.
 */
import type { Namespace } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { LayerPolicy, PodMatch } from '../model/layers.js';
import type { Analysis } from '../netpol/analysis.js';
import { calicoSelectorKeys } from '../model/calico-selector.js';
import { CILIUM_NAMESPACE_KEY, CILIUM_NAMESPACE_LABELS } from '../model/layers-cilium.js';
import { isolatesWhatItSelects, namespaceMatches, podMatches } from '../netpol/layers.js';
import { objectIndex } from './object-index.js';
import type { CheckContext, ObjectRef } from './types.js';

/** Does the match take every pod of the namespace, those deployed later included? */
function takesWholeNamespace(m: PodMatch, ns: Namespace): boolean {
  if (m.serviceAccounts) return false;
  const p = m.pods;
  if (p) {
    // A selector that reads only namespace-level labels takes every pod of the namespaces it matches.
    const keys = p.kind === 'calico' ? [...calicoSelectorKeys(p.selector)] : [...Object.keys(p.selector.matchLabels), ...p.selector.matchExpressions.map((r) => r.key)];
    const namespaceLevel = (k: string): boolean =>
      p.kind === 'calico' ? k === 'projectcalico.org/namespace' || k.startsWith('pcns.') : p.kind === 'cilium' && (k === CILIUM_NAMESPACE_KEY || k.startsWith(CILIUM_NAMESPACE_LABELS));
    if (!keys.every(namespaceLevel)) return false;
    if (keys.length > 0 && !podMatches(p, {}, ns, undefined)) return false;
  }
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
    if (!isolatesWhatItSelects(p, a.tiers, dir)) continue;
    if (!takesWholeNamespace(p.subject, ns)) continue;
    if (p[dir]!.some((r) => r.action === 'allow' && r.peers === undefined && r.ports === undefined && r.protocols === undefined)) continue;
    return p;
  }
  return undefined;
}

/** The object a layer policy was loaded from (for file and line), or a reference to it. */
export function layerObject(ctx: CheckContext, p: LayerPolicy): LoadedObject | ObjectRef {
  return objectIndex(ctx.inventory).bySource(p.source) ?? { kind: p.objectKind, ...(p.namespace !== undefined ? { namespace: p.namespace } : {}), name: p.name, file: p.source.file, line: p.source.line };
}
