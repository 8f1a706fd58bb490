/**
 * `diff` does not run again, on the second version, the checks a change cannot affect
 * (Check.policyReads, when only NetworkPolicies changed and no pod's isolation did). The
 * proof is that the report is the one a diff running every check gives, on random changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { changeArb, clusterText } from './support/netpol-diff-arbitraries.js';
import { computeDiff, type DiffInput, type DiffSettings } from '../src/cli/diff.js';
import { ALL_CHECKS } from '../src/checks/index.js';
import { DEFAULT_CONFIG } from '../src/checks/types.js';

const input = (label: string, text: string): DiffInput => ({ side: { label }, read: () => Promise.resolve({ inputs: [{ file: `${label}.yaml`, text }], diagnostics: [] }) });
const settings = (compare: 'change' | 'whole'): DiffSettings => ({ level: 'workload', config: { ...DEFAULT_CONFIG, requireEgressIsolation: true }, checks: ALL_CHECKS, podCidrs: ['10.0.0.0/8', 'fd00::/8'], compare });

test('property: on random changes, a diff that keeps the checks the change cannot affect reports what one running every check reports', async () => {
  let runs = 0;
  let kept = 0;
  let keptFindings = 0;
  await fc.assert(
    fc.asyncProperty(changeArb, async ([b, a]) => {
      runs++;
      const [tb, ta] = [clusterText(b), clusterText(a)];
      const whole = await computeDiff(input('old', tb), input('new', ta), settings('whole'));
      let checksKept = 0;
      let checksRun = -1;
      const part = await computeDiff(input('old', tb), input('new', ta), settings('change'), undefined, (side) => {
        if (side.which === 'after') checksRun = side.checksRun;
      }, (_scope, n) => {
        checksKept = n;
      });
      assert.deepEqual(part.findings, whole.findings);
      assert.deepEqual(part.connectivity.added, whole.connectivity.added);
      assert.deepEqual(part.connectivity.removed, whole.connectivity.removed);
      assert.deepEqual(part.connectivity.changed, whole.connectivity.changed);
      if (checksKept > 0) {
        kept++;
        assert.equal(checksRun, ALL_CHECKS.length - checksKept, 'the kept checks are not run on the second version');
        keptFindings += part.findings.unchanged;
      }
    }),
    { numRuns: 150 },
  );
  // Says something only if many changes kept checks, and the kept checks found something.
  assert.ok(kept >= runs / 8, `${kept} of ${runs} changes kept checks`);
  assert.ok(keptFindings > 0, 'the kept checks found nothing in any run');
});

test('the checks kept are those that read no more of the policies than isolation, and a change of isolation keeps none', async () => {
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: a, labels: {app: web}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n---\n';
  const deny = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n';
  const open = deny.replace('policyTypes: [Ingress]}', 'policyTypes: [Ingress], ingress: [{ports: [{port: 80}]}]}');
  const keptBy = async (before: string, after: string): Promise<number> => {
    let n = -1;
    await computeDiff(input('old', before), input('new', after), settings('change'), undefined, undefined, (_s, k) => {
      n = k;
    });
    return n;
  };
  assert.equal(await keptBy(ns + deny, ns + open), ALL_CHECKS.filter((c) => c.policyReads !== undefined).length);
  assert.equal(await keptBy(ns, ns + deny), 0, 'the pod becomes isolated: every check runs again');
  assert.equal(await keptBy(ns + deny, ns.replace('app: web', 'app: api') + deny), 0, 'a pod changed: every check runs again');
});
