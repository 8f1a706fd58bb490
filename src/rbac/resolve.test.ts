import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inventoryFromText } from '../load/text.js';
import { isControlPlaneSubject, resolveRbac, whoCan, whoCanWrite, type RbacGrant, type Subject } from './resolve.js';

const NP = { apiGroup: 'networking.k8s.io', resource: 'networkpolicies' };
const ALL = 'create,update,patch,delete,deletecollection';

/** One grant as a line: `Group team@ns:checkout create,update via ClusterRole/edit*` (`*`: built-in). */
function line(g: RbacGrant): string {
  const s = g.subject.kind === 'ServiceAccount' ? `ServiceAccount ${g.subject.namespace ?? '?'}/${g.subject.name}` : `${g.subject.kind} ${g.subject.name}`;
  const scope = g.scope === 'cluster' ? 'cluster' : `ns:${g.namespace ?? '?'}`;
  const names = g.resourceNames ? ` names:${g.resourceNames.join(',')}` : '';
  return `${s}@${scope} ${g.verbs.join(',')}${names} via ${g.role.kind}/${g.role.name}${g.role.builtIn ? '*' : ''}`;
}

const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, ns: string | undefined, roleKind: string, role: string, subject = '  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: app-team'): string => `apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata:
  name: ${name}${ns ? `\n  namespace: ${ns}` : ''}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ${roleKind}
  name: ${role}
subjects:
${subject}
`;

const role = (kind: 'Role' | 'ClusterRole', name: string, ns: string | undefined, rules: string, extra = ''): string => `apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata:
  name: ${name}${ns ? `\n  namespace: ${ns}` : ''}${extra}
rules:
${rules}
`;

const cases: { name: string; yaml: string; want: string[] }[] = [
  { name: 'built-in edit bound in a namespace grants NetworkPolicy write there', yaml: binding('RoleBinding', 'b', 'checkout', 'ClusterRole', 'edit'), want: [`Group app-team@ns:checkout ${ALL} via ClusterRole/edit*`] },
  { name: 'built-in admin includes edit by aggregation', yaml: binding('RoleBinding', 'b', 'shop', 'ClusterRole', 'admin'), want: [`Group app-team@ns:shop ${ALL} via ClusterRole/admin*`] },
  { name: 'built-in view is read only', yaml: binding('RoleBinding', 'b', 'shop', 'ClusterRole', 'view'), want: [] },
  { name: 'cluster-admin through a ClusterRoleBinding is cluster-wide', yaml: binding('ClusterRoleBinding', 'b', undefined, 'ClusterRole', 'cluster-admin'), want: [`Group app-team@cluster ${ALL} via ClusterRole/cluster-admin*`] },
  {
    name: 'custom Role with some write verbs',
    yaml: role('Role', 'np', 'shop', '  - apiGroups: ["networking.k8s.io"]\n    resources: ["networkpolicies"]\n    verbs: ["create", "get"]') + '---\n' + binding('RoleBinding', 'b', 'shop', 'Role', 'np'),
    want: ['Group app-team@ns:shop create via Role/np'],
  },
  {
    name: 'wildcards in apiGroups, resources and verbs',
    yaml: role('Role', 'all', 'shop', '  - apiGroups: ["*"]\n    resources: ["*"]\n    verbs: ["*"]') + '---\n' + binding('RoleBinding', 'b', 'shop', 'Role', 'all'),
    want: [`Group app-team@ns:shop ${ALL} via Role/all`],
  },
  {
    name: 'networkpolicies in the core group is not the NetworkPolicy API',
    yaml: role('Role', 'core', 'shop', '  - apiGroups: [""]\n    resources: ["networkpolicies"]\n    verbs: ["*"]') + '---\n' + binding('RoleBinding', 'b', 'shop', 'Role', 'core'),
    want: [],
  },
  {
    name: 'a subresource is not the resource',
    yaml: role('Role', 'status', 'shop', '  - apiGroups: ["networking.k8s.io"]\n    resources: ["networkpolicies/status"]\n    verbs: ["*"]') + '---\n' + binding('RoleBinding', 'b', 'shop', 'Role', 'status'),
    want: [],
  },
  {
    name: 'resourceNames limit the grant to named policies',
    yaml: role('Role', 'one', 'shop', '  - apiGroups: ["networking.k8s.io"]\n    resources: ["networkpolicies"]\n    resourceNames: ["allow-dns"]\n    verbs: ["update", "patch"]') + '---\n' + binding('RoleBinding', 'b', 'shop', 'Role', 'one'),
    want: ['Group app-team@ns:shop update,patch names:allow-dns via Role/one'],
  },
  {
    name: 'read verbs only',
    yaml: role('Role', 'ro', 'shop', '  - apiGroups: ["networking.k8s.io"]\n    resources: ["networkpolicies"]\n    verbs: ["get", "list", "watch"]') + '---\n' + binding('RoleBinding', 'b', 'shop', 'Role', 'ro'),
    want: [],
  },
  {
    name: 'a ClusterRole labelled into view gives view holders write',
    yaml:
      role('ClusterRole', 'np-writer', undefined, '  - apiGroups: ["networking.k8s.io"]\n    resources: ["networkpolicies"]\n    verbs: ["patch"]', '\n  labels:\n    rbac.authorization.k8s.io/aggregate-to-view: "true"') +
      '---\n' +
      binding('RoleBinding', 'b', 'shop', 'ClusterRole', 'view'),
    want: ['Group app-team@ns:shop patch via ClusterRole/view*'],
  },
  {
    name: 'custom aggregationRule collects the rules of matching ClusterRoles',
    yaml: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: netops
aggregationRule:
  clusterRoleSelectors:
    - matchLabels:
        example.com/aggregate-to-netops: "true"
rules: []
---
${role('ClusterRole', 'np-delete', undefined, '  - apiGroups: ["networking.k8s.io"]\n    resources: ["networkpolicies"]\n    verbs: ["delete"]', '\n  labels:\n    example.com/aggregate-to-netops: "true"')}---
${binding('ClusterRoleBinding', 'b', undefined, 'ClusterRole', 'netops')}`,
    want: ['Group app-team@cluster delete via ClusterRole/netops'],
  },
  {
    name: 'aggregation cycles terminate',
    yaml: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: a
  labels: { agg: b }
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: { agg: a }
rules:
  - apiGroups: ["networking.k8s.io"]
    resources: ["networkpolicies"]
    verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: b
  labels: { agg: a }
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: { agg: b }
rules: []
---
${binding('ClusterRoleBinding', 'x', undefined, 'ClusterRole', 'b')}`,
    want: ['Group app-team@cluster create via ClusterRole/b'],
  },
  {
    name: 'a RoleBinding only finds a Role in its own namespace',
    yaml: role('Role', 'np', 'other', '  - apiGroups: ["networking.k8s.io"]\n    resources: ["networkpolicies"]\n    verbs: ["*"]') + '---\n' + binding('RoleBinding', 'b', 'shop', 'Role', 'np'),
    want: [],
  },
  {
    name: 'a ClusterRole bound by a RoleBinding is scoped to the binding namespace',
    yaml: role('ClusterRole', 'np', undefined, '  - apiGroups: ["networking.k8s.io"]\n    resources: ["networkpolicies"]\n    verbs: ["update"]') + '---\n' + binding('RoleBinding', 'b', 'payments', 'ClusterRole', 'np'),
    want: ['Group app-team@ns:payments update via ClusterRole/np'],
  },
  {
    name: 'a ServiceAccount subject without namespace is in the binding namespace',
    yaml: binding('RoleBinding', 'b', 'ci', 'ClusterRole', 'edit', '  - kind: ServiceAccount\n    name: deployer'),
    want: [`ServiceAccount ci/deployer@ns:ci ${ALL} via ClusterRole/edit*`],
  },
  {
    name: 'an input copy of a built-in role replaces the embedded one',
    yaml: role('ClusterRole', 'edit', undefined, '  - apiGroups: ["apps"]\n    resources: ["deployments"]\n    verbs: ["*"]') + '---\n' + binding('RoleBinding', 'b', 'shop', 'ClusterRole', 'edit'),
    want: [],
  },
  {
    name: 'every subject of a binding gets its own grant',
    yaml: binding('RoleBinding', 'b', 'shop', 'ClusterRole', 'edit', '  - apiGroup: rbac.authorization.k8s.io\n    kind: User\n    name: alice@example.com\n  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: ops'),
    want: [`User alice@example.com@ns:shop ${ALL} via ClusterRole/edit*`, `Group ops@ns:shop ${ALL} via ClusterRole/edit*`],
  },
];

for (const c of cases) {
  test(`whoCanWrite: ${c.name}`, () => {
    const inv = inventoryFromText(c.yaml, 'rbac.yaml');
    assert.deepEqual(whoCanWrite(inv, NP).map(line), c.want);
  });
}

test('whoCanWrite names the aggregated roles that give the verbs and the binding object', () => {
  const inv = inventoryFromText(binding('RoleBinding', 'app-team-edit', 'checkout', 'ClusterRole', 'edit'), 'rbac.yaml');
  const [g] = whoCanWrite(inv, NP);
  assert.ok(g);
  assert.deepEqual(g.via, ['system:aggregate-to-edit']);
  assert.equal(g.binding.object.metadata.name, 'app-team-edit');
  assert.equal(g.binding.source.file, 'rbac.yaml');
  assert.equal(g.role.object, undefined);
});

test('whoCan answers other resources and verbs too', () => {
  const inv = inventoryFromText(binding('RoleBinding', 'b', 'shop', 'ClusterRole', 'view'), 'rbac.yaml');
  assert.deepEqual(whoCan(inv, { ...NP, verbs: ['get', 'list'] }).map(line), ['Group app-team@ns:shop get,list via ClusterRole/view*']);
});

test('bindings to roles that do not exist are reported as unresolved', () => {
  const inv = inventoryFromText(binding('RoleBinding', 'b', 'shop', 'Role', 'missing') + '---\n' + binding('ClusterRoleBinding', 'c', undefined, 'Role', 'x'), 'rbac.yaml');
  const m = resolveRbac(inv.objects);
  assert.deepEqual(m.unresolved.map((u) => `${u.binding.object.metadata.name}->${u.roleRef.kind}/${u.roleRef.name}`), ['b->Role/missing', 'c->Role/x']);
  assert.equal(m.bindings.length, 0);
});

const subjects: [Subject, boolean][] = [
  [{ kind: 'Group', name: 'system:masters' }, true],
  [{ kind: 'User', name: 'system:kube-controller-manager' }, true],
  [{ kind: 'Group', name: 'system:nodes' }, true],
  [{ kind: 'ServiceAccount', name: 'replicaset-controller', namespace: 'kube-system' }, true],
  [{ kind: 'User', name: 'system:serviceaccount:kube-system:generic-garbage-collector' }, true],
  [{ kind: 'Group', name: 'system:authenticated' }, false],
  [{ kind: 'Group', name: 'system:serviceaccounts' }, false],
  [{ kind: 'Group', name: 'system:serviceaccounts:shop' }, false],
  [{ kind: 'User', name: 'system:serviceaccount:argocd:argocd-application-controller' }, false],
  [{ kind: 'ServiceAccount', name: 'argocd-application-controller', namespace: 'argocd' }, false],
  [{ kind: 'Group', name: 'network-team' }, false],
];
for (const [s, want] of subjects) {
  test(`isControlPlaneSubject(${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}) is ${String(want)}`, () => {
    assert.equal(isControlPlaneSubject(s), want);
  });
}

test('control-plane subjects stay in the resolver output, flagged', () => {
  const inv = inventoryFromText(binding('ClusterRoleBinding', 'cluster-admin', undefined, 'ClusterRole', 'cluster-admin', '  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: system:masters'), 'rbac.yaml');
  const grants = whoCanWrite(inv, NP);
  assert.equal(grants.length, 1);
  assert.equal(grants[0]!.controlPlane, true);
});
