import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inventoryFromText, inventoryFromTexts } from '../load/text.js';
import type { Inventory } from '../model/inventory.js';
import { analyze } from '../netpol/analysis.js';
import { segregationChecks } from './registry-segregation.js';
import { DEFAULT_CONFIG, type AuditConfig, type Check, type CheckContext, type FindingDraft } from './types.js';

type Id = (typeof segregationChecks)[number]['id'];
const CHECKS = new Map<string, Check>(segregationChecks.map((c) => [c.id, c]));

function ctxOf(inv: Inventory, config: Partial<AuditConfig> = {}): CheckContext {
  return { inventory: inv, analysis: analyze(inv), config: { ...DEFAULT_CONFIG, ...config }, objectsOfKind: (k) => inv.objects.filter((o) => o.object.kind === k) };
}

/** A finding as one line: `Kind ns/name path [severity]`. */
function line(check: Check, d: FindingDraft): string {
  const o = d.object;
  const [kind, ns, name] = 'object' in o ? [o.object.kind, o.object.metadata.namespace, o.object.metadata.name] : [o.kind, o.namespace, o.name];
  return `${kind} ${ns ? `${ns}/` : ''}${name}${d.path ? ` ${d.path}` : ''} [${d.severity ?? check.severity}]`;
}

function run(id: Id, yaml: string, config: Partial<AuditConfig> = {}): string[] {
  const check = CHECKS.get(id)!;
  return check.run(ctxOf(inventoryFromText(yaml, 'test.yaml'), config)).map((d) => line(check, d));
}

// ---- fixtures ----------------------------------------------------------------

const ns = (name: string, labels: Record<string, string> = {}): string => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}${Object.keys(labels).length ? `\n  labels:\n${Object.entries(labels).map(([k, v]) => `    ${k}: "${v}"`).join('\n')}` : ''}
---
`;
const deploy = (namespace: string, name: string, opts: { labels?: Record<string, string>; hostNetwork?: boolean; port?: number } = {}): string => {
  const labels = opts.labels ?? { 'app.kubernetes.io/name': name };
  const l = Object.entries(labels).map(([k, v]) => `        ${k}: "${v}"`).join('\n');
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  selector:
    matchLabels:
${l.replace(/^ {8}/gm, '      ')}
  template:
    metadata:
      labels:
${l}
    spec:${opts.hostNetwork ? '\n      hostNetwork: true' : ''}
      containers:
        - name: app
          image: example/${name}:1
          ports:
            - name: http
              containerPort: ${opts.port ?? 8080}
---
`;
};
const policy = (namespace: string, name: string, spec: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${spec}
---
`;
const DENY_ALL = '  podSelector: {}\n  policyTypes: [Ingress, Egress]';
const DENY_INGRESS = '  podSelector: {}\n  policyTypes: [Ingress]';
const rb = (namespace: string | undefined, name: string, role: string, subject: string, roleKind = 'ClusterRole'): string => `apiVersion: rbac.authorization.k8s.io/v1
kind: ${namespace ? 'RoleBinding' : 'ClusterRoleBinding'}
metadata:
  name: ${name}${namespace ? `\n  namespace: ${namespace}` : ''}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ${roleKind}
  name: ${role}
subjects:
${subject}
---
`;
const group = (name: string): string => `  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: ${name}`;
const DATA = { 'meshless.dev/data': 'true' };

// seg-data-ingress-all-namespaces: a database in a data namespace, isolated for ingress, and
// three client namespaces (the fewest the check reports on).
const CLIENTS = ns('checkout') + deploy('checkout', 'checkout') + ns('catalog') + deploy('catalog', 'catalog') + ns('reporting') + deploy('reporting', 'reporting');
const DB = ns('db', DATA) + deploy('db', 'postgres', { port: 5432 }) + policy('db', 'deny', DENY_INGRESS);
const allowDb = (from: string, ports = ''): string => policy('db', 'allow-postgres', `  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: postgres\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n${from}${ports}`);
const FROM_ALL_NS = '        - namespaceSelector: {}\n';
const PORT_5432 = '      ports:\n        - { protocol: TCP, port: 5432 }\n';
const ANP_ALLOW_ALL = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: data-from-everywhere
spec:
  priority: 10
  subject:
    namespaces:
      matchLabels:
        meshless.dev/data: "true"
  ingress:
    - name: all-namespaces
      action: Allow
      from:
        - namespaces: {}
---
`;
const ANP_DENY_REPORTING = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: keep-reporting-out
spec:
  priority: 5
  subject:
    namespaces:
      matchLabels:
        meshless.dev/data: "true"
  ingress:
    - name: not-reporting
      action: Deny
      from:
        - namespaces:
            matchLabels:
              kubernetes.io/metadata.name: reporting
---
`;
/** Calico, default tier: selecting the data namespace's pods isolates them; the rule admits every namespace. */
const GNP_ALLOW_ALL = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: data-from-everywhere
spec:
  namespaceSelector: meshless.dev/data == 'true'
  types: [Ingress]
  ingress:
    - action: Allow
      source:
        namespaceSelector: all()
---
`;
/** A tier before the default one that denies reporting and passes the rest on. */
const GNP_DENY_REPORTING = `apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: security
spec:
  order: 10
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.keep-reporting-out
spec:
  tier: security
  order: 10
  namespaceSelector: meshless.dev/data == 'true'
  types: [Ingress]
  ingress:
    - action: Deny
      source:
        namespaceSelector: projectcalico.org/name == 'reporting'
    - action: Pass
---
`;

// ---- table -------------------------------------------------------------------

interface Case {
  readonly check: Id;
  readonly name: string;
  readonly yaml: string;
  readonly config?: Partial<AuditConfig>;
  readonly want: readonly string[];
}

const cases: Case[] = [
  // seg-workload-not-isolated-ingress
  { check: 'seg-workload-not-isolated-ingress', name: 'no policy at all', yaml: ns('web') + deploy('web', 'web'), want: ['Deployment web/web [high]'] },
  { check: 'seg-workload-not-isolated-ingress', name: 'a default-deny isolates it', yaml: ns('web') + deploy('web', 'web') + policy('web', 'deny', DENY_INGRESS), want: [] },
  { check: 'seg-workload-not-isolated-ingress', name: 'an Egress-only policy does not isolate for ingress', yaml: ns('web') + deploy('web', 'web') + policy('web', 'eg', '  podSelector: {}\n  policyTypes: [Egress]'), want: ['Deployment web/web [high]'] },
  { check: 'seg-workload-not-isolated-ingress', name: 'a policy for other pods does not isolate it', yaml: ns('web') + deploy('web', 'web') + deploy('web', 'api') + policy('web', 'api', '  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: api\n  policyTypes: [Ingress]'), want: ['Deployment web/web [high]'] },
  { check: 'seg-workload-not-isolated-ingress', name: 'host-network pods are not governed by NetworkPolicy', yaml: ns('web') + deploy('web', 'agent', { hostNetwork: true }), want: [] },
  {
    check: 'seg-workload-not-isolated-ingress',
    name: 'pods of one Deployment (live cluster) give one finding',
    yaml:
      ns('web') +
      [1, 2]
        .map(
          (i) => `apiVersion: v1
kind: Pod
metadata:
  name: web-5d9c7-${i}
  namespace: web
  labels: { app: web, pod-template-hash: 5d9c7 }
  ownerReferences:
    - { apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c7, controller: true }
spec:
  containers: [{ name: web, image: example/web:1 }]
status:
  podIP: 10.244.1.${i}
---
`,
        )
        .join(''),
    want: ['Pod web/web-5d9c7-1 [high]'],
  },

  // seg-workload-not-isolated-egress
  { check: 'seg-workload-not-isolated-egress', name: 'no policy at all', yaml: ns('web') + deploy('web', 'web'), want: ['Deployment web/web [medium]'] },
  { check: 'seg-workload-not-isolated-egress', name: 'not required by the configuration', yaml: ns('web') + deploy('web', 'web'), config: { requireEgressIsolation: false }, want: [] },
  { check: 'seg-workload-not-isolated-egress', name: 'an ingress default-deny does not isolate egress', yaml: ns('web') + deploy('web', 'web') + policy('web', 'deny', DENY_INGRESS), want: ['Deployment web/web [medium]'] },
  { check: 'seg-workload-not-isolated-egress', name: 'isolated by a full default-deny', yaml: ns('web') + deploy('web', 'web') + policy('web', 'deny', DENY_ALL), want: [] },

  // seg-namespace-no-default-deny
  { check: 'seg-namespace-no-default-deny', name: 'no policy: both directions missing', yaml: ns('web') + deploy('web', 'web'), want: ['Namespace web [medium]'] },
  { check: 'seg-namespace-no-default-deny', name: 'ingress only', yaml: ns('web') + deploy('web', 'web') + policy('web', 'deny', DENY_INGRESS), want: ['Namespace web [medium]'] },
  { check: 'seg-namespace-no-default-deny', name: 'ingress only, egress isolation not required', yaml: ns('web') + deploy('web', 'web') + policy('web', 'deny', DENY_INGRESS), config: { requireEgressIsolation: false }, want: [] },
  { check: 'seg-namespace-no-default-deny', name: 'full default-deny', yaml: ns('web') + deploy('web', 'web') + policy('web', 'deny', DENY_ALL), want: [] },
  {
    check: 'seg-namespace-no-default-deny',
    name: 'podSelector {} allowing only DNS counts as the egress default-deny',
    yaml: ns('web') + deploy('web', 'web') + policy('web', 'deny', DENY_INGRESS) + policy('web', 'dns', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - ports:\n        - { protocol: UDP, port: 53 }'),
    want: [],
  },
  { check: 'seg-namespace-no-default-deny', name: 'podSelector {} that allows everything is no default-deny', yaml: ns('web') + deploy('web', 'web') + policy('web', 'open', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress:\n    - {}\n  egress:\n    - {}'), want: ['Namespace web [medium]'] },
  { check: 'seg-namespace-no-default-deny', name: 'a policy for some pods is no default-deny', yaml: ns('web') + deploy('web', 'web') + policy('web', 'some', '  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: web\n  policyTypes: [Ingress, Egress]'), want: ['Namespace web [medium]'] },
  { check: 'seg-namespace-no-default-deny', name: 'a namespace without workloads is not reported', yaml: ns('empty'), want: [] },
  { check: 'seg-namespace-no-default-deny', name: 'an undeclared namespace is referenced by name', yaml: deploy('web', 'web') + policy('web', 'deny', DENY_INGRESS), want: ['Namespace web [medium]'] },

  // seg-policy-allows-all
  { check: 'seg-policy-allows-all', name: 'ingress: [{}]', yaml: policy('web', 'open', '  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - {}'), want: ['NetworkPolicy web/open spec.ingress[0] [high]'] },
  { check: 'seg-policy-allows-all', name: 'namespaceSelector {} on every port', yaml: policy('web', 'any-ns', '  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector: {}'), want: ['NetworkPolicy web/any-ns spec.ingress[0].from[0].namespaceSelector [high]'] },
  { check: 'seg-policy-allows-all', name: 'namespaceSelector {} limited to DNS ports', yaml: policy('kube-system', 'dns', '  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector: {}\n      ports:\n        - { protocol: UDP, port: 53 }'), want: [] },
  { check: 'seg-policy-allows-all', name: 'namespaceSelector {} with a podSelector is not everyone', yaml: policy('web', 'mon', '  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector: {}\n          podSelector:\n            matchLabels: { app: prometheus }'), want: [] },
  { check: 'seg-policy-allows-all', name: 'ipBlock 0.0.0.0/0 on every port', yaml: policy('web', 'world', '  podSelector: {}\n  ingress:\n    - from:\n        - ipBlock:\n            cidr: 0.0.0.0/0'), want: ['NetworkPolicy web/world spec.ingress[0].from[0].ipBlock [high]'] },
  { check: 'seg-policy-allows-all', name: 'ipBlock 0.0.0.0/0 on the listener ports only', yaml: policy('web', 'lb', '  podSelector: {}\n  ingress:\n    - from:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n      ports:\n        - { protocol: TCP, port: 443 }'), want: [] },
  { check: 'seg-policy-allows-all', name: 'every TCP port counts as every port', yaml: policy('web', 'tcp', '  podSelector: {}\n  ingress:\n    - ports:\n        - protocol: TCP'), want: ['NetworkPolicy web/tcp spec.ingress[0] [high]'] },
  { check: 'seg-policy-allows-all', name: 'egress: [{}] is medium', yaml: policy('web', 'out', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - {}'), want: ['NetworkPolicy web/out spec.egress[0] [medium]'] },
  { check: 'seg-policy-allows-all', name: 'rules of a direction not in policyTypes are ignored', yaml: policy('web', 'ignored', '  podSelector: {}\n  policyTypes: [Ingress]\n  egress:\n    - {}'), want: [] },

  // seg-policy-selects-nothing
  { check: 'seg-policy-selects-nothing', name: 'a typo in the selector', yaml: ns('web') + deploy('web', 'web') + policy('web', 'p', '  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: wbe'), want: ['NetworkPolicy web/p spec.podSelector [low]'] },
  { check: 'seg-policy-selects-nothing', name: 'matching pods', yaml: ns('web') + deploy('web', 'web') + policy('web', 'p', '  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: web'), want: [] },
  { check: 'seg-policy-selects-nothing', name: 'pods cert-manager creates at run time', yaml: ns('web') + deploy('web', 'web') + policy('web', 'solver', '  podSelector:\n    matchLabels:\n      acme.cert-manager.io/http01-solver: "true"'), want: [] },
  { check: 'seg-policy-selects-nothing', name: 'a namespace whose workloads are not in the input', yaml: policy('web', 'p', '  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: web'), want: [] },
  { check: 'seg-policy-selects-nothing', name: 'podSelector {} in an empty namespace', yaml: ns('web') + policy('web', 'deny', DENY_ALL), want: [] },

  // seg-selector-matches-nothing
  { check: 'seg-selector-matches-nothing', name: 'namespaceSelector matching no namespace', yaml: ns('db') + ns('checkout') + policy('db', 'p', '  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: checkuot'), want: ['NetworkPolicy db/p spec.ingress[0].from[0].namespaceSelector [medium]'] },
  { check: 'seg-selector-matches-nothing', name: 'podSelector peer matching no pod in its namespace', yaml: ns('web') + deploy('web', 'web') + policy('web', 'p', '  podSelector: {}\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: frontend'), want: ['NetworkPolicy web/p spec.ingress[0].from[0].podSelector [medium]'] },
  { check: 'seg-selector-matches-nothing', name: 'egress peer into another namespace matching no pod there', yaml: ns('web') + ns('db') + deploy('web', 'web') + deploy('db', 'postgres') + policy('web', 'p', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: db\n          podSelector:\n            matchLabels:\n              app.kubernetes.io/name: postgress'), want: ['NetworkPolicy web/p spec.egress[0].to[0].podSelector [medium]'] },
  { check: 'seg-selector-matches-nothing', name: 'peer into a namespace whose workloads are not in the input', yaml: ns('web') + ns('db') + deploy('web', 'web') + policy('web', 'p', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: db\n          podSelector:\n            matchLabels:\n              app.kubernetes.io/name: postgres'), want: [] },
  { check: 'seg-selector-matches-nothing', name: 'peer for cert-manager solver pods', yaml: ns('web') + deploy('web', 'web') + policy('web', 'p', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - podSelector:\n            matchLabels:\n              acme.cert-manager.io/http01-solver: "true"'), want: [] },
  { check: 'seg-selector-matches-nothing', name: 'matchExpressions that match some pods', yaml: ns('web') + deploy('web', 'web') + policy('web', 'p', '  podSelector: {}\n  ingress:\n    - from:\n        - podSelector:\n            matchExpressions:\n              - { key: app.kubernetes.io/name, operator: In, values: [web, api] }'), want: [] },
  { check: 'seg-selector-matches-nothing', name: 'peers in a direction not in policyTypes are ignored', yaml: ns('web') + deploy('web', 'web') + policy('web', 'p', '  podSelector: {}\n  policyTypes: [Ingress]\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels: { team: nobody }'), want: [] },

  // seg-data-egress-internet
  { check: 'seg-data-egress-internet', name: 'data namespace without egress policy', yaml: ns('db', DATA) + deploy('db', 'postgres'), want: ['Deployment db/postgres [high]'] },
  { check: 'seg-data-egress-internet', name: 'namespace without the data label', yaml: ns('web') + deploy('web', 'web'), want: [] },
  { check: 'seg-data-egress-internet', name: 'egress default-deny', yaml: ns('db', DATA) + deploy('db', 'postgres') + policy('db', 'deny', DENY_ALL), want: [] },
  {
    check: 'seg-data-egress-internet',
    name: 'every public address on 443 only is medium',
    yaml: ns('pay', DATA) + deploy('pay', 'payments') + policy('pay', 'out', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n            except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]\n      ports:\n        - { protocol: TCP, port: 443 }'),
    want: ['Deployment pay/payments [medium]'],
  },
  { check: 'seg-data-egress-internet', name: 'egress to private ranges only', yaml: ns('db', DATA) + deploy('db', 'postgres') + policy('db', 'backup', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 192.168.10.0/24'), want: [] },
  { check: 'seg-data-egress-internet', name: 'configured data label', yaml: ns('cde', { pci: 'in-scope' }) + deploy('cde', 'vault'), config: { dataNamespaceLabels: ['pci=in-scope'] }, want: ['Deployment cde/vault [high]'] },

  // seg-data-ingress-all-namespaces
  { check: 'seg-data-ingress-all-namespaces', name: 'namespaceSelector {} admits every namespace', yaml: DB + allowDb(FROM_ALL_NS) + CLIENTS, want: ['Deployment db/postgres [high]'] },
  { check: 'seg-data-ingress-all-namespaces', name: 'namespaceSelector {} on the database port only', yaml: DB + allowDb(FROM_ALL_NS, PORT_5432) + CLIENTS, want: ['Deployment db/postgres [high]'] },
  {
    check: 'seg-data-ingress-all-namespaces',
    name: 'an ipBlock covering the pod network admits every namespace',
    yaml: DB + allowDb('        - ipBlock:\n            cidr: 10.0.0.0/8\n', PORT_5432) + CLIENTS,
    want: ['Deployment db/postgres [high]'],
  },
  {
    check: 'seg-data-ingress-all-namespaces',
    name: 'two named client namespaces',
    yaml: DB + allowDb('        - namespaceSelector:\n            matchExpressions:\n              - { key: kubernetes.io/metadata.name, operator: In, values: [checkout, catalog] }\n', PORT_5432) + CLIENTS,
    want: [],
  },
  {
    check: 'seg-data-ingress-all-namespaces',
    name: 'namespaceSelector {} narrowed by a podSelector admits one namespace',
    yaml: DB + allowDb('        - namespaceSelector: {}\n          podSelector:\n            matchLabels:\n              app.kubernetes.io/name: checkout\n', PORT_5432) + CLIENTS,
    want: [],
  },
  { check: 'seg-data-ingress-all-namespaces', name: 'not isolated: seg-workload-not-isolated-ingress reports it instead', yaml: ns('db', DATA) + deploy('db', 'postgres', { port: 5432 }) + CLIENTS, want: [] },
  { check: 'seg-data-ingress-all-namespaces', name: 'not a data namespace', yaml: ns('db') + deploy('db', 'postgres', { port: 5432 }) + policy('db', 'deny', DENY_INGRESS) + allowDb(FROM_ALL_NS) + CLIENTS, want: [] },
  { check: 'seg-data-ingress-all-namespaces', name: 'fewer than three other namespaces say nothing', yaml: DB + allowDb(FROM_ALL_NS) + ns('checkout') + deploy('checkout', 'checkout') + ns('catalog') + deploy('catalog', 'catalog'), want: [] },
  {
    check: 'seg-data-ingress-all-namespaces',
    name: 'a namespace of host-network pods only is not counted',
    yaml: DB + allowDb(FROM_ALL_NS) + ns('checkout') + deploy('checkout', 'checkout') + ns('catalog') + deploy('catalog', 'catalog') + ns('agents') + deploy('agents', 'node-agent', { hostNetwork: true }),
    want: [],
  },
  {
    check: 'seg-data-ingress-all-namespaces',
    name: 'admitted, but every client namespace denies its own egress: medium',
    yaml: DB + allowDb(FROM_ALL_NS, PORT_5432) + CLIENTS + ['checkout', 'catalog', 'reporting'].map((n) => policy(n, 'deny', DENY_ALL)).join(''),
    want: ['Deployment db/postgres [medium]'],
  },
  { check: 'seg-data-ingress-all-namespaces', name: 'configured data label', yaml: ns('cde', { pci: 'in-scope' }) + deploy('cde', 'vault') + policy('cde', 'deny', DENY_INGRESS) + policy('cde', 'open', '  podSelector: {}\n  ingress:\n    - from:\n' + FROM_ALL_NS) + CLIENTS, config: { dataNamespaceLabels: ['pci=in-scope'] }, want: ['Deployment cde/vault [high]'] },
  { check: 'seg-data-ingress-all-namespaces', name: 'AdminNetworkPolicy Allow from every namespace over a default-deny', yaml: DB + ANP_ALLOW_ALL + CLIENTS, want: ['Deployment db/postgres [high]'] },
  { check: 'seg-data-ingress-all-namespaces', name: 'an AdminNetworkPolicy Deny at a higher priority keeps one namespace out', yaml: DB + ANP_ALLOW_ALL + ANP_DENY_REPORTING + CLIENTS, want: [] },
  { check: 'seg-data-ingress-all-namespaces', name: 'Calico GlobalNetworkPolicy Allow from namespaceSelector all()', yaml: ns('db', DATA) + deploy('db', 'postgres', { port: 5432 }) + GNP_ALLOW_ALL + CLIENTS, want: ['Deployment db/postgres [high]'] },
  { check: 'seg-data-ingress-all-namespaces', name: 'a Calico Deny in an earlier tier keeps one namespace out', yaml: ns('db', DATA) + deploy('db', 'postgres', { port: 5432 }) + GNP_ALLOW_ALL + GNP_DENY_REPORTING + CLIENTS, want: [] },

  // rbac-networkpolicy-write-outside-network-team
  { check: 'rbac-networkpolicy-write-outside-network-team', name: 'edit bound to an application team', yaml: rb('checkout', 'app-edit', 'edit', group('app-team-checkout')), config: { networkTeam: ['network-team'] }, want: ['RoleBinding checkout/app-edit roleRef [high]'] },
  { check: 'rbac-networkpolicy-write-outside-network-team', name: 'admin bound to an application team', yaml: rb('checkout', 'app-admin', 'admin', group('app-team-checkout')), want: ['RoleBinding checkout/app-admin roleRef [high]'] },
  { check: 'rbac-networkpolicy-write-outside-network-team', name: 'the network team itself', yaml: rb(undefined, 'net', 'edit', group('network-team')), config: { networkTeam: ['network-team'] }, want: [] },
  {
    check: 'rbac-networkpolicy-write-outside-network-team',
    name: 'a GitOps service account listed in the network team',
    yaml: rb(undefined, 'argocd', 'cluster-admin', '  - kind: ServiceAccount\n    name: argocd-application-controller\n    namespace: argocd'),
    config: { networkTeam: ['system:serviceaccount:argocd:argocd-application-controller'] },
    want: [],
  },
  { check: 'rbac-networkpolicy-write-outside-network-team', name: 'a GitOps service account not listed', yaml: rb(undefined, 'argocd', 'cluster-admin', '  - kind: ServiceAccount\n    name: argocd-application-controller\n    namespace: argocd'), want: ['ClusterRoleBinding argocd roleRef [high]'] },
  { check: 'rbac-networkpolicy-write-outside-network-team', name: 'system:masters is the control plane', yaml: rb(undefined, 'cluster-admin', 'cluster-admin', group('system:masters')), want: [] },
  { check: 'rbac-networkpolicy-write-outside-network-team', name: 'every authenticated user is critical', yaml: rb('web', 'oops', 'edit', group('system:authenticated')), want: ['RoleBinding web/oops roleRef [critical]'] },
  { check: 'rbac-networkpolicy-write-outside-network-team', name: 'view grants no write', yaml: rb('web', 'v', 'view', group('app-team')), want: [] },

  // ns-team-name
  { check: 'ns-team-name', name: 'team- prefix', yaml: ns('team-green'), want: ['Namespace team-green metadata.name [low]'] },
  { check: 'ns-team-name', name: 'a colour name', yaml: ns('blue'), want: ['Namespace blue metadata.name [low]'] },
  { check: 'ns-team-name', name: 'a word that starts with a colour', yaml: ns('bluebird'), want: [] },
  { check: 'ns-team-name', name: 'a colour as any dash-separated part', yaml: ns('shop-green-eu') + ns('payments-blue') + ns('evergreen-eu'), want: ['Namespace payments-blue metadata.name [low]', 'Namespace shop-green-eu metadata.name [low]'] },
  { check: 'ns-team-name', name: 'a configured team name in the middle', yaml: ns('shop-falcons-eu'), config: { teams: ['falcons'] }, want: ['Namespace shop-falcons-eu metadata.name [low]'] },
  { check: 'ns-team-name', name: 'a service name', yaml: ns('payments') + ns('orders-db') + ns('kube-system'), want: [] },
  { check: 'ns-team-name', name: 'a configured team name', yaml: ns('falcons') + ns('falcons-api') + ns('api'), config: { teams: ['falcons'] }, want: ['Namespace falcons metadata.name [low]', 'Namespace falcons-api metadata.name [low]'] },
  { check: 'ns-team-name', name: 'an undeclared namespace is still named', yaml: deploy('squad-7', 'web'), want: ['Namespace squad-7 metadata.name [low]'] },
];

for (const c of cases) {
  test(`${c.check}: ${c.name}`, () => {
    assert.deepEqual(run(c.check, c.yaml, c.config), c.want);
  });
}

// ---- messages and fixes --------------------------------------------------------

test('findings carry the object, a one-line message and YAML in the fix', () => {
  for (const c of cases) {
    const check = CHECKS.get(c.check)!;
    for (const d of check.run(ctxOf(inventoryFromText(c.yaml, 'test.yaml'), c.config))) {
      assert.ok(!d.message.includes('\n'), `${c.check}: message is one line: ${d.message}`);
      assert.ok(/apiVersion:|kind:|podSelector:|matchLabels:|spec:|rules:/.test(d.fix), `${c.check} (${c.name}): the fix carries YAML:\n${d.fix}`);
    }
  }
});

test('seg-policy-selects-nothing suggests the label the selector was meant to have', () => {
  const [d] = CHECKS.get('seg-policy-selects-nothing')!.run(ctxOf(inventoryFromText(ns('web') + deploy('web', 'web') + policy('web', 'p', '  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: wbe'))));
  assert.ok(d);
  assert.match(d.fix, /did you mean \{app\.kubernetes\.io\/name: web\}/);
  assert.match(d.fix, /app\.kubernetes\.io\/name: "web"/);
});

test('seg-namespace-no-default-deny says which direction is missing and adds DNS for egress', () => {
  const [d] = CHECKS.get('seg-namespace-no-default-deny')!.run(ctxOf(inventoryFromText(ns('web') + deploy('web', 'web') + policy('web', 'deny', DENY_INGRESS))));
  assert.ok(d);
  assert.match(d.message, /for egress/);
  assert.doesNotMatch(d.message, /ingress/);
  assert.match(d.fix, /name: default-deny-egress/);
  assert.match(d.fix, /k8s-app: kube-dns/);
});

test('rbac finding names subject, verbs, scope, binding and role, and the fix binds a Role without NetworkPolicy write', () => {
  const [d] = CHECKS.get('rbac-networkpolicy-write-outside-network-team')!.run(ctxOf(inventoryFromText(rb('checkout', 'app-edit', 'edit', group('app-team-checkout')))));
  assert.ok(d);
  assert.equal(d.message, 'Group app-team-checkout can create, update, patch, delete, deletecollection NetworkPolicies in namespace checkout through RoleBinding checkout/app-edit → ClusterRole edit (built-in; aggregates system:aggregate-to-edit), and is not on the network team');
  assert.match(d.fix, /kind: Role\n/);
  // The Role meshless generate gives app teams: NetworkPolicies read only, bound in place of edit.
  const [role, binding] = d.fixObjects ?? [];
  assert.ok(role && binding);
  assert.equal(role['kind'], 'Role');
  const np = (role['rules'] as { resources: string[]; verbs: string[] }[]).filter((r) => r.resources.includes('networkpolicies'));
  assert.deepEqual(np.map((r) => r.verbs), [['get', 'list', 'watch']]);
  assert.deepEqual(binding['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: (role['metadata'] as { name: string }).name });
  assert.match(d.fix, /kubectl -n checkout delete rolebinding app-edit/);
});

test('rbac fix for a custom role says which rule to change', () => {
  const role = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: web
rules:
  - apiGroups: ["networking.k8s.io"]
    resources: ["networkpolicies", "ingresses"]
    verbs: ["*"]
---
`;
  const [d] = CHECKS.get('rbac-networkpolicy-write-outside-network-team')!.run(ctxOf(inventoryFromText(role + rb('web', 'deployer', 'deployer', group('ci'), 'Role'))));
  assert.ok(d);
  assert.match(d.fix, /Remove NetworkPolicy write from Role web\/deployer/);
});

test('seg-data-egress-internet uses the engine: an egress rule to the internet on 443 is reported with its ports', () => {
  const yaml = ns('pay', DATA) + deploy('pay', 'payments') + policy('pay', 'out', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n            except: [10.0.0.0/8]\n      ports:\n        - { protocol: TCP, port: 443 }');
  const [d] = CHECKS.get('seg-data-egress-internet')!.run(ctxOf(inventoryFromText(yaml)));
  assert.ok(d);
  assert.match(d.message, /0\.0\.0\.0\/0 except 10\.0\.0\.0\/8 on 443\/TCP/);
});

// ---- the docs examples ---------------------------------------------------------

for (const check of segregationChecks) {
  test(`${check.id}: bad example fires, good example does not (default configuration)`, () => {
    assert.ok(check.run(ctxOf(inventoryFromText(check.examples.bad, 'bad.yaml'))).length > 0);
    assert.deepEqual(check.run(ctxOf(inventoryFromText(check.examples.good, 'good.yaml'))), []);
  });
}

// ---- the shop demo -------------------------------------------------------------

const root = fileURLToPath(new URL('../../', import.meta.url));
function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(e) ? [p] : [];
    });
}

test('examples/shop: exactly the deliberate segregation gaps fire', () => {
  const inv = inventoryFromTexts(yamlFiles(join(root, 'examples/shop')).map((f) => ({ file: relative(root, f), text: readFileSync(f, 'utf8') })));
  const ctx = ctxOf(inv, { networkTeam: ['network-team'] });
  const got = segregationChecks.flatMap((c) => c.run(ctx).map((d) => `${c.id}: ${line(c, d)}`)).sort();
  assert.deepEqual(got, [
    // Gap 2: a namespace named after a team.
    'ns-team-name: Namespace team-green metadata.name [low]',
    // Gap 5: the built-in `edit` ClusterRole bound to the checkout team includes NetworkPolicy write.
    'rbac-networkpolicy-write-outside-network-team: RoleBinding checkout/app-team-checkout-edit roleRef [high]',
    // payments may call any public address on 443 (its payment provider): narrower is better.
    'seg-data-egress-internet: Deployment payments/payments [medium]',
    // Gaps 2 and 3: team-green carries the data label and nothing limits its egress.
    'seg-data-egress-internet: Deployment team-green/reporting [high]',
    // Gap 1: catalog has no egress default-deny; gap 2: team-green has none at all.
    'seg-namespace-no-default-deny: Namespace catalog [medium]',
    'seg-namespace-no-default-deny: Namespace team-green [medium]',
    // Gap 6: `catalog-synk` selects no pod (the solver policies for cert-manager pods are not reported).
    'seg-policy-selects-nothing: NetworkPolicy catalog/catalog-sync-egress spec.podSelector [low]',
    // Gap 1: nothing limits catalog's egress; gap 2: nothing selects team-green/reporting.
    'seg-workload-not-isolated-egress: CronJob catalog/catalog-sync [medium]',
    'seg-workload-not-isolated-egress: Deployment catalog/catalog [medium]',
    'seg-workload-not-isolated-egress: Deployment team-green/reporting [medium]',
    'seg-workload-not-isolated-ingress: Deployment team-green/reporting [high]',
  ]);
});

// The review's case (and test/golden.test.ts's diff scenario): payments' ingress loosened from
// checkout to every namespace. Most namespaces deny their own egress, so only three may connect
// now; the door is open all the same, and the finding says so.
test('examples/shop with payments admitting every namespace: seg-data-ingress-all-namespaces reports payments', () => {
  const checkoutPeer = '        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: checkout\n          podSelector:\n            matchLabels:\n              app.kubernetes.io/name: checkout\n';
  const texts = yamlFiles(join(root, 'examples/shop')).map((f) => {
    const text = readFileSync(f, 'utf8');
    return { file: relative(root, f), text: f.endsWith('networkpolicies/payments.yaml') ? text.replace(checkoutPeer, '        - namespaceSelector: {}\n') : text };
  });
  assert.ok(texts.some((t) => t.text.includes('        - namespaceSelector: {}\n')), 'the payments policy was loosened');
  const check = CHECKS.get('seg-data-ingress-all-namespaces')!;
  const got = check.run(ctxOf(inventoryFromTexts(texts)));
  assert.deepEqual(got.map((d) => line(check, d)), ['Deployment payments/payments [high]']);
  assert.match(got[0]!.message, /every other namespace with pods in the input \(11\) on 8443\/TCP: .*allow-checkout-to-payments ingress\[0\] \(examples\/shop\/networkpolicies\/payments\.yaml:\d+\); pods of 3 of them may connect now/);
});

test('seg-selector-matches-nothing suggests the namespace a typo meant', () => {
  const yaml = ns('db') + ns('checkout') + policy('db', 'p', '  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: checkuot');
  const [d] = CHECKS.get('seg-selector-matches-nothing')!.run(ctxOf(inventoryFromText(yaml)));
  assert.ok(d);
  assert.equal(d.message, 'NetworkPolicy db/p ingress[0].from[0]: namespaceSelector {kubernetes.io/metadata.name: checkuot} matches no namespace in the input, so this peer allows nothing');
  assert.match(d.fix, /kubernetes\.io\/metadata\.name: "checkout"/);
});

test('rbac fix never edits a default ClusterRole, even when the input carries a copy (live cluster)', () => {
  const edit = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: edit
  labels:
    kubernetes.io/bootstrapping: rbac-defaults
rules:
  - apiGroups: ["networking.k8s.io"]
    resources: ["networkpolicies"]
    verbs: ["create", "delete", "deletecollection", "patch", "update"]
---
`;
  const [d] = CHECKS.get('rbac-networkpolicy-write-outside-network-team')!.run(ctxOf(inventoryFromText(edit + rb('web', 'team-edit', 'edit', group('web-team')))));
  assert.ok(d);
  assert.match(d.fix, /^Bind a Role without NetworkPolicy rights instead of edit/);
});

// ---- seg-data-ingress-all-namespaces: what the finding says -------------------------

test('seg-data-ingress-all-namespaces names the workload, the namespaces, the ports and the rule, and proposes a policy for named clients', () => {
  const check = CHECKS.get('seg-data-ingress-all-namespaces')!;
  const [d, more] = check.run(ctxOf(inventoryFromText(DB + allowDb(FROM_ALL_NS, PORT_5432) + CLIENTS, 'test.yaml')));
  assert.ok(d && !more);
  assert.match(d.message, /^Deployment db\/postgres is in namespace db, which holds data \(meshless\.dev\/data=true\), and its ingress admits pods of every other namespace with pods in the input \(3\) on 5432\/TCP: namespace checkout is admitted by NetworkPolicy db\/allow-postgres ingress\[0\] \(test\.yaml:\d+\)$/);
  assert.match(d.fix, /Narrow NetworkPolicy db\/allow-postgres ingress\[0\]/);
  const [np] = d.fixObjects ?? [];
  assert.ok(np);
  assert.equal(np['kind'], 'NetworkPolicy');
  assert.match(d.fix, /kubernetes\.io\/metadata\.name: <client namespace>/);
  assert.match(d.fix, /port: 5432/);
});

test('seg-data-ingress-all-namespaces names the cluster-wide rule when a policy layer admits every namespace', () => {
  const [d] = CHECKS.get('seg-data-ingress-all-namespaces')!.run(ctxOf(inventoryFromText(DB + ANP_ALLOW_ALL + CLIENTS, 'test.yaml')));
  assert.ok(d);
  assert.match(d.message, /on every port: namespace checkout is admitted by AdminNetworkPolicy data-from-everywhere.*all-namespaces \(test\.yaml:\d+\)$/);
});

test('seg-data-ingress-all-namespaces says how many namespaces may connect now when egress holds the others back', () => {
  const yaml = DB + allowDb(FROM_ALL_NS, PORT_5432) + CLIENTS + policy('catalog', 'deny', DENY_ALL) + policy('reporting', 'deny', DENY_ALL);
  const [d] = CHECKS.get('seg-data-ingress-all-namespaces')!.run(ctxOf(inventoryFromText(yaml)));
  assert.ok(d);
  assert.equal(d.severity, 'high');
  assert.match(d.message, /; pods of 1 of them may connect now, the other 2 are held back only by egress policies on their side$/);
});

test('a data workload that is not isolated at all is one finding (seg-workload-not-isolated-ingress), not two', () => {
  const ctx = ctxOf(inventoryFromText(ns('db', DATA) + deploy('db', 'postgres', { port: 5432 }) + CLIENTS));
  const fired = segregationChecks.filter((c) => c.run(ctx).some((d) => 'object' in d.object && d.object.object.metadata.name === 'postgres' && /admits|isolated for ingress/.test(d.message)));
  assert.deepEqual(fired.map((c) => c.id), ['seg-workload-not-isolated-ingress']);
});
