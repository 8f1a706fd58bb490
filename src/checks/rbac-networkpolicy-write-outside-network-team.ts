import { describeSubject, isBroadGroup, subjectName, whoCanWrite, type RbacGrant, type Subject } from '../rbac/resolve.js';
import { defineCheck, type AuditConfig, type FindingDraft } from './types.js';
import type { Obj } from '../generate/platform.js';
import { APP_DEPLOYER, appDeployerRole, roleBindingObject } from '../generate/rbac.js';
import { compactObjectsYaml } from './fix-objects.js';

/**
 * Is the subject on the network team? Entries name a group or user, a service
 * account as `system:serviceaccount:ns:name`, or every service account of a
 * namespace as `system:serviceaccounts:ns`.
 */
export function onNetworkTeam(s: Subject, config: AuditConfig): boolean {
  const team = config.networkTeam;
  if (s.kind === 'ServiceAccount') return team.includes(subjectName(s)) || (s.namespace !== undefined && team.includes(`system:serviceaccounts:${s.namespace}`));
  return team.includes(s.name);
}

function roleText(g: RbacGrant): string {
  const r = g.role;
  const name = `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
  const extra = [r.builtIn ? 'built-in' : '', g.via.length > 0 && !(g.via.length === 1 && g.via[0] === r.name) ? `aggregates ${g.via.filter((v) => v !== r.name).join(', ')}` : ''].filter(Boolean);
  return extra.length > 0 ? `${name} (${extra.join('; ')})` : name;
}

/**
 * One of Kubernetes' default ClusterRoles (embedded, or an input copy such as a
 * live cluster's): the API server reconciles those, so the fix is to bind another
 * role, never to edit them.
 */
function isDefaultRole(g: RbacGrant): boolean {
  if (g.role.builtIn) return true;
  if (g.role.kind !== 'ClusterRole') return false;
  if (['cluster-admin', 'admin', 'edit'].includes(g.role.name)) return true;
  return g.role.object?.object.metadata.labels?.['kubernetes.io/bootstrapping'] === 'rbac-defaults';
}

/** The Role `meshless generate` gives app teams (NetworkPolicies read only), bound to the subject in place of the default role. */
function objects(g: RbacGrant, namespace: string): Obj[] {
  const s = g.subject;
  const subject = s.kind === 'ServiceAccount' ? { kind: 'ServiceAccount', name: s.name, namespace: s.namespace ?? '<namespace>' } : { apiGroup: 'rbac.authorization.k8s.io', kind: s.kind, name: s.name };
  return [appDeployerRole(namespace), roleBindingObject({ namespace, name: g.binding.object.metadata.name, role: APP_DEPLOYER, subjects: [subject] })];
}

function fixFor(g: RbacGrant): { text: string; objects?: Obj[] } {
  const b = g.binding.object;
  const ns = g.namespace;
  const scopeNs = ns ?? '<namespace>';
  const bindingCmd = ns ? `kubectl -n ${ns} delete rolebinding ${b.metadata.name}` : `kubectl delete clusterrolebinding ${b.metadata.name}`;
  if (!isDefaultRole(g)) {
    const holder = g.via.filter((v) => v !== g.role.name);
    return {
      text: [
        `Remove NetworkPolicy write from ${g.role.kind} ${g.role.namespace ? `${g.role.namespace}/` : ''}${holder.length > 0 ? holder.join(', ') : g.role.name}: drop "networkpolicies" (and any "*") from the resources of its networking.k8s.io rules, keeping read access if needed:`,
        `rules:`,
        `  - apiGroups: ["networking.k8s.io"]`,
        `    resources: ["networkpolicies"]`,
        `    verbs: ["get", "list", "watch"]`,
        `If ${describeSubject(g.subject)} must change segregation, make it part of the network team (networkTeam in the meshless configuration) instead.`,
      ].join('\n'),
    };
  }
  return {
    text: [
      `Bind a Role without NetworkPolicy rights instead of ${g.role.name}; NetworkPolicies stay with the network team:`,
      compactObjectsYaml(objects(g, scopeNs)).trimEnd(),
      `A binding's roleRef cannot be changed in place: ${bindingCmd}, then apply the above.`,
    ].join('\n'),
    ...(ns !== undefined ? { objects: objects(g, ns) } : {}),
  };
}

export default defineCheck({
  id: 'rbac-networkpolicy-write-outside-network-team',
  control: 'segregation',
  title: 'NetworkPolicy write access outside the network team',
  severity: 'high',
  policyReads: 'none',
  rationale:
    'NetworkPolicies only segregate if the teams they constrain cannot rewrite them. When network security is a separate responsibility, only the network team should create, update, patch or delete NetworkPolicies, and application teams only deploy in their namespaces. The built-in ClusterRoles admin and edit include NetworkPolicy write, so binding them to an application team hands it control over its own segregation. Control-plane subjects (system:masters, system: users, kube-system service accounts) are not reported.',
  fixSummary: 'Bind application teams to a Role without networkpolicies write (not edit or admin), and list the network team in networkTeam.',
  requirements: ['PCI-DSS 7.2.1', 'PCI-DSS 1.2.2'],
  evidence: ['RoleBinding', 'ClusterRoleBinding'],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: checkout
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: app-team-checkout-edit
  namespace: checkout
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: app-team-checkout
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: checkout
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: app-deployer
  namespace: checkout
rules:
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - apiGroups: ["networking.k8s.io"]
    resources: ["networkpolicies"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: app-team-checkout-app-deployer
  namespace: checkout
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: app-deployer
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: app-team-checkout
`,
  },
  run(ctx): FindingDraft[] {
    const out: FindingDraft[] = [];
    for (const g of whoCanWrite(ctx.inventory, { apiGroup: 'networking.k8s.io', resource: 'networkpolicies' })) {
      if (g.controlPlane || onNetworkTeam(g.subject, ctx.config)) continue;
      const where = g.scope === 'cluster' ? 'in every namespace' : `in namespace ${g.namespace ?? '?'}`;
      const named = g.resourceNames ? ` named ${g.resourceNames.join(', ')}` : '';
      const b = g.binding.object;
      const broad = g.subject.kind === 'Group' && isBroadGroup(g.subject.name);
      const fix = fixFor(g);
      out.push({
        object: g.binding,
        path: 'roleRef',
        // Everybody (or every workload) holding it is worse than one team.
        ...(broad ? { severity: 'critical' as const } : {}),
        message: `${describeSubject(g.subject)} can ${g.verbs.join(', ')} NetworkPolicies${named} ${where} through ${b.kind} ${b.metadata.namespace && g.scope === 'namespace' ? `${b.metadata.namespace}/` : ''}${b.metadata.name} → ${roleText(g)}, and is not on the network team`,
        fix: fix.text,
        ...(fix.objects !== undefined ? { fixObjects: fix.objects } : {}),
      });
    }
    return out;
  },
});
