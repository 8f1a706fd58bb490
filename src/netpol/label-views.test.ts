/** The label views the CNIs' selectors see on a pod, as lookups (src/netpol/layers.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ciliumLookup, podMatches } from './layers.js';
import { matches, matchesLookup } from './selector.js';
import type { LabelSelector } from '../model/networkpolicy.js';

const ns = { name: 'shop', labels: { team: 'payments', 'kubernetes.io/metadata.name': 'shop' } } as unknown as Parameters<typeof ciliumLookup>[1];
const sel = (matchLabels: Record<string, string>, matchExpressions: LabelSelector['matchExpressions'] = []): LabelSelector => ({ matchLabels, matchExpressions });

test('ciliumLookup: own labels, the namespace name, namespace labels and service account, synthetic keys first', () => {
  const get = ciliumLookup({ app: 'web', 'io.kubernetes.pod.namespace': 'forged', 'io.cilium.k8s.namespace.labels.env': 'own' }, ns, 'web-sa');
  assert.equal(get('app'), 'web');
  assert.equal(get('io.kubernetes.pod.namespace'), 'shop', 'a pod cannot claim another namespace');
  assert.equal(get('io.cilium.k8s.namespace.labels.team'), 'payments');
  assert.equal(get('io.cilium.k8s.namespace.labels.env'), 'own', 'a key the namespace does not have stays the pod label');
  assert.equal(get('io.cilium.k8s.policy.serviceaccount'), 'web-sa');
  assert.equal(get('constructor'), undefined, 'only own properties are labels');
  assert.equal(ciliumLookup({}, ns, undefined)('io.cilium.k8s.policy.serviceaccount'), undefined);
});

const rows: readonly [string, LabelSelector, Record<string, string>, boolean][] = [
  ['matchLabels equal', sel({ app: 'web' }), { app: 'web' }, true],
  ['matchLabels differ', sel({ app: 'web' }), { app: 'api' }, false],
  ['In with value', sel({}, [{ key: 'tier', operator: 'In', values: ['a', 'b'] }]), { tier: 'b' }, true],
  ['In without key', sel({}, [{ key: 'tier', operator: 'In', values: ['a'] }]), {}, false],
  ['NotIn without key', sel({}, [{ key: 'tier', operator: 'NotIn', values: ['a'] }]), {}, true],
  ['NotIn with value', sel({}, [{ key: 'tier', operator: 'NotIn', values: ['a'] }]), { tier: 'a' }, false],
  ['Exists', sel({}, [{ key: 'tier', operator: 'Exists', values: [] }]), { tier: '' }, true],
  ['DoesNotExist', sel({}, [{ key: 'tier', operator: 'DoesNotExist', values: [] }]), { tier: '' }, false],
  ['empty selector', sel({}), {}, true],
];
for (const [name, s, labels, want] of rows) {
  test(`matchesLookup agrees with matches: ${name}`, () => {
    assert.equal(matches(s, labels), want);
    assert.equal(matchesLookup(s, (k) => (Object.prototype.hasOwnProperty.call(labels, k) ? labels[k] : undefined)), want);
  });
}

test('podMatches with a Cilium selector sees the namespace view', () => {
  const p = { kind: 'cilium', selector: sel({ 'io.kubernetes.pod.namespace': 'shop', 'io.cilium.k8s.namespace.labels.team': 'payments', app: 'web' }) } as Parameters<typeof podMatches>[0];
  assert.equal(podMatches(p, { app: 'web' }, ns, undefined), true);
  assert.equal(podMatches(p, { app: 'web' }, { ...ns, name: 'other' }, undefined), false);
});
