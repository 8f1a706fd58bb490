import { notJudged } from '../netpol/unjudged.js';
import { defineCheck, type FindingDraft } from './types.js';
import { layerObject } from './layers.js';

export default defineCheck({
  id: 'seg-rule-not-judged',
  control: 'segregation',
  title: 'A rule depends on what manifests do not show',
  severity: 'info',
  rationale:
    'Some peers cannot be placed from manifests: node IPs (ClusterNetworkPolicy `nodes`), domain names (`domainNames`, Calico `domains`, Cilium `toFQDNs`), cloud groups (`toGroups`), Cilium\'s host and remote-node entities, a Cilium `toServices` Service (or its endpoints) that is not in the input, and a Calico `services` Service whose EndpointSlices the input does not settle (include its EndpointSlices, or the Service with its selector and pods, or its Endpoints). meshless never guesses them: such a rule matches nothing in its answers, and each one is listed so that the connections it could allow or deny are reviewed by hand.',
  fixSummary: 'Review the connections the rule is meant for; where a CIDR or a pod selector can say the same, prefer it.',
  evidence: [],
  examples: {
    bad: `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: egress-saas
spec:
  tier: Admin
  priority: 10
  subject:
    namespaces: {}
  egress:
    - name: saas
      action: Accept
      to:
        - domainNames:
            - "*.saas.example.com"
`,
    good: `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: egress-saas
spec:
  tier: Admin
  priority: 10
  subject:
    namespaces: {}
  egress:
    - name: saas
      action: Accept
      to:
        - networks:
            - 203.0.113.0/24
`,
  },
  run(ctx): FindingDraft[] {
    return notJudged(ctx.analysis).map((n) => {
      const p = ctx.analysis.layerPolicies.find((x) => x.label === n.policy)!;
      return {
        object: layerObject(ctx, p),
        path: n.rule,
        message: `${n.policy}: ${n.rule} (${n.action}) depends on ${n.dependsOn.join(', ')}, which manifests do not show: it is not judged, and matches nothing in meshless's answers`,
        fix: `Review by hand what ${n.rule} allows or denies; where the peers have known addresses, a networks/nets/CIDR peer (or a pod selector) says the same in a form meshless evaluates.`,
      };
    });
  },
});
