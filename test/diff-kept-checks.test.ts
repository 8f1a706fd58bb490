/**
 * `diff` does not run again, on the second version, the checks a change cannot affect
 * (Check.policyReads, when only NetworkPolicies changed and no pod's isolation did), and
 * runs those whose findings are local to a namespace only where the policies changed. The
 * proof is that the report is the one a diff running every check in full gives, on random
 * changes.
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
  let local = 0;
  let keptFindings = 0;
  await fc.assert(
    fc.asyncProperty(changeArb, async ([b, a]) => {
      runs++;
      const [tb, ta] = [clusterText(b), clusterText(a)];
      const whole = await computeDiff(input('old', tb), input('new', ta), settings('whole'));
      let checksKept = 0;
      let checksLocal = 0;
      let checksRun = -1;
      const part = await computeDiff(input('old', tb), input('new', ta), settings('change'), undefined, (side) => {
        if (side.which === 'after') checksRun = side.checksRun;
      }, (_scope, reuse) => {
        checksKept = reuse.checksKept;
        checksLocal = reuse.checksLocal;
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
      if (checksLocal > 0) local++;
    }),
    { numRuns: 150 },
  );
  // Says something only if many changes kept checks, and the kept checks found something.
  assert.ok(kept >= runs / 8, `${kept} of ${runs} changes kept checks`);
  assert.ok(keptFindings > 0, 'the kept checks found nothing in any run');
  assert.ok(local >= runs / 4, `${local} of ${runs} changes ran the local checks only where the policies changed`);
});

test('the checks kept are those that read no more of the policies than isolation, a change of isolation keeps none, and the checks local to a namespace run only where the policies changed', async () => {
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: a, labels: {app: web}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n---\n';
  const deny = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n';
  const open = deny.replace('policyTypes: [Ingress]}', 'policyTypes: [Ingress], ingress: [{ports: [{port: 80}]}]}');
  const plan = async (before: string, after: string): Promise<[number, number]> => {
    let n: [number, number] = [-1, -1];
    await computeDiff(input('old', before), input('new', after), settings('change'), undefined, undefined, (_s, reuse) => {
      n = [reuse.checksKept, reuse.checksLocal];
    });
    return n;
  };
  const keptKinds = ALL_CHECKS.filter((c) => c.policyReads === 'none' || c.policyReads === 'isolation').length;
  const localKinds = ALL_CHECKS.filter((c) => c.policyReads === 'namespace').length;
  assert.ok(localKinds >= 4, 'the policy checks whose findings stay in a namespace declare it');
  assert.deepEqual(await plan(ns + deny, ns + open), [keptKinds, localKinds]);
  assert.deepEqual(await plan(ns, ns + deny), [0, localKinds], 'the pod becomes isolated: the checks that read isolation run again; the local ones still only where policies changed');
  assert.deepEqual(await plan(ns + deny, ns.replace('app: web', 'app: api') + deny), [0, 0], 'a pod changed: every check runs again, in full');
});

test('a NetworkPolicy in a namespace nothing else names brings the namespace with it: the checks about namespaces run again (ns-team-name finds it)', async () => {
  const base = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: a, labels: {app: web}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n';
  const added = `${base}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: team-green}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n`;
  for (const [before, after] of [[base, added], [added, base]] as const) {
    const whole = await computeDiff(input('old', before), input('new', after), settings('whole'));
    const part = await computeDiff(input('old', before), input('new', after), settings('change'));
    assert.deepEqual(part.findings, whole.findings);
    const moved = [...whole.findings.introduced, ...whole.findings.resolved].filter((f) => f.check === 'ns-team-name').map((f) => f.object.name);
    assert.deepEqual(moved, ['team-green'], 'the namespace named after a team comes and goes with the policy');
  }
});
