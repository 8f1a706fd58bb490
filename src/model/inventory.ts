/**
 * The Inventory: everything the engines compute on, built from parsed documents.
 * Pure: the loaders parse text into documents; this turns documents into typed,
 * validated objects and says, as diagnostics, what it skipped and why.
 */
import type { Diagnostic } from './diagnostics.js';
import { apiGroup, crdScopes, isClusterScoped, type KubeObject, type LoadedObject } from './kube.js';
import { NAMESPACE_NAME_LABEL, type Labels } from './labels.js';
import { labelKeyProblem, labelValueProblem, parseNetworkPolicy, type FieldProblem, type NetworkPolicy } from './networkpolicy.js';
import { noLocator, type Locator, type SourceRef } from './source.js';
import { extractEndpoints, type Endpoint, type EndpointMemo } from './workloads.js';
import { isRecord } from './json.js';
import { UNEVALUATED_POLICY_KINDS, type LayerPolicy, type LayerTier, type Layers, type UnevaluatedPolicies } from './layers.js';
import { NPAPI_GROUP, parseNpapiPolicy } from './layers-npapi.js';
import { CALICO_GROUP, CALICO_POLICY_KINDS, parseCalicoPolicy, parseCalicoTier, resolveCalicoServicePeers } from './layers-calico.js';
import { CILIUM_GROUP, ciliumDatapath, parseCiliumPolicy, resolveCiliumServicePeers } from './layers-cilium.js';

export interface Namespace {
  readonly name: string;
  /** Labels including the implicit `kubernetes.io/metadata.name`. */
  readonly labels: Labels;
  /** False when the namespace is only referenced by objects in it and was assumed to exist. */
  readonly declared: boolean;
  readonly source?: SourceRef;
}

/** A parsed document (or one item of a List), before it is checked to be a Kubernetes object. */
export interface ParsedDocument {
  readonly value: unknown;
  readonly source: SourceRef;
}

export interface LoadSummary {
  /** Objects found in the input (List items counted one by one). */
  readonly read: number;
  /** Objects that took part in the analysis. */
  readonly used: number;
  /** Objects left out, by reason. Their sum plus `used` is `read`. */
  readonly skipped: Readonly<Record<string, number>>;
}

export interface Inventory {
  /** Every valid object, in input order, namespaced kinds with their namespace filled in. */
  readonly objects: readonly LoadedObject[];
  readonly namespaces: ReadonlyMap<string, Namespace>;
  readonly endpoints: readonly Endpoint[];
  readonly policies: readonly NetworkPolicy[];
  /** Cluster-wide and CNI policies (ClusterNetworkPolicy, AdminNetworkPolicy, Calico), and what is not evaluated. */
  readonly layers: Layers;
  readonly diagnostics: readonly Diagnostic[];
  readonly summary: LoadSummary;
  /** Resolves `spec.ingress[0]` in an object to a line, when the text is still at hand. */
  readonly locate: Locator;
}

export interface InventoryOptions {
  /** Namespace for objects that name none (kubectl's `--namespace`). Default `default`. */
  readonly defaultNamespace?: string;
  readonly locate?: Locator;
  /** Diagnostics already produced while reading and parsing (syntax errors...). */
  readonly diagnostics?: readonly Diagnostic[];
  /** What an earlier build derived from the documents it shares with this one (see InventoryMemo). */
  readonly memo?: InventoryMemo;
}

/**
 * What a build derived from each document on its own, by the document's parsed value:
 * `diff` parses a second version reusing the values of the documents whose text did not
 * change, and its inventory takes these from the first build instead of deriving them
 * again. Only facts that depend on the document alone are kept — that it is a Kubernetes
 * object, the object with its namespace filled in, a NetworkPolicy's normal form, a
 * workload's endpoint — and
 * each is checked against what it depended on (the namespace given to objects that name
 * none); where a document sits (file, line) is always this build's. Maps, not WeakMaps:
 * the memo lives as long as one comparison, whose first version is alive anyway, and a
 * WeakMap of a hundred thousand entries cost the collector more than the memo saved.
 */
export interface InventoryMemo {
  /** Values found to be Kubernetes objects (objectProblem: none), which depends on the value alone. */
  readonly valid: Set<object>;
  readonly objects: Map<object, { readonly namespace: string | undefined; readonly object: KubeObject }>;
  readonly policies: Map<object, { readonly policy: NetworkPolicy | undefined; readonly problems: readonly FieldProblem[] }>;
  readonly endpoints: EndpointMemo;
}

export function inventoryMemo(): InventoryMemo {
  return { valid: new Set(), objects: new Map(), policies: new Map(), endpoints: new Map() };
}

type ObjectProblem = { path: string; message: string; hint?: string };



/** DNS-1123 label: what a namespace name must be. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Flattens `kind: List` and `*List` objects into their items. */
function flatten(docs: readonly ParsedDocument[], diagnostics: Diagnostic[]): ParsedDocument[] {
  const out: ParsedDocument[] = [];
  for (const d of docs) {
    const v = d.value;
    if (isRecord(v) && typeof v['kind'] === 'string' && v['kind'].endsWith('List') && Array.isArray(v['items'])) {
      const items = v['items'] as unknown[];
      items.forEach((item, i) => {
        const itemPath = d.source.itemPath ? `${d.source.itemPath}.items[${i}]` : `items[${i}]`;
        out.push({ value: item, source: { ...d.source, itemPath } });
      });
      if (items.length === 0) {
        diagnostics.push({ severity: 'info', code: 'empty-list', message: `${v['kind']} has no items`, source: d.source });
      }
      continue;
    }
    out.push(d);
  }
  return out;
}

/** `validLabelKeys`: keys already found valid in this build (validity depends on the key alone). */
function objectProblem(v: unknown, validLabelKeys: Set<string>): ObjectProblem | undefined {
  if (!isRecord(v)) return { path: '', message: 'a document must be a Kubernetes object (a mapping with apiVersion, kind and metadata)' };
  if (typeof v['apiVersion'] !== 'string' || v['apiVersion'] === '') return { path: 'apiVersion', message: 'apiVersion is required', hint: 'e.g. apiVersion: v1' };
  if (typeof v['kind'] !== 'string' || v['kind'] === '') return { path: 'kind', message: 'kind is required' };
  const md = v['metadata'];
  if (!isRecord(md)) return { path: 'metadata', message: 'metadata is required' };
  if (typeof md['name'] !== 'string' || md['name'] === '') {
    return { path: 'metadata.name', message: 'metadata.name is required', hint: typeof md['generateName'] === 'string' ? 'generateName objects have no name until created; give it a name to analyse it' : 'give the object a name' };
  }
  if (md['namespace'] !== undefined && md['namespace'] !== null && typeof md['namespace'] !== 'string') {
    return { path: 'metadata.namespace', message: 'metadata.namespace must be a string' };
  }
  for (const field of ['labels', 'annotations'] as const) {
    const m = md[field];
    if (m === undefined || m === null) continue;
    if (!isRecord(m)) return { path: `metadata.${field}`, message: `metadata.${field} must be a map of strings` };
    for (const [k, val] of Object.entries(m)) {
      if (typeof val !== 'string') {
        return { path: `metadata.${field}.${k}`, message: `${field === 'labels' ? 'label' : 'annotation'} values must be strings, got ${JSON.stringify(val)}`, hint: `quote it: "${String(val)}"` };
      }
      if (field === 'labels') {
        const kp = validLabelKeys.has(k) ? undefined : labelKeyProblem(k);
        if (kp) return { path: `metadata.labels.${k}`, message: kp };
        // A few keys (app, pod-template-hash...) label most objects: check each once.
        validLabelKeys.add(k);
        const vp = labelValueProblem(val);
        if (vp) return { path: `metadata.labels.${k}`, message: vp };
      }
    }
  }
  return undefined;
}

function toDiagnostic(p: FieldProblem, source: SourceRef, kind: string, name: string, locate: Locator): Diagnostic {
  const line = locate(source, p.path);
  const d: Diagnostic = {
    severity: p.severity,
    code: p.severity === 'error' ? 'invalid-object' : 'questionable-field',
    message: `${kind} ${name}: ${p.message}${p.severity === 'error' ? (p.refusedBy !== undefined ? `; ${p.refusedBy} rejects it (nothing of it is enforced), so it is left out of the analysis` : '; the API server would reject it, so it is left out of the analysis') : ''}`,
    source,
    path: p.path,
    ...(p.hint !== undefined ? { hint: p.hint } : {}),
    ...(line !== undefined ? { line } : {}),
  };
  return d;
}

/** A namespaced object that names no namespace, in `namespace`: the same object as an earlier build's when it got the same one, so that what is derived from it is found by it. */
function withNamespace(memo: InventoryMemo | undefined, raw: KubeObject, namespace: string): KubeObject {
  const before = memo?.objects.get(raw);
  if (before && before.namespace === namespace) return before.object;
  const object = { ...raw, metadata: { ...raw.metadata, namespace } };
  memo?.objects.set(raw, { namespace, object });
  return object;
}

/**
 * A NetworkPolicy's normal form and problems, or an earlier build's for the same object
 * (its namespace is its own, filled in when it named none, so the object decides all),
 * placed at this build's source.
 */
function networkPolicyOf(memo: InventoryMemo | undefined, o: LoadedObject, ns: string): { policy: NetworkPolicy | undefined; problems: readonly FieldProblem[] } {
  let parsed = memo?.policies.get(o.object);
  if (!parsed) {
    const found: FieldProblem[] = [];
    parsed = { policy: parseNetworkPolicy(o.object, ns, o.source, found), problems: found };
    memo?.policies.set(o.object, parsed);
  }
  const policy = parsed.policy && parsed.policy.source !== o.source ? { ...parsed.policy, source: o.source } : parsed.policy;
  return { policy, problems: parsed.problems };
}

/** The index in `valid` of the object still there with the same group, kind, namespace and name, if any. */
function sameObject(byKey: ReadonlyMap<string, ReadonlyMap<string, number | number[]>>, valid: readonly (LoadedObject | undefined)[], groups: readonly string[], group: string, object: KubeObject): number | undefined {
  const at = byKey.get(object.metadata.namespace ?? '')?.get(object.metadata.name);
  if (at === undefined) return undefined;
  for (const i of typeof at === 'number' ? [at] : at) {
    const o = valid[i];
    if (o !== undefined && groups[i] === group && o.object.kind === object.kind) return i;
  }
  return undefined;
}

/** Namespaces every Kubernetes cluster has (created by the API server), labelled with their name. */
export const CLUSTER_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Builds the Inventory from parsed documents. */
export function buildInventory(docs: readonly ParsedDocument[], options: InventoryOptions = {}): Inventory {
  const locate = options.locate ?? noLocator;
  const defaultNs = options.defaultNamespace ?? 'default';
  const memo = options.memo;
  const diagnostics: Diagnostic[] = [...(options.diagnostics ?? [])];
  const skipped: Record<string, number> = {};
  const skip = (reason: string): void => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  };

  const flat = flatten(docs, diagnostics);
  const validLabelKeys = new Set<string>();
  let read = 0;
  // Last one wins for the same kind/namespace/name, as `kubectl apply` of both would leave it.
  // By namespace, then name: the index in `valid` of each object so named (one, mostly), and each one's API group.
  const byKey = new Map<string, Map<string, number | number[]>>();
  const groups: string[] = [];
  const valid: (LoadedObject | undefined)[] = [];
  const scopes = crdScopes(flat.map((d) => d.value));
  for (const d of flat) {
    if (d.value === null || d.value === undefined) continue; // empty document: nothing to read
    read++;
    // Build-tool configuration that sits beside manifests is not a cluster object.
    if (isRecord(d.value) && typeof d.value['apiVersion'] === 'string' && d.value['apiVersion'].startsWith('kustomize.config.k8s.io/')) {
      diagnostics.push({ severity: 'info', code: 'not-a-cluster-object', message: `${String(d.value['kind'])} is kustomize configuration, not a cluster object; it is not analysed`, source: d.source, hint: 'to analyse what it builds, pipe kustomize build into meshless: kustomize build DIR | meshless audit -' });
      skip('kustomize configuration');
      continue;
    }
    let problem: ObjectProblem | undefined;
    if (memo?.valid.has(d.value) !== true) {
      problem = objectProblem(d.value, validLabelKeys);
      if (!problem) memo?.valid.add(d.value);
    }
    if (problem) {
      const line = locate(d.source, problem.path);
      diagnostics.push({
        severity: 'error',
        code: 'invalid-object',
        message: `${problem.message}; the document is left out`,
        source: d.source,
        ...(problem.path ? { path: problem.path } : {}),
        ...(problem.hint !== undefined ? { hint: problem.hint } : {}),
        ...(line !== undefined ? { line } : {}),
      });
      skip('invalid object');
      continue;
    }
    const raw = d.value as unknown as KubeObject;
    let object = raw;
    if (!isClusterScoped(raw.kind, apiGroup(raw.apiVersion), scopes) && !raw.metadata.namespace) object = withNamespace(memo, raw, defaultNs);
    // Objects are the same object when group, kind, namespace and name are (v1 and apps/v1 have no dotted group).
    const slash = object.apiVersion.indexOf('/');
    const head = slash < 0 ? object.apiVersion : object.apiVersion.slice(0, slash);
    const group = head.includes('.') ? head : '';
    const prev = sameObject(byKey, valid, groups, group, object);
    if (prev !== undefined) {
      const old = valid[prev]!;
      diagnostics.push({
        severity: 'warning',
        code: 'duplicate-object',
        message: `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name} is defined again; the later definition replaces the one at ${old.source.file}:${old.source.line}`,
        source: d.source,
        hint: 'keep one definition per object',
      });
      valid[prev] = undefined;
      skip('replaced by a later object of the same name');
    }
    const ns = object.metadata.namespace ?? '';
    let names = byKey.get(ns);
    if (!names) byKey.set(ns, (names = new Map<string, number | number[]>()));
    const at = names.get(object.metadata.name);
    names.set(object.metadata.name, at === undefined ? valid.length : typeof at === 'number' ? [at, valid.length] : (at.push(valid.length), at));
    groups.push(group);
    valid.push({ object, source: d.source });
  }
  const objects = valid.filter((o): o is LoadedObject => o !== undefined);

  // Namespaces: declared ones, then every namespace an object lives in.
  const namespaces = new Map<string, Namespace>();
  const invalid = new Set<LoadedObject>();
  for (const o of objects) {
    if (o.object.kind !== 'Namespace' || o.object.apiVersion !== 'v1') continue;
    const name = o.object.metadata.name;
    if (!DNS1123_LABEL.test(name) || name.length > 63) {
      diagnostics.push({ severity: 'error', code: 'invalid-object', message: `Namespace "${name}" is not a valid name (lower-case letters, digits and -, at most 63 characters); it is left out`, source: o.source, path: 'metadata.name' });
      invalid.add(o);
      skip('invalid object');
      continue;
    }
    // The API server sets this label on every namespace and will not let it differ from the name.
    namespaces.set(name, { name, labels: { ...(o.object.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: name }, declared: true, source: o.source });
  }
  for (const o of objects) {
    const ns = o.object.metadata.namespace;
    if (ns === undefined || namespaces.has(ns)) continue;
    namespaces.set(ns, { name: ns, labels: { [NAMESPACE_NAME_LABEL]: ns }, declared: false });
    // Namespaces every cluster has are assumed without a warning.
    if (CLUSTER_NAMESPACES.includes(ns)) continue;
    diagnostics.push({
      severity: 'warning',
      code: 'namespace-assumed',
      message: `namespace "${ns}" is used by ${o.object.kind} ${o.object.metadata.name} but not declared; it is assumed to exist with only the label ${NAMESPACE_NAME_LABEL}=${ns}`,
      source: o.source,
      hint: `include the Namespace object (with its labels) so that namespaceSelectors are evaluated against its real labels`,
    });
  }

  // NetworkPolicies, and the policies of the other layers.
  const policies: NetworkPolicy[] = [];
  const layerPolicies: LayerPolicy[] = [];
  const tiers: LayerTier[] = [];
  const unevaluated = new Map<string, { kind: string; group: string; who: string; sources: SourceRef[] }>();
  const reject = (o: LoadedObject): void => {
    invalid.add(o);
    skip('invalid object');
  };
  for (const o of objects) {
    const { kind, apiVersion } = o.object;
    const group = apiGroup(apiVersion);
    // Named only for the policies' diagnostics: most objects are not policies.
    const display = (): string => `${o.object.metadata.namespace ? `${o.object.metadata.namespace}/` : ''}${o.object.metadata.name}`;
    if (kind === 'NetworkPolicy' && (group === 'networking.k8s.io' || group === 'extensions')) {
      if (apiVersion !== 'networking.k8s.io/v1') {
        diagnostics.push({ severity: 'error', code: 'unsupported-version', message: `NetworkPolicy ${o.object.metadata.name} has apiVersion ${apiVersion}; only networking.k8s.io/v1 is served by current clusters`, source: o.source, path: 'apiVersion', hint: 'use apiVersion: networking.k8s.io/v1' });
        reject(o);
        continue;
      }
      const ns = o.object.metadata.namespace ?? defaultNs;
      const { policy: p, problems } = networkPolicyOf(memo, o, ns);
      for (const pr of problems) diagnostics.push(toDiagnostic(pr, o.source, 'NetworkPolicy', `${ns}/${o.object.metadata.name}`, locate));
      if (p) policies.push(p);
      else reject(o);
      continue;
    }
    if (group === NPAPI_GROUP && (kind === 'AdminNetworkPolicy' || kind === 'BaselineAdminNetworkPolicy' || kind === 'ClusterNetworkPolicy')) {
      const problems: FieldProblem[] = [];
      const p = parseNpapiPolicy(o.object, o.source, problems);
      for (const pr of problems) diagnostics.push(toDiagnostic(pr, o.source, kind, display(), locate));
      if (p) layerPolicies.push(p);
      else reject(o);
      continue;
    }
    if (group === CALICO_GROUP && (CALICO_POLICY_KINDS.has(kind) || kind === 'Tier')) {
      const problems: FieldProblem[] = [];
      if (kind === 'Tier') {
        const t = parseCalicoTier(o.object, o.source, problems);
        for (const pr of problems) diagnostics.push(toDiagnostic(pr, o.source, kind, display(), locate));
        if (t) tiers.push(t);
        else reject(o);
        continue;
      }
      const p = parseCalicoPolicy(o.object, o.source, problems);
      for (const pr of problems) diagnostics.push(toDiagnostic(pr, o.source, `Calico ${kind}`, display(), locate));
      if (p) layerPolicies.push(p);
      else if (problems.some((pr) => pr.severity === 'error')) reject(o);
      continue;
    }
    if (group === CILIUM_GROUP && (kind === 'CiliumNetworkPolicy' || kind === 'CiliumClusterwideNetworkPolicy')) {
      const problems: FieldProblem[] = [];
      const ps = parseCiliumPolicy(o.object, o.source, problems);
      for (const pr of problems) diagnostics.push(toDiagnostic(pr, o.source, kind, display(), locate));
      if (ps) layerPolicies.push(...ps);
      else reject(o);
      continue;
    }
    const known = UNEVALUATED_POLICY_KINDS.find((u) => u.group === group && u.kinds.includes(kind));
    if (known) {
      const key = `${group}|${kind}`;
      let u = unevaluated.get(key);
      if (!u) unevaluated.set(key, (u = { kind, group, who: known.who, sources: [] }));
      u.sources.push(o.source);
    }
  }
  const unevaluatedList: UnevaluatedPolicies[] = [...unevaluated.values()].map((u) => ({ kind: u.kind, group: u.group, who: u.who, count: u.sources.length, sources: u.sources }));
  for (const u of unevaluatedList) {
    diagnostics.push({
      severity: 'warning',
      code: 'policy-not-evaluated',
      message: `${u.count} ${u.kind} object${u.count === 1 ? '' : 's'} (${u.group}, ${u.who}) not evaluated; connectivity may differ from what is reported`,
      source: u.sources[0]!,
      hint: 'meshless evaluates networking.k8s.io/v1 NetworkPolicy, ClusterNetworkPolicy, AdminNetworkPolicy/BaselineAdminNetworkPolicy, Calico (Global)NetworkPolicy/Tier and Cilium (Clusterwide)NetworkPolicy; treat answers about the workloads these select with care',
    });
  }
  const kept = objects.filter((o) => !invalid.has(o));
  const ciliumResolved = resolveCiliumServicePeers(layerPolicies, kept, (p, path, message, hint) => {
    const line = locate(p.source, path);
    diagnostics.push({ severity: 'warning', code: 'cilium-service-with-selector', message: `${p.kind} ${p.namespace !== undefined ? `${p.namespace}/` : ''}${p.name}: ${message}`, source: p.source, path, hint, ...(line !== undefined ? { line } : {}) });
  });
  // Calico `services` matches: the Service's EndpointSlices, or what Kubernetes would make of the input.
  const resolved = resolveCalicoServicePeers(ciliumResolved, kept);
  // What Cilium's datapath drops whatever the policies say (SCTP without SCTP support).
  const datapath = ciliumDatapath(kept, resolved);
  diagnostics.push(...datapath.diagnostics);
  const layers: Layers = { policies: resolved, tiers, unevaluated: unevaluatedList, dropped: datapath.dropped };

  const ex = extractEndpoints(kept, locate, memo?.endpoints);
  diagnostics.push(...ex.diagnostics);
  for (const [reason, n] of Object.entries(ex.skipped)) skipped[reason] = (skipped[reason] ?? 0) + n;
  for (const o of ex.invalid) invalid.add(o);

  const validObjects = kept.filter((o) => !ex.invalid.has(o));
  const skippedTotal = Object.values(skipped).reduce((a, b) => a + b, 0);
  const inventory: Inventory = {
    objects: validObjects,
    namespaces,
    endpoints: ex.endpoints,
    policies,
    layers,
    diagnostics,
    summary: { read, used: read - skippedTotal, skipped },
    locate,
  };
  if (ex.facts) endpointFacts.set(inventory, ex.facts);
  return inventory;
}

/**
 * Do both inventories have the same namespaces with the same labels? (A NetworkPolicy
 * alone can bring a namespace in.) Compared key by key: no canonical key is built for
 * each of 10,000 namespaces twice.
 */
export function sameNamespaces(a: Inventory, b: Inventory): boolean {
  if (a.namespaces.size !== b.namespaces.size) return false;
  for (const [name, ns] of a.namespaces) {
    const other = b.namespaces.get(name)?.labels;
    if (other === undefined) return false;
    const keys = Object.keys(ns.labels);
    if (keys.length !== Object.keys(other).length || keys.some((k) => other[k] !== ns.labels[k])) return false;
  }
  return true;
}

/** The facts each endpoint of an inventory built with a memo was made from (see endpointsMadeAlike). */
const endpointFacts = new WeakMap<Inventory, readonly unknown[]>();

/**
 * Were the endpoints of `a` and `b` made from the same facts (InventoryMemo), in the same
 * order? Then they are the same endpoints but for where their objects sit: the same ids,
 * namespaces, labels, ports, addresses and service accounts, the very same objects.
 * False also when it is not known (an inventory built without a memo, an endpoint made
 * otherwise): compare them then.
 */
export function endpointsMadeAlike(a: Inventory, b: Inventory): boolean {
  const fa = endpointFacts.get(a);
  const fb = endpointFacts.get(b);
  if (!fa || !fb || fa.length !== fb.length) return false;
  for (let i = 0; i < fa.length; i++) if (fa[i] === undefined || fa[i] !== fb[i]) return false;
  return true;
}
