/** The segregation checks: NetworkPolicy coverage and quality, who may change it, and namespace naming. */
import nsTeamName from './ns-team-name.js';
import rbacNetworkpolicyWriteOutsideNetworkTeam from './rbac-networkpolicy-write-outside-network-team.js';
import segDataEgressInternet from './seg-data-egress-internet.js';
import segNamespaceNoDefaultDeny from './seg-namespace-no-default-deny.js';
import segPolicyAllowsAll from './seg-policy-allows-all.js';
import segPolicySelectsNothing from './seg-policy-selects-nothing.js';
import segSelectorMatchesNothing from './seg-selector-matches-nothing.js';
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
  rbacNetworkpolicyWriteOutsideNetworkTeam,
  nsTeamName,
] as const;
