import { analyze } from '../netpol/analysis.js';
import { diffConnectivity, openedConnections } from '../netpol/diff.js';
import { formatPorts } from '../netpol/ports.js';
import { defineCheck, type FindingDraft } from './types.js';
import { layerObject } from './layers.js';

/** Connections listed in a finding at most. */
const SHOWN = 8;

export default defineCheck({
  id: 'seg-staged-policy',
  control: 'segregation',
  title: 'Staged policy: what enforcing it would change',
  severity: 'info',
  rationale:
    'A Calico StagedNetworkPolicy or StagedGlobalNetworkPolicy is not enforced: it shows what a policy would do before it is applied. meshless evaluates the cluster as it is (without staged policies) and reports, for each staged policy, the connections that enforcing it would remove or add, so the change can be reviewed before it is made.',
  fixSummary: 'Review the connections listed; when they are what is intended, apply the policy as a NetworkPolicy or GlobalNetworkPolicy.',
  evidence: [],
  examples: {
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  containers:
    - name: web
      image: example/web:1.0
---
apiVersion: v1
kind: Pod
metadata:
  name: db
  namespace: shop
  labels:
    app: db
spec:
  containers:
    - name: db
      image: example/db:1.0
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata:
  name: db-from-web-only
  namespace: shop
spec:
  selector: app == 'db'
  types:
    - Ingress
  ingress:
    - action: Allow
      source:
        selector: app == 'web'
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Pod
metadata:
  name: db
  namespace: shop
  labels:
    app: db
spec:
  containers:
    - name: db
      image: example/db:1.0
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: db-from-web-only
  namespace: shop
spec:
  selector: app == 'db'
  types:
    - Ingress
  ingress:
    - action: Allow
      source:
        selector: app == 'web'
`,
  },
  run(ctx): FindingDraft[] {
    const staged = ctx.inventory.layers.policies.filter((p) => p.staged);
    if (staged.length === 0) return [];
    const live = ctx.analysis.layerPolicies;
    const podCidrs = ctx.analysis.podCidrs.map((c) => c.text);
    const out: FindingDraft[] = [];
    for (const p of staged) {
      // Enforcing it replaces a live policy of the same kind, namespace and name (Calico's stagedAction: Set).
      const replaced = live.filter((l) => !(l.kind === p.kind && l.namespace === p.namespace && l.name === p.name));
      const after = analyze(ctx.inventory, { podCidrs, layerPolicies: [...replaced, { ...p, staged: false }] });
      const d = diffConnectivity(ctx.analysis, after, { level: 'workload' });
      const removed = [...d.removed, ...d.changed.filter((c) => formatPorts(c.closed).length > 0).map((c) => ({ from: c.from, to: c.to, ports: c.closed }))];
      const added = openedConnections(d);
      const line = (e: { from: string; to: string; ports: Parameters<typeof formatPorts>[0] }): string => `  ${e.from} → ${e.to} (${formatPorts(e.ports).join(', ')})`;
      out.push({
        object: layerObject(ctx, p),
        message: `${p.label} is staged, not enforced: enforcing it would remove ${removed.length} and add ${added.length} workload connection${removed.length + added.length === 1 ? '' : 's'}`,
        fix: [
          removed.length > 0 ? `Enforcing it would close:\n${removed.slice(0, SHOWN).map(line).join('\n')}${removed.length > SHOWN ? `\n  … and ${removed.length - SHOWN} more` : ''}` : 'Enforcing it would close no connection.',
          added.length > 0 ? `and open:\n${added.slice(0, SHOWN).map(line).join('\n')}${added.length > SHOWN ? `\n  … and ${added.length - SHOWN} more` : ''}` : '',
          `When that is intended, apply it as a ${p.kind === 'GlobalNetworkPolicy' ? 'GlobalNetworkPolicy' : 'NetworkPolicy'} (projectcalico.org/v3) with the same spec.`,
        ].filter(Boolean).join('\n'),
      });
    }
    return out;
  },
});
