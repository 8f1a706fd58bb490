/**
 * Who may change segregation: only the network team edits NetworkPolicies
 * (a ClusterRole bound to its group alone). Each app team gets, in the
 * namespaces of its services, a Role to deploy that can read NetworkPolicies
 * but not write them — unlike the built-in `edit` and `admin` roles.
 */
import { commonLabels, type Labels, type Obj } from './platform.js';
import type { Platform } from './spec.js';
import type { Doc, FilePlan } from './yaml.js';

export const NETWORK_POLICY_ADMIN = 'meshless:network-policy-admin';
export const APP_DEPLOYER = 'meshless:app-deployer';

const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const READ = ['get', 'list', 'watch'];

/** What an app team may do in its namespaces. No rbac (it could grant itself more), no networkpolicies write, no edge objects. */
export const APP_DEPLOYER_RULES: readonly Obj[] = [
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'deployments/scale', 'statefulsets/scale'], verbs: ALL },
  { apiGroups: ['apps'], resources: ['replicasets', 'controllerrevisions'], verbs: READ },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ALL },
  { apiGroups: [''], resources: ['services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'serviceaccounts'], verbs: ALL },
  { apiGroups: [''], resources: ['pods'], verbs: [...READ, 'delete'] },
  { apiGroups: [''], resources: ['pods/log', 'events', 'endpoints'], verbs: READ },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ALL },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ALL },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
];

/** The Role an app team deploys with in one namespace: APP_DEPLOYER_RULES, NetworkPolicies read only. */
export function appDeployerRole(namespace: string, labels?: Labels): Obj {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: APP_DEPLOYER, namespace, ...(labels !== undefined ? { labels } : {}) }, rules: APP_DEPLOYER_RULES.map((r) => ({ ...r })) };
}

export interface RoleBindingInput {
  readonly namespace: string;
  readonly name: string;
  /** The Role (in the same namespace) it grants. */
  readonly role: string;
  /** RBAC subjects as the API takes them (`{ apiGroup, kind, name }`, a ServiceAccount with `namespace`). */
  readonly subjects: readonly Obj[];
  readonly labels?: Labels;
}

export function roleBindingObject(b: RoleBindingInput): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: b.name, namespace: b.namespace, ...(b.labels !== undefined ? { labels: b.labels } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: b.role },
    subjects: b.subjects.map((x) => ({ ...x })),
  };
}

function networkTeam(spec: Platform): Doc[] {
  return [
    {
      comment: 'NetworkPolicy administration. Bound to the network team only: application teams cannot change their own segregation.',
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: NETWORK_POLICY_ADMIN, labels: commonLabels(spec) },
        rules: [{ apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ALL }],
      },
    },
    {
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: NETWORK_POLICY_ADMIN, labels: commonLabels(spec) },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NETWORK_POLICY_ADMIN },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: spec.teams.network }],
      },
    },
  ];
}

function appTeams(spec: Platform): Doc[] {
  const docs: Doc[] = [];
  for (const t of spec.teams.apps) {
    for (const ns of t.services) {
      docs.push(
        {
          comment: `Team ${t.name} deploys in ${ns}. NetworkPolicies: read only (the network team owns them).`,
          object: appDeployerRole(ns, commonLabels(spec)),
        },
        {
          object: roleBindingObject({ namespace: ns, name: `${t.name}-app-deployer`, role: APP_DEPLOYER, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: t.group }], labels: commonLabels(spec) }),
        },
      );
    }
  }
  return docs;
}

export function renderRbac(spec: Platform): FilePlan[] {
  const out: FilePlan[] = [{ path: 'rbac/network-team.yaml', title: `RBAC: only group ${spec.teams.network} may edit NetworkPolicies.`, docs: networkTeam(spec) }];
  if (spec.teams.apps.length > 0) {
    out.push({ path: 'rbac/app-teams.yaml', title: 'RBAC: each app team may deploy in the namespaces of its services, without NetworkPolicy write.', docs: appTeams(spec) });
  }
  return out;
}
