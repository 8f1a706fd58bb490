/**
 * A data workload whose ingress admits every namespace.
 *
 * Definition: a workload (pod class group, host-network pods left out) in a namespace
 * matching `dataNamespaceLabels`, isolated for ingress, is reported when for every
 * other namespace that has pods in the input (not host-network only; at least
 * MIN_OTHER_NAMESPACES of them) the engine's ingress side of the workload
 * (`Analysis.ingressPorts`: every layer in order, Admin tier, Calico tiers, Cilium,
 * NetworkPolicy v1, baseline) admits some pod of that namespace on some port.
 *
 * Choices:
 * - The workload's own ingress is judged, not the connection end to end: PCI-DSS 1.3.1
 *   asks the cardholder data environment to restrict what comes in, and the clients'
 *   egress policies belong to other teams and to namespaces not created yet. Whether
 *   pods may connect now (`allowedPorts`, both sides) sets the severity: high when
 *   pods of some namespace may, medium when egress on their side holds all back.
 * - A workload not isolated for ingress is seg-workload-not-isolated-ingress's
 *   finding; it is not reported again here. A v1 rule that admits everyone on every
 *   port is also seg-policy-allows-all's finding, about the policy wherever it is;
 *   this one is about the data workload, whatever layer and ports admit the others.
 *
 * Cost: only data-namespace workloads are examined; per namespace the classes are
 * tried until one is admitted and may connect (one evaluation in the usual case),
 * and the first namespace with no admitted pod ends the workload's examination. A
 * workload costs at most the cluster's class count, so a few data workloads in a
 * 10,000-namespace cluster cost a few passes over its classes; a cluster without
 * data namespaces costs one pass over the classes (workloadsOf).
 */
import type { Analysis, PodClass } from '../netpol/analysis.js';
import { EMPTY_PORTS, formatPorts, isAll, isEmpty, union, type PortSet } from '../netpol/ports.js';
import { workloadIngressPolicy } from '../generate/fixes.js';
import { defineCheck, type FindingDraft } from './types.js';
import { fixWithObjects, identifyingLabels, workloadPorts, workloadsOf, type Workload } from './segregation.js';
import { matchesAnyLabel } from './seg-data-egress-internet.js';

/**
 * The fewest other namespaces (with pods) a finding needs. With one or two, "every
 * other namespace" is as likely the list of the workload's real clients (an
 * application and its monitoring) as an open door; from three on, a data workload
 * that admits every namespace of the input is worth a look, and the message says
 * how many they are.
 */
export const MIN_OTHER_NAMESPACES = 3;

/** What the engine says about one data workload and every other namespace. */
interface OpenTo {
  /** Namespaces whose pods its ingress admits: all the others. */
  readonly namespaces: number;
  /** Of those, the namespaces whose pods may also open the connection (their egress side allows it). */
  readonly connecting: number;
  /** The ports its ingress admits them on (for the pods examined). */
  readonly ports: PortSet;
  /** One admitted pair, for naming the rule that admits it. */
  readonly example: { readonly namespace: string; readonly src: PodClass; readonly dst: PodClass };
}

/**
 * Classes of pods that open connections from pod addresses, by namespace (input
 * order): host-network pods connect from the node's address, which no namespace or
 * pod selector matches, so a namespace of host-network pods only is no source here.
 */
function sourcesByNamespace(a: Analysis): Map<string, PodClass[]> {
  const out = new Map<string, PodClass[]>();
  for (const c of a.classes) {
    if (!c.endpoints.some((e) => !e.hostNetwork)) continue;
    let l = out.get(c.namespace.name);
    if (!l) out.set(c.namespace.name, (l = []));
    l.push(c);
  }
  return out;
}

/**
 * Does the workload's ingress side admit some pod of every other namespace? The
 * engine's answer over every policy layer (cluster-wide tiers, CNI policies,
 * NetworkPolicies, baseline), per namespace; undefined as soon as one namespace has
 * no pod it admits. Each namespace's classes are tried until one may connect end
 * to end, so a namespace costs one evaluation in the usual case and its class count
 * at worst: a workload costs at most the cluster's class count, once.
 */
function openToEveryNamespace(a: Analysis, w: Workload, sources: ReadonlyMap<string, readonly PodClass[]>): OpenTo | undefined {
  let namespaces = 0;
  let connecting = 0;
  let ports = EMPTY_PORTS;
  let example: OpenTo['example'] | undefined;
  for (const [ns, classes] of sources) {
    if (ns === w.namespace) continue;
    let admitted = false;
    let connects = false;
    for (const src of classes) {
      for (const dst of w.classes) {
        const s = { kind: 'class', cls: src } as const;
        const d = { kind: 'class', cls: dst } as const;
        const admits = a.ingressPorts(s, d);
        if (isEmpty(admits)) continue;
        admitted = true;
        ports = union(ports, admits);
        example ??= { namespace: ns, src, dst };
        if (!isEmpty(a.allowedPorts(s, d))) {
          connects = true;
          break;
        }
      }
      if (connects) break;
    }
    // One namespace the workload keeps out is enough: it is not open to every namespace.
    if (!admitted) return undefined;
    namespaces++;
    if (connects) connecting++;
  }
  return example && namespaces >= MIN_OTHER_NAMESPACES ? { namespaces, connecting, ports, example } : undefined;
}

/** The rule that admits src at dst, as explain names it (`NetworkPolicy ns/name ingress[0] (file:line)`). */
function admittingRule(a: Analysis, src: PodClass, dst: PodClass): string | undefined {
  const from = src.endpoints.find((e) => !e.hostNetwork) ?? src.endpoints[0];
  const to = dst.endpoints.find((e) => !e.hostNetwork) ?? dst.endpoints[0];
  if (!from || !to) return undefined;
  const side = a.explain(from.id, to.id).ingress;
  if (side.layers) {
    const rules = side.layers.tiers.flatMap((t) => t.rules).filter((r) => r.peerMatched && r.decided.length > 0);
    const allow = rules.find((r) => r.action === 'allow');
    if (allow) return `${allow.policy}, ${allow.rule} (${allow.file}:${allow.line})`;
    const pass = rules.find((r) => r.action === 'pass');
    if (pass) return `${pass.policy}, ${pass.rule} (${pass.file}:${pass.line}), which passes it on to tiers that do not deny it`;
    return undefined;
  }
  for (const p of side.policies) {
    const r = p.rules.find((x) => x.allows);
    if (r) return `NetworkPolicy ${p.namespace}/${p.name} ingress[${r.index}] (${r.file}:${r.line})`;
  }
  return undefined;
}

/** The docs' examples: a data namespace's StatefulSet, the policy that admits its clients, and pods in three other namespaces. */
const DATA_WORKLOAD = `apiVersion: v1
kind: Namespace
metadata:
  name: orders-db
  labels:
    meshless.dev/data: "true"
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: orders-db
  namespace: orders-db
spec:
  serviceName: orders-db
  selector:
    matchLabels:
      app.kubernetes.io/name: orders-db
  template:
    metadata:
      labels:
        app.kubernetes.io/name: orders-db
    spec:
      containers:
        - name: postgres
          image: postgres:16
          ports:
            - containerPort: 5432
`;

const CLIENT_PODS = `apiVersion: v1
kind: Pod
metadata:
  name: checkout
  namespace: checkout
spec:
  containers:
    - name: checkout
      image: example/checkout:1.0
---
apiVersion: v1
kind: Pod
metadata:
  name: catalog
  namespace: catalog
spec:
  containers:
    - name: catalog
      image: example/catalog:1.0
---
apiVersion: v1
kind: Pod
metadata:
  name: reporting
  namespace: reporting
spec:
  containers:
    - name: reporting
      image: example/reporting:1.0
`;

const example = (policy: string): string => `${DATA_WORKLOAD}---\n${policy}---\n${CLIENT_PODS}`;

export default defineCheck({
  id: 'seg-data-ingress-all-namespaces',
  control: 'segregation',
  title: 'Workload in a data namespace admits every namespace',
  severity: 'high',
  rationale:
    'Namespaces that hold data (cardholder data, personal data, a database) should accept connections only from the clients that need them; PCI-DSS asks that inbound traffic to the cardholder data environment be restricted to what is necessary. A workload there that is isolated for ingress but whose rules still admit pods of every namespace (a namespaceSelector {}, an ipBlock that covers the pod network, a cluster-wide allow) is one compromised pod away from anywhere in the cluster, and every namespace created later is admitted too. The check asks the engine, over every policy layer, whether the workload\'s ingress admits some pod of each other namespace with pods in the input, and reports when it admits all of them (at least three): high when pods of some namespace may also connect now, medium when egress policies on their side hold all of them back, since the door stays open for the next namespace. Workloads not isolated for ingress at all are left to seg-workload-not-isolated-ingress. Which namespaces hold data is configured by namespace label (dataNamespaceLabels, default meshless.dev/data=true).',
  fixSummary: 'Narrow the rule that admits every namespace so that it names the client namespaces and pods, on the ports they use.',
  requirements: ['PCI-DSS 1.3.1', 'GDPR Art. 32'],
  evidence: ['Namespace'],
  requires: ['NetworkPolicy'],
  examples: {
    bad: example(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-postgres
  namespace: orders-db
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: orders-db
  policyTypes:
    - Ingress
  ingress:
    - from:
        - namespaceSelector: {}
      ports:
        - protocol: TCP
          port: 5432
`),
    good: example(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-postgres
  namespace: orders-db
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: orders-db
  policyTypes:
    - Ingress
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: checkout
      ports:
        - protocol: TCP
          port: 5432
`),
  },
  run(ctx): FindingDraft[] {
    const a = ctx.analysis;
    const dataLabel = (ns: string): string | undefined => {
      const n = ctx.inventory.namespaces.get(ns);
      return n ? matchesAnyLabel(ctx.config.dataNamespaceLabels, n.labels) : undefined;
    };
    // Only data-namespace workloads are examined. Those not isolated for ingress are
    // seg-workload-not-isolated-ingress's finding already: one problem, one finding.
    const candidates = workloadsOf(ctx, (c) => dataLabel(c.namespace.name) !== undefined).filter((w) => w.classes.every((c) => c.ingressIsolated));
    if (candidates.length === 0) return [];
    const sources = sourcesByNamespace(a);
    if (sources.size - 1 < MIN_OTHER_NAMESPACES) return [];
    const out: FindingDraft[] = [];
    for (const w of candidates) {
      const open = openToEveryNamespace(a, w, sources);
      if (!open) continue;
      const rule = admittingRule(a, open.example.src, open.example.dst);
      const ports = isAll(open.ports) ? 'every port' : formatPorts(open.ports).join(', ');
      const held = open.namespaces - open.connecting;
      const today =
        held === 0
          ? ''
          : `; ${open.connecting === 0 ? 'none of them' : `pods of ${open.connecting} of them`} may connect now, the ${held === open.namespaces ? 'others' : `other ${held}`} are held back only by egress policies on their side`;
      const name = w.object.object.metadata.name;
      out.push({
        object: w.object,
        // Admitted but unable to connect anywhere today: open only on paper, until a namespace without egress policies appears.
        severity: open.connecting > 0 ? 'high' : 'medium',
        message: `${w.title} is in namespace ${w.namespace}, which holds data (${dataLabel(w.namespace)!}), and its ingress admits pods of every other namespace with pods in the input (${open.namespaces}) on ${ports}${rule ? `: namespace ${open.example.namespace} is admitted by ${rule}` : ''}${today}`,
        ...fixWithObjects(
          `Admit only the clients that need ${w.title}. ${rule ? `Narrow ${rule}` : 'Narrow the rule that admits every namespace'} so that it names them: policies add up, so a narrower policy beside it changes nothing. For example (replace the <...> placeholders, one peer per client):`,
          [workloadIngressPolicy({ namespace: w.namespace, name: `${name}-ingress`, select: identifyingLabels(w.labels), ports: workloadPorts(w) })],
        ),
      });
    }
    return out;
  },
});
