/**
 * The guard's view of the policy layers (ClusterNetworkPolicy, AdminNetworkPolicy,
 * Calico, Cilium): which ones isolate a pod that is being admitted. Pure: objects in,
 * decisions out. A pod counts as covered in a direction when a layer policy selects
 * it with a default deny in a tier whose default is Deny, exactly as the engine
 * marks its class isolated for the audit.
 */
import type { Namespace } from '../model/inventory.js';
import { apiGroup, type KubeObject } from '../model/kube.js';
import type { Labels } from '../model/labels.js';
import type { LayerPolicy, LayerTier, PodMatch } from '../model/layers.js';
import { CALICO_GROUP, CALICO_POLICY_KINDS, parseCalicoPolicy, parseCalicoTier } from '../model/layers-calico.js';
import { CILIUM_GROUP, parseCiliumPolicy } from '../model/layers-cilium.js';
import { NPAPI_GROUP, parseNpapiPolicy } from '../model/layers-npapi.js';
import type { FieldProblem } from '../model/networkpolicy.js';
import type { SourceRef } from '../model/source.js';
import { isolatesWhatItSelects, namespaceMatches, podMatches } from '../netpol/layers.js';

/** Is this an object of a policy layer (or a Calico Tier)? */
export function isLayerObject(apiVersion: string, kind: string): boolean {
  const g = apiGroup(apiVersion);
  return (
    (g === NPAPI_GROUP && (kind === 'AdminNetworkPolicy' || kind === 'BaselineAdminNetworkPolicy' || kind === 'ClusterNetworkPolicy')) ||
    (g === CALICO_GROUP && (CALICO_POLICY_KINDS.has(kind) || kind === 'Tier')) ||
    (g === CILIUM_GROUP && (kind === 'CiliumNetworkPolicy' || kind === 'CiliumClusterwideNetworkPolicy'))
  );
}

/** Parses a layer object: its policies (none for a Tier), its tier (a Calico Tier), and what the API server would reject. */
export function parseLayerObject(object: KubeObject, source: SourceRef): { policies: LayerPolicy[]; tier?: LayerTier; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const g = apiGroup(object.apiVersion);
  if (g === CALICO_GROUP && object.kind === 'Tier') {
    const tier = parseCalicoTier(object, source, problems);
    return { policies: [], ...(tier ? { tier } : {}), problems };
  }
  if (g === CALICO_GROUP) {
    const p = parseCalicoPolicy(object, source, problems);
    return { policies: p ? [p] : [], problems };
  }
  if (g === CILIUM_GROUP) return { policies: parseCiliumPolicy(object, source, problems) ?? [], problems };
  const p = parseNpapiPolicy(object, source, problems);
  return { policies: p ? [p] : [], problems };
}

function selects(m: PodMatch, labels: Labels, ns: Namespace, serviceAccount: string): boolean {
  const s = m.namespaces;
  if (s.kind === 'own' ? s.namespace !== ns.name : s.kind === 'selector' && !namespaceMatches(s.selector, ns)) return false;
  if (m.pods && !podMatches(m.pods, labels, ns, serviceAccount)) return false;
  // A service-account selector reads the ServiceAccount's labels, which the guard does not hold: only names are judged.
  if (m.serviceAccounts && (m.serviceAccounts.selector || (m.serviceAccounts.names.length > 0 && !m.serviceAccounts.names.includes(serviceAccount)))) return false;
  return true;
}

/**
 * The layer policy that isolates a pod with these labels in the direction (its
 * label), or undefined. Staged policies do not count: they are not enforced.
 */
export function layerIsolating(policies: readonly LayerPolicy[], tiers: readonly LayerTier[], labels: Labels, ns: Namespace, serviceAccount: string, dir: 'ingress' | 'egress'): LayerPolicy | undefined {
  for (const p of policies) {
    if (isolatesWhatItSelects(p, tiers, dir) && selects(p.subject, labels, ns, serviceAccount)) return p;
  }
  return undefined;
}
