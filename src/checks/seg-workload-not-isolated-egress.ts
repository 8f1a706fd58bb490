import { defineCheck, type FindingDraft } from './types.js';
import { fixWithObjects, identifyingLabels, WORKLOAD_KINDS, workloadsOf } from './segregation.js';
import { workloadEgressPolicy } from '../generate/fixes.js';

export default defineCheck({
  id: 'seg-workload-not-isolated-egress',
  control: 'segregation',
  title: 'Workload not selected by any NetworkPolicy for egress',
  severity: 'medium',
  rationale:
    'A pod that no NetworkPolicy selects for egress may open connections to every pod in the cluster and to the internet. If it is compromised, nothing stops the intruder from moving laterally or sending data out. Limiting egress to the destinations the workload needs is the other half of "pods don\'t talk to strangers". Reported when the configuration requires egress isolation (requireEgressIsolation).',
  fixSummary: 'Select the workload with an egress NetworkPolicy that allows DNS and the destinations it needs, or give its namespace an egress default-deny.',
  requirements: ['PCI-DSS 1.3.1', 'PCI-DSS 1.4.1'],
  evidence: WORKLOAD_KINDS,
  requires: ['NetworkPolicy'],
  policyReads: 'isolation',
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: catalog
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: catalog
  namespace: catalog
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: catalog
  template:
    metadata:
      labels:
        app.kubernetes.io/name: catalog
    spec:
      containers:
        - name: catalog
          image: example/catalog:1.0
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: catalog
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: catalog
  namespace: catalog
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: catalog
  template:
    metadata:
      labels:
        app.kubernetes.io/name: catalog
    spec:
      containers:
        - name: catalog
          image: example/catalog:1.0
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: catalog
spec:
  podSelector: {}
  policyTypes:
    - Egress
`,
  },
  run(ctx): FindingDraft[] {
    if (!ctx.config.requireEgressIsolation) return [];
    return workloadsOf(ctx, (c) => !c.egressIsolated).map((w) => ({
      object: w.object,
      message: `${w.title} is not isolated for egress by any NetworkPolicy or cluster-wide policy: it may connect to every pod in the cluster and to the internet`,
      ...fixWithObjects(
        `Allow only what the workload needs: DNS, plus its real destinations (replace the <...> placeholders and the port):`,
        [workloadEgressPolicy({ namespace: w.namespace, name: `${w.object.object.metadata.name}-egress`, select: identifyingLabels(w.labels) })],
      ),
    }));
  },
});
