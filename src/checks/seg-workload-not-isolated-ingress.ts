import type { LoadedObject } from '../model/kube.js';
import type { Labels } from '../model/labels.js';
import { ENDPOINT_KINDS, type Endpoint } from '../model/workloads.js';
import type { PodClass } from '../netpol/analysis.js';
import { defineCheck, type CheckContext, type FindingDraft } from './types.js';
import { objectIndex } from './object-index.js';

/** Kinds that hold pods: a check about workloads has nothing to say without one of them. */
export const WORKLOAD_KINDS: readonly string[] = [...ENDPOINT_KINDS];

export interface Workload {
  /** `namespace/kind/name` (the engine's workload id). */
  readonly id: string;
  readonly namespace: string;
  /** `Deployment team-green/reporting`. */
  readonly title: string;
  readonly object: LoadedObject;
  readonly labels: Labels;
  readonly endpoints: readonly Endpoint[];
  readonly classes: readonly PodClass[];
}

/**
 * The engine's pod classes grouped by workload (a live cluster's pods under their
 * controller), host-network pods left out: NetworkPolicy does not govern them.
 */
export function workloadsOf(ctx: CheckContext, keep: (c: PodClass) => boolean): Workload[] {
  const byId = new Map<string, { endpoints: Endpoint[]; classes: Set<PodClass> }>();
  for (const c of ctx.analysis.classes) {
    if (!keep(c)) continue;
    for (const e of c.endpoints) {
      if (e.hostNetwork) continue;
      let w = byId.get(e.workload);
      if (!w) byId.set(e.workload, (w = { endpoints: [], classes: new Set() }));
      w.endpoints.push(e);
      w.classes.add(c);
    }
  }
  const out: Workload[] = [];
  for (const [id, w] of byId) {
    const first = w.endpoints[0]!;
    const object = controllerOf(ctx, id) ?? objectIndex(ctx.inventory).bySource.get(first.source);
    if (!object) continue;
    out.push({
      id,
      namespace: first.namespace,
      title: `${object.object.kind} ${first.namespace}/${object.object.metadata.name}`,
      object,
      labels: first.labels,
      endpoints: w.endpoints,
      classes: [...w.classes],
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The controller object behind a workload id `ns/kind/name`, when the input has it. */
function controllerOf(ctx: CheckContext, id: string): LoadedObject | undefined {
  const parts = id.split('/');
  if (parts.length !== 3) return undefined;
  const [ns, kind, name] = parts as [string, string, string];
  return objectIndex(ctx.inventory).byKey.get(`${kind}/${ns}/${name}`);
}

/** Labels that name an application, most specific first; the fix selects the workload by them. */
const NAME_LABELS = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name'];

/** A matchLabels block (YAML lines at `indent`) that selects these pods. */
export function matchLabelsYaml(labels: Labels, indent: string): string[] {
  const key = NAME_LABELS.find((k) => labels[k] !== undefined);
  const keys = key ? [key, ...(labels['app.kubernetes.io/component'] !== undefined && key === 'app.kubernetes.io/name' ? ['app.kubernetes.io/component'] : [])] : Object.keys(labels).sort();
  if (keys.length === 0) return [`${indent}{}  # these pods have no labels: label them first`];
  return [`${indent}matchLabels:`, ...keys.map((k) => `${indent}  ${k}: ${JSON.stringify(labels[k])}`)];
}

/** Container ports as NetworkPolicy `ports` entries. */
export function portsYaml(w: Workload, indent: string): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const c of w.classes) {
    for (const p of c.ports) {
      const k = `${p.protocol}/${p.port}`;
      if (seen.has(k)) continue;
      seen.add(k);
      lines.push(`${indent}- protocol: ${p.protocol}`, `${indent}  port: ${p.port}`);
    }
  }
  return lines.length > 0 ? [`${indent.slice(2)}ports:`, ...lines] : [`${indent.slice(2)}ports:`, `${indent}- protocol: TCP`, `${indent}  port: 8080  # the port it serves`];
}

export default defineCheck({
  id: 'seg-workload-not-isolated-ingress',
  control: 'segregation',
  title: 'Workload not selected by any NetworkPolicy for ingress',
  severity: 'high',
  rationale:
    'A pod that no NetworkPolicy selects for ingress accepts connections from every pod in the cluster and from anything outside that can route to it. Pods that "don\'t talk to strangers" make vulnerabilities such as Log4Shell harder to exploit and keep an intruder from moving laterally; NetworkPolicies give that without a mesh.',
  fixSummary: 'Select the workload with a NetworkPolicy that admits only its real clients, and give its namespace an ingress default-deny.',
  requirements: ['PCI-DSS 1.3.1', 'PCI-DSS 1.4.1'],
  evidence: WORKLOAD_KINDS,
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: reporting
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reporting
  namespace: reporting
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: reporting
  template:
    metadata:
      labels:
        app.kubernetes.io/name: reporting
    spec:
      containers:
        - name: reporting
          image: example/reporting:1.0
          ports:
            - containerPort: 8080
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: reporting
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reporting
  namespace: reporting
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: reporting
  template:
    metadata:
      labels:
        app.kubernetes.io/name: reporting
    spec:
      containers:
        - name: reporting
          image: example/reporting:1.0
          ports:
            - containerPort: 8080
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: reporting
spec:
  podSelector: {}
  policyTypes:
    - Ingress
`,
  },
  run(ctx): FindingDraft[] {
    return workloadsOf(ctx, (c) => !c.ingressIsolated).map((w) => ({
      object: w.object,
      message: `${w.title} is not selected by any NetworkPolicy for ingress: every pod in the cluster and every address outside may connect to it`,
      fix: [
        `Admit only the workload's real clients (replace the <...> placeholders), and add an ingress default-deny for namespace ${w.namespace}:`,
        `apiVersion: networking.k8s.io/v1`,
        `kind: NetworkPolicy`,
        `metadata:`,
        `  name: ${w.object.object.metadata.name}-ingress`,
        `  namespace: ${w.namespace}`,
        `spec:`,
        `  podSelector:`,
        ...matchLabelsYaml(w.labels, '    '),
        `  policyTypes:`,
        `    - Ingress`,
        `  ingress:`,
        `    - from:`,
        `        - namespaceSelector:`,
        `            matchLabels:`,
        `              kubernetes.io/metadata.name: <client namespace>`,
        `          podSelector:`,
        `            matchLabels:`,
        `              app.kubernetes.io/name: <client>`,
        ...portsYaml(w, '        '),
      ].join('\n'),
    }));
  },
});
