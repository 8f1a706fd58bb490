/** The segregation checks: NetworkPolicy coverage and quality, who may change it, and namespace naming. */
import nsTeamName from './ns-team-name.js';
import rbacNetworkpolicyWriteOutsideNetworkTeam from './rbac-networkpolicy-write-outside-network-team.js';
import segBaselineDenyShadowed from './seg-baseline-deny-shadowed.js';
import segCiliumDenyScope from './seg-cilium-deny-scope.js';
import segCiliumUnqualifiedEndpoints from './seg-cilium-unqualified-endpoints.js';
import segDataEgressInternet from './seg-data-egress-internet.js';
import segDataIngressAllNamespaces from './seg-data-ingress-all-namespaces.js';
import segNamespaceNoDefaultDeny from './seg-namespace-no-default-deny.js';
import segPassToNothing from './seg-pass-to-nothing.js';
import segPolicyAllowsAll from './seg-policy-allows-all.js';
import segPolicyKindNotEnforced from './seg-policy-kind-not-enforced.js';
import segPolicyKindNotEvaluated from './seg-policy-kind-not-evaluated.js';
import segPolicySelectsNothing from './seg-policy-selects-nothing.js';
import segRuleNotJudged from './seg-rule-not-judged.js';
import segSelectorMatchesNothing from './seg-selector-matches-nothing.js';
import segStagedPolicy from './seg-staged-policy.js';
import segWorkloadNotIsolatedEgress from './seg-workload-not-isolated-egress.js';
import segWorkloadNotIsolatedIngress from './seg-workload-not-isolated-ingress.js';

export const segregationChecks = [
  segWorkloadNotIsolatedIngress,
  segWorkloadNotIsolatedEgress,
  segNamespaceNoDefaultDeny,
  segPolicyAllowsAll,
  segPolicySelectsNothing,
  segSelectorMatchesNothing,
  segDataEgressInternet,
  segDataIngressAllNamespaces,
  segPolicyKindNotEnforced,
  segPolicyKindNotEvaluated,
  segPassToNothing,
  segBaselineDenyShadowed,
  segStagedPolicy,
  segRuleNotJudged,
  segCiliumDenyScope,
  segCiliumUnqualifiedEndpoints,
  rbacNetworkpolicyWriteOutsideNetworkTeam,
  nsTeamName,
] as const;
