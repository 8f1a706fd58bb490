import { describeSelector, isEmptySelector } from '../netpol/selector.js';
import { defineCheck, type FindingDraft } from './types.js';
import { namespacesWithPods, nearMatchLabels, policyObject, selectsRuntimePods } from './segregation.js';

export default defineCheck({
  id: 'seg-policy-selects-nothing',
  control: 'segregation',
  title: 'NetworkPolicy selects no pod',
  severity: 'low',
  policyReads: 'namespace',
  rationale:
    'A NetworkPolicy whose podSelector matches no pod protects nothing. Usually the selector has a typo or the workload\'s labels changed, so the pods it was written for are not isolated the way the policy suggests. Policies for pods that controllers create at run time (cert-manager\'s HTTP-01 solvers) are not reported, nor are namespaces whose workloads are not in the input.',
  fixSummary: 'Correct spec.podSelector to the labels of the pods the policy is meant for, or delete the policy.',
  requirements: ['PCI-DSS 1.3.1'],
  evidence: ['NetworkPolicy'],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: catalog
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: catalog-sync
  namespace: catalog
spec:
  schedule: "*/30 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app.kubernetes.io/name: catalog-sync
        spec:
          restartPolicy: OnFailure
          containers:
            - name: sync
              image: example/catalog-sync:1.0
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: catalog-sync-egress
  namespace: catalog
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: catalog-synk
  policyTypes:
    - Egress
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: catalog
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: catalog-sync
  namespace: catalog
spec:
  schedule: "*/30 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app.kubernetes.io/name: catalog-sync
        spec:
          restartPolicy: OnFailure
          containers:
            - name: sync
              image: example/catalog-sync:1.0
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: catalog-sync-egress
  namespace: catalog
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: catalog-sync
  policyTypes:
    - Egress
`,
  },
  run(ctx): FindingDraft[] {
    const a = ctx.analysis;
    const withPods = namespacesWithPods(ctx);
    const out: FindingDraft[] = [];
    for (const p of ctx.inventory.policies) {
      if (ctx.namespaces && !ctx.namespaces.has(p.namespace)) continue;
      if (isEmptySelector(p.podSelector) || selectsRuntimePods(p.podSelector)) continue;
      if (!withPods.has(p.namespace)) continue;
      if (a.classesMatching(p.namespace, p.podSelector).length > 0) continue;
      const all = a.classesMatching(p.namespace, undefined);
      const sample = all.slice(0, 3);
      const near = nearMatchLabels(p.podSelector, all.map((c) => c.labels));
      out.push({
        object: policyObject(ctx, p),
        path: 'spec.podSelector',
        message: `NetworkPolicy ${p.namespace}/${p.name} selects no pod: podSelector ${describeSelector(p.podSelector)} matches nothing in namespace ${p.namespace}, so it isolates nothing`,
        fix: near
          ? [
              `Correct the selector (did you mean ${describeSelector({ matchLabels: near, matchExpressions: [] })}?):`,
              `spec:`,
              `  podSelector:`,
              `    matchLabels:`,
              ...Object.keys(near).sort().map((k) => `      ${k}: ${JSON.stringify(near[k])}`),
            ].join('\n')
          : [
              `Point spec.podSelector at the pods the policy is meant for. Pods in ${p.namespace} carry, for example:`,
              ...sample.map((c) => `  ${c.endpoints[0]!.workload}: ${describeSelector({ matchLabels: c.labels, matchExpressions: [] })}`),
              `e.g.:`,
              `spec:`,
              `  podSelector:`,
              `    matchLabels:`,
              `      app.kubernetes.io/name: <the pods' app.kubernetes.io/name>`,
              `or delete it: kubectl -n ${p.namespace} delete networkpolicy ${p.name}`,
            ].join('\n'),
      });
    }
    return out;
  },
});
