/**
 * RBAC resolution: who may do what, where. Pure: takes the loaded objects and
 * returns grants.
 *
 * Semantics (rbac.authorization.k8s.io/v1, as the API server's authorizer applies them):
 * - A RoleBinding grants the rules of its roleRef (a Role in the binding's
 *   namespace, or a ClusterRole) inside the binding's namespace only.
 * - A ClusterRoleBinding grants the rules of a ClusterRole everywhere.
 * - A rule matches when its apiGroups, resources and verbs each contain the
 *   requested value or `*`; resourceNames, when present, limit it to those objects.
 * - A ClusterRole with `aggregationRule.clusterRoleSelectors` holds the rules of
 *   every ClusterRole whose labels match one of the selectors (the aggregation
 *   controller keeps them in sync, so the effect is transitive).
 * - A ServiceAccount subject of a RoleBinding with no namespace is taken to be in
 *   the binding's namespace.
 * RBAC only adds permissions: there are no deny rules.
 */
import type { LoadedObject } from '../model/kube.js';
import type { Labels } from '../model/labels.js';
import { parseLabelSelector, type FieldProblem, type LabelSelector } from '../model/networkpolicy.js';
import { matches } from '../netpol/selector.js';
import { isRecord } from '../model/json.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The verbs that change an object. */
export const WRITE_VERBS: readonly string[] = ['create', 'update', 'patch', 'delete', 'deletecollection'];

export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

export interface Subject {
  readonly kind: SubjectKind;
  readonly name: string;
  /** ServiceAccounts only. */
  readonly namespace?: string;
}

export interface RbacRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** A rule and the role it was written in (for aggregated ClusterRoles, the aggregated one). */
export interface RuleOrigin {
  readonly rule: RbacRule;
  /** Name of the Role or ClusterRole that holds the rule. */
  readonly role: string;
  /** Index in that role's `rules`. */
  readonly index: number;
}

export interface ResolvedRole {
  readonly kind: 'Role' | 'ClusterRole';
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Labels;
  /** Own rules, plus for an aggregated ClusterRole the rules of every ClusterRole it selects. */
  readonly rules: readonly RuleOrigin[];
  readonly aggregated: boolean;
  /** The object in the input; absent for a built-in role the input does not carry. */
  readonly object?: LoadedObject;
  /** One of Kubernetes' default ClusterRoles, taken from the embedded copy. */
  readonly builtIn: boolean;
}

/** One subject of one binding holding some of the requested verbs. */
export interface RbacGrant {
  readonly subject: Subject;
  /** `cluster`: everywhere (ClusterRoleBinding); `namespace`: only in `namespace`. */
  readonly scope: 'cluster' | 'namespace';
  readonly namespace?: string;
  /** The requested verbs this subject holds through this binding, sorted; `*` is expanded. */
  readonly verbs: readonly string[];
  /** Present when every matching rule is limited to named objects. */
  readonly resourceNames?: readonly string[];
  readonly binding: LoadedObject;
  readonly role: {
    readonly kind: 'Role' | 'ClusterRole';
    readonly name: string;
    readonly namespace?: string;
    readonly object?: LoadedObject;
    readonly builtIn: boolean;
  };
  /** Roles whose rules give the verbs: the bound role, or the ones aggregated into it. */
  readonly via: readonly string[];
  /** system:masters, other `system:` users and groups of the control plane, service accounts in kube-system. */
  readonly controlPlane: boolean;
}
/** The name the issue uses for it. */
export type Grant = RbacGrant;

/** A binding whose role is neither in the input nor built in: it grants nothing we can see. */
export interface UnresolvedBinding {
  readonly binding: LoadedObject;
  readonly roleRef: { readonly kind: string; readonly name: string };
}

export interface RbacModel {
  readonly roles: ReadonlyMap<string, ResolvedRole>;
  readonly bindings: readonly Binding[];
  readonly unresolved: readonly UnresolvedBinding[];
}

export interface Binding {
  readonly object: LoadedObject;
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  /** The binding's namespace (RoleBinding only). */
  readonly namespace?: string;
  readonly role: ResolvedRole;
  readonly subjects: readonly Subject[];
}

export interface AccessQuery {
  readonly apiGroup: string;
  readonly resource: string;
  readonly verbs: readonly string[];
}

// ---- built-in ClusterRoles ---------------------------------------------------

const AGG = (role: string): string => `${RBAC_GROUP}/aggregate-to-${role}`;

export interface BuiltIn {
  readonly name: string;
  readonly labels: Labels;
  readonly rules: readonly RbacRule[];
  readonly aggregateFrom?: string;
}

const W = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const R = ['get', 'list', 'watch'];

/**
 * Kubernetes' user-facing default ClusterRoles, as the API server bootstraps them
 * (abridged to the rules that matter here, the NetworkPolicy ones exact): `admin`,
 * `edit` and `view` are aggregated, and `edit` gets NetworkPolicy write from
 * `system:aggregate-to-edit`, so `admin` gets it too. `view` is labelled into
 * `edit`, and `edit` into `admin`.
 */
export const BUILT_IN_CLUSTER_ROLES: readonly BuiltIn[] = [
  { name: 'cluster-admin', labels: {}, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  { name: 'admin', labels: {}, rules: [], aggregateFrom: 'admin' },
  { name: 'edit', labels: { [AGG('admin')]: 'true' }, rules: [], aggregateFrom: 'edit' },
  { name: 'view', labels: { [AGG('edit')]: 'true' }, rules: [], aggregateFrom: 'view' },
  {
    name: 'system:aggregate-to-admin',
    labels: { [AGG('admin')]: 'true' },
    rules: [
      { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
      { apiGroups: [RBAC_GROUP], resources: ['rolebindings', 'roles'], verbs: [...W, ...R] },
    ],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: { [AGG('edit')]: 'true' },
    rules: [
      { apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], verbs: W },
      { apiGroups: [''], resources: ['configmaps', 'endpoints', 'persistentvolumeclaims', 'replicationcontrollers', 'secrets', 'serviceaccounts', 'services'], verbs: W },
      { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: W },
      { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: W },
      { apiGroups: ['extensions'], resources: ['ingresses', 'networkpolicies'], verbs: W },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: W },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: W },
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: { [AGG('view')]: 'true' },
    rules: [
      { apiGroups: [''], resources: ['configmaps', 'endpoints', 'persistentvolumeclaims', 'pods', 'services', 'namespaces'], verbs: R },
      { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: R },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: R },
    ],
  },
];

// ---- parsing -----------------------------------------------------------------

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const isRbac = (o: LoadedObject): boolean => o.object.apiVersion.startsWith(`${RBAC_GROUP}/`);

function parseRules(raw: unknown): RbacRule[] {
  if (!Array.isArray(raw)) return [];
  const out: RbacRule[] = [];
  for (const r of raw) {
    if (!isRecord(r)) continue;
    const names = strings(r['resourceNames']);
    out.push({
      apiGroups: strings(r['apiGroups']),
      resources: strings(r['resources']),
      verbs: strings(r['verbs']),
      ...(names.length > 0 ? { resourceNames: names } : {}),
    });
  }
  return out;
}

function parseSubjects(raw: unknown, bindingNamespace: string | undefined): Subject[] {
  if (!Array.isArray(raw)) return [];
  const out: Subject[] = [];
  for (const s of raw) {
    if (!isRecord(s)) continue;
    const kind = s['kind'];
    const name = s['name'];
    if (typeof name !== 'string' || name === '') continue;
    if (kind === 'User' || kind === 'Group') out.push({ kind, name });
    else if (kind === 'ServiceAccount') {
      const ns = typeof s['namespace'] === 'string' && s['namespace'] !== '' ? s['namespace'] : bindingNamespace;
      out.push(ns !== undefined ? { kind, name, namespace: ns } : { kind, name });
    }
  }
  return out;
}

function aggregationSelectors(obj: LoadedObject['object']): LabelSelector[] | undefined {
  const ar = obj['aggregationRule'];
  if (!isRecord(ar)) return undefined;
  const sels = ar['clusterRoleSelectors'];
  if (!Array.isArray(sels)) return undefined;
  const problems: FieldProblem[] = [];
  return sels.map((s, i) => parseLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`, problems));
}

const roleKey = (kind: 'Role' | 'ClusterRole', name: string, namespace?: string): string => `${kind}/${namespace ?? ''}/${name}`;

interface RawRole {
  readonly kind: 'Role' | 'ClusterRole';
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Labels;
  readonly rules: readonly RbacRule[];
  readonly selectors?: readonly LabelSelector[];
  readonly object?: LoadedObject;
  readonly builtIn: boolean;
}

/** Resolves every Role, ClusterRole (aggregation included) and binding in the input. */
export function resolveRbac(objects: readonly LoadedObject[]): RbacModel {
  const raw = new Map<string, RawRole>();
  for (const o of objects) {
    const k = o.object.kind;
    if ((k !== 'Role' && k !== 'ClusterRole') || !isRbac(o)) continue;
    const ns = k === 'Role' ? o.object.metadata.namespace : undefined;
    const sels = k === 'ClusterRole' ? aggregationSelectors(o.object) : undefined;
    raw.set(roleKey(k, o.object.metadata.name, ns), {
      kind: k,
      name: o.object.metadata.name,
      ...(ns !== undefined ? { namespace: ns } : {}),
      labels: o.object.metadata.labels ?? {},
      rules: parseRules(o.object['rules']),
      ...(sels ? { selectors: sels } : {}),
      object: o,
      builtIn: false,
    });
  }
  // Built-ins fill in what the input does not carry (an input copy, e.g. from a live cluster, wins).
  for (const b of BUILT_IN_CLUSTER_ROLES) {
    const key = roleKey('ClusterRole', b.name);
    if (raw.has(key)) continue;
    const selectors = b.aggregateFrom ? [{ matchLabels: { [AGG(b.aggregateFrom)]: 'true' }, matchExpressions: [] }] : undefined;
    raw.set(key, { kind: 'ClusterRole', name: b.name, labels: b.labels, rules: b.rules, ...(selectors ? { selectors } : {}), builtIn: true });
  }

  const clusterRoles = [...raw.values()].filter((r) => r.kind === 'ClusterRole');
  const memo = new Map<string, RuleOrigin[]>();
  const rulesOf = (r: RawRole, visiting: Set<string>): RuleOrigin[] => {
    const key = roleKey(r.kind, r.name, r.namespace);
    const hit = memo.get(key);
    if (hit) return hit;
    const own = r.rules.map((rule, index) => ({ rule, role: r.name, index }));
    if (!r.selectors) {
      memo.set(key, own);
      return own;
    }
    visiting.add(key);
    const out = [...own];
    for (const other of clusterRoles) {
      const ok = roleKey(other.kind, other.name);
      if (ok === key || visiting.has(ok)) continue;
      if (!r.selectors.some((s) => matches(s, other.labels))) continue;
      out.push(...rulesOf(other, visiting));
    }
    visiting.delete(key);
    // Only a complete result is memoised; one computed inside a cycle may be partial.
    if (visiting.size === 0) memo.set(key, out);
    return out;
  };

  const roles = new Map<string, ResolvedRole>();
  for (const [key, r] of raw) {
    roles.set(key, {
      kind: r.kind,
      name: r.name,
      ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
      labels: r.labels,
      rules: rulesOf(r, new Set()),
      aggregated: r.selectors !== undefined,
      ...(r.object ? { object: r.object } : {}),
      builtIn: r.builtIn,
    });
  }

  return { roles, ...resolveBindings(objects, roles) };
}

function resolveBindings(objects: readonly LoadedObject[], roles: ReadonlyMap<string, ResolvedRole>): { bindings: Binding[]; unresolved: UnresolvedBinding[] } {
  const bindings: Binding[] = [];
  const unresolved: UnresolvedBinding[] = [];
  for (const o of objects) {
    const k = o.object.kind;
    if ((k !== 'RoleBinding' && k !== 'ClusterRoleBinding') || !isRbac(o)) continue;
    const ref = o.object['roleRef'];
    if (!isRecord(ref) || typeof ref['name'] !== 'string' || (ref['kind'] !== 'Role' && ref['kind'] !== 'ClusterRole')) continue;
    const refKind = ref['kind'];
    const ns = k === 'RoleBinding' ? o.object.metadata.namespace : undefined;
    // A ClusterRoleBinding can only refer to a ClusterRole.
    if (k === 'ClusterRoleBinding' && refKind === 'Role') {
      unresolved.push({ binding: o, roleRef: { kind: refKind, name: ref['name'] } });
      continue;
    }
    const role = roles.get(roleKey(refKind, ref['name'], refKind === 'Role' ? ns : undefined));
    if (!role) {
      unresolved.push({ binding: o, roleRef: { kind: refKind, name: ref['name'] } });
      continue;
    }
    bindings.push({ object: o, kind: k, ...(ns !== undefined ? { namespace: ns } : {}), role, subjects: parseSubjects(o.object['subjects'], ns) });
  }
  return { bindings, unresolved };
}

// ---- queries -----------------------------------------------------------------

const has = (list: readonly string[], v: string): boolean => list.includes('*') || list.includes(v);

/** The requested verbs one rule grants on the resource, or none. */
export function ruleGrants(rule: RbacRule, q: AccessQuery): string[] {
  if (!has(rule.apiGroups, q.apiGroup) || !has(rule.resources, q.resource)) return [];
  return q.verbs.filter((v) => has(rule.verbs, v));
}

/** Control-plane subjects: left out of findings, kept in the resolver's output. */
export function isControlPlaneSubject(s: Subject): boolean {
  if (s.kind === 'ServiceAccount') return s.namespace === 'kube-system';
  const sa = /^system:serviceaccount:([^:]+):/.exec(s.name);
  if (s.kind === 'User' && sa) return sa[1] === 'kube-system';
  if (!s.name.startsWith('system:')) return false;
  // Groups that stand for everybody (or every workload) are not the control plane:
  // binding them is exactly the mistake an audit must show.
  if (s.kind === 'Group' && isBroadGroup(s.name)) return false;
  return true;
}

/** `system:authenticated`, `system:unauthenticated`, `system:serviceaccounts` and `system:serviceaccounts:<ns>` (not kube-system). */
export function isBroadGroup(name: string): boolean {
  if (name === 'system:authenticated' || name === 'system:unauthenticated' || name === 'system:serviceaccounts') return true;
  return name.startsWith('system:serviceaccounts:') && name !== 'system:serviceaccounts:kube-system';
}

/** How Kubernetes names a subject to the authorizer: `system:serviceaccount:ns:name` for a ServiceAccount. */
export function subjectName(s: Subject): string {
  return s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace ?? ''}:${s.name}` : s.name;
}

/** `Group app-team`, `ServiceAccount ci/deployer`. */
export function describeSubject(s: Subject): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace ?? '?'}/${s.name}` : `${s.kind} ${s.name}`;
}

/**
 * Every subject that holds some of `q.verbs` on `q.resource` in `q.apiGroup`:
 * one grant per (binding, subject), in input order.
 */
export function whoCan(input: { readonly objects: readonly LoadedObject[] } | RbacModel, q: AccessQuery): RbacGrant[] {
  const model = 'bindings' in input ? input : resolveRbac(input.objects);
  const out: RbacGrant[] = [];
  for (const b of model.bindings) {
    const verbs = new Set<string>();
    const via = new Set<string>();
    let unrestricted = false;
    const names = new Set<string>();
    for (const ro of b.role.rules) {
      const v = ruleGrants(ro.rule, q);
      if (v.length === 0) continue;
      for (const x of v) verbs.add(x);
      via.add(ro.role);
      if (ro.rule.resourceNames) for (const n of ro.rule.resourceNames) names.add(n);
      else unrestricted = true;
    }
    if (verbs.size === 0) continue;
    const sortedVerbs = q.verbs.filter((v) => verbs.has(v));
    for (const subject of b.subjects) {
      out.push({
        subject,
        scope: b.kind === 'ClusterRoleBinding' ? 'cluster' : 'namespace',
        ...(b.namespace !== undefined ? { namespace: b.namespace } : {}),
        verbs: sortedVerbs,
        ...(!unrestricted ? { resourceNames: [...names].sort() } : {}),
        binding: b.object,
        role: {
          kind: b.role.kind,
          name: b.role.name,
          ...(b.role.namespace !== undefined ? { namespace: b.role.namespace } : {}),
          ...(b.role.object ? { object: b.role.object } : {}),
          builtIn: b.role.builtIn,
        },
        via: [...via],
        controlPlane: isControlPlaneSubject(subject),
      });
    }
  }
  return out;
}

/** Who may create, update, patch, delete or deletecollection the resource. */
export function whoCanWrite(input: { readonly objects: readonly LoadedObject[] } | RbacModel, target: { readonly apiGroup: string; readonly resource: string }): RbacGrant[] {
  return whoCan(input, { ...target, verbs: WRITE_VERBS });
}
