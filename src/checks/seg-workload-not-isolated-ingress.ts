import { defineCheck, type FindingDraft } from './types.js';
import { fixWithObjects, identifyingLabels, WORKLOAD_KINDS, workloadPorts, workloadsOf } from './segregation.js';
import { workloadIngressPolicy } from '../generate/fixes.js';

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
  requires: ['NetworkPolicy'],
  policyReads: 'isolation',
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
      message: `${w.title} is not isolated for ingress by any NetworkPolicy or cluster-wide policy: every pod in the cluster and every address outside may connect to it`,
      ...fixWithObjects(
        `Admit only the workload's real clients (replace the <...> placeholders), and add an ingress default-deny for namespace ${w.namespace}:`,
        [workloadIngressPolicy({ namespace: w.namespace, name: `${w.object.object.metadata.name}-ingress`, select: identifyingLabels(w.labels), ports: workloadPorts(w) })],
      ),
    }));
  },
});
