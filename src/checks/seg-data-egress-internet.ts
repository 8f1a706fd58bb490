import type { Labels } from '../model/labels.js';
import { parseCidr, type Cidr } from '../model/ip.js';
import type { Peer } from '../netpol/analysis.js';
import { ipSetOf, isEmptyIp, subtract, type ExternalAtom } from '../netpol/ipset.js';
import { formatPorts, isAll, isEmpty, union, EMPTY_PORTS, type PortSet } from '../netpol/ports.js';
import { defineCheck, type FindingDraft } from './types.js';
import { matchLabelsYaml, workloadsOf } from './segregation.js';

/** Address space that is not the public internet: private, shared, loopback, link-local, documentation, multicast, reserved. */
const NOT_PUBLIC: readonly Cidr[] = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
  '::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8', '2001:db8::/32',
].map((c) => parseCidr(c) as Cidr);
const NOT_PUBLIC_SET = ipSetOf(NOT_PUBLIC);

/** Does this external peer hold public internet addresses? */
export function isPublic(atom: ExternalAtom): boolean {
  return !isEmptyIp(subtract(atom.set, NOT_PUBLIC_SET));
}

/** `key=value` (or `key` for any value) selectors from the configuration. */
export function matchesAnyLabel(selectors: readonly string[], labels: Labels): string | undefined {
  for (const s of selectors) {
    const eq = s.indexOf('=');
    const key = eq < 0 ? s.trim() : s.slice(0, eq).trim();
    const value = eq < 0 ? undefined : s.slice(eq + 1).trim();
    if (labels[key] !== undefined && (value === undefined || labels[key] === value)) return s;
  }
  return undefined;
}

export default defineCheck({
  id: 'seg-data-egress-internet',
  control: 'segregation',
  title: 'Workload in a data namespace may connect to the internet',
  severity: 'high',
  rationale:
    'Namespaces that hold data (cardholder data, personal data, a database) are where an intruder goes to take it out. If their pods may open connections to any public address, exfiltration needs no further step. Egress from them should go only to named destinations: the partner\'s published ranges, or an egress proxy that logs and filters by host name. Which namespaces hold data is configured by namespace label (dataNamespaceLabels, default meshless.dev/data=true).',
  fixSummary: 'Limit egress from data namespaces to the partner address ranges (or an egress proxy) and the ports they need.',
  requirements: ['PCI-DSS 1.3.2', 'PCI-DSS 1.4.1', 'GDPR Art. 32'],
  evidence: ['Namespace'],
  requires: ['NetworkPolicy'],
  examples: {
    bad: `apiVersion: v1
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
`,
    good: `apiVersion: v1
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
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: orders-db
spec:
  podSelector: {}
  policyTypes:
    - Ingress
    - Egress
`,
  },
  run(ctx): FindingDraft[] {
    const a = ctx.analysis;
    // External peers as the engine partitions them (`ip:0.0.0.0/0 except 10.0.0.0/8, ...`), those with public space.
    // The atom no ipBlock names is the rest of the world.
    const publicAtoms = a.external.filter(isPublic).map((atom) => ({ atom, pub: atom.inBlocks.length === 0 ? 'any other address outside the cluster' : atom.id.replace(/^ip:/, '') }));
    if (publicAtoms.length === 0) return [];
    const dataLabel = (ns: string): string | undefined => {
      const n = ctx.inventory.namespaces.get(ns);
      return n ? matchesAnyLabel(ctx.config.dataNamespaceLabels, n.labels) : undefined;
    };
    const out: FindingDraft[] = [];
    for (const w of workloadsOf(ctx, (c) => dataLabel(c.namespace.name) !== undefined)) {
      // Ask the engine: which public addresses, on which ports, may this workload reach?
      const reached: { pub: string; ports: PortSet }[] = [];
      for (const { atom, pub } of publicAtoms) {
        const dst: Peer = { kind: 'external', atom };
        let ports = EMPTY_PORTS;
        for (const cls of w.classes) ports = union(ports, a.allowedPorts({ kind: 'class', cls }, dst));
        if (!isEmpty(ports)) reached.push({ pub, ports });
      }
      if (reached.length === 0) continue;
      const anyPort = reached.some((r) => isAll(r.ports));
      const isolated = w.classes.every((c) => c.egressIsolated);
      const where = reached.map((r) => `${r.pub} on ${isAll(r.ports) ? 'every port' : formatPorts(r.ports).join(', ')}`).join('; ');
      const label = dataLabel(w.namespace)!;
      out.push({
        object: w.object,
        // Unrestricted egress is the open door; egress limited to some ports still reaches every public address.
        severity: anyPort || !isolated ? 'high' : 'medium',
        message: `${w.title} is in namespace ${w.namespace}, which holds data (${label}), and may connect to the internet: ${where}`,
        fix: [
          `Limit egress to the destinations it needs: the partner's published ranges (or your egress proxy), not every public address. Replace the <...> placeholders:`,
          `apiVersion: networking.k8s.io/v1`,
          `kind: NetworkPolicy`,
          `metadata:`,
          `  name: ${w.object.object.metadata.name}-egress-internet`,
          `  namespace: ${w.namespace}`,
          `spec:`,
          `  podSelector:`,
          ...matchLabelsYaml(w.labels, '    '),
          `  policyTypes:`,
          `    - Egress`,
          `  egress:`,
          `    - to:`,
          `        - ipBlock:`,
          `            cidr: <partner range, e.g. 198.51.100.0/24>`,
          `      ports:`,
          `        - protocol: TCP`,
          `          port: 443`,
          isolated
            ? `and narrow the rule that now allows ${reached[0]!.pub} (an ipBlock 0.0.0.0/0 with private ranges excepted still means the whole internet).`
            : `and give namespace ${w.namespace} an egress default-deny (see seg-namespace-no-default-deny) so that this policy is all it may use.`,
        ].join('\n'),
      });
    }
    return out;
  },
});
