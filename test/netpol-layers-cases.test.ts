/**
 * The engine against every scenario of test/fixtures/netpol-layers-cases (cluster-wide,
 * Calico and Cilium policies): the WHOLE set of allowed (source, destination) pod
 * pairs, the diagonal included, must equal the expectation, and no scenario may
 * produce an error diagnostic or leave a policy unevaluated.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { inventoryFromText } from '../src/load/text.js';
import { analyze } from '../src/netpol/analysis.js';
import { assertSamePairs, scenarios } from './support/netpol-cases.js';

const all = scenarios('netpol-layers-cases');

describe('engine: netpol-layers-cases', () => {
  test('the fixture copy holds the 23 scenarios', () => {
    assert.equal(all.length, 23);
  });

  for (const s of all) {
    test(s.name, () => {
      assert.ok(s.expectations.length > 0, `${s.name} has no expected*.json`);
      const inv = inventoryFromText(s.manifests, s.file);
      const problems = inv.diagnostics.filter((d) => d.severity === 'error' || d.code === 'policy-not-evaluated');
      assert.deepEqual(problems.map((d) => `[${d.code}] ${d.message}`), [], `${s.name}: error diagnostics`);
      const analysis = analyze(inv);
      const pods = inv.endpoints.map((e) => e.id).sort();
      for (const { file, expected } of s.expectations) {
        assert.deepEqual(pods, [...expected.pods].sort(), `${s.name}/${file}: endpoints`);
        const actual: [string, string][] = [];
        for (const from of pods) for (const to of pods) if (analysis.isAllowed(from, to, expected.port, expected.protocol)) actual.push([from, to]);
        assertSamePairs(actual, expected, `${s.name}/${file}`);
      }
    });
  }
});

describe('engine: netpol-layers-cases as `kubectl get -o json` returns them', () => {
  // A List of every object, each with what the API server adds: managedFields, resourceVersion, uid, status.
  const asKubectlList = (manifests: string): string => {
    const items = yaml.loadAll(manifests).filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null).map((o, i) => ({
      ...o,
      metadata: { ...(o['metadata'] as object), uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, resourceVersion: String(1000 + i), managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: o['apiVersion'], fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }] },
      ...(o['kind'] === 'Pod' ? {} : { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Accepted', message: 'accepted', lastTransitionTime: '2026-12-01T00:00:00Z' }] } }),
    }));
    return JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }, null, 2);
  };
  for (const s of all) {
    test(s.name, () => {
      const inv = inventoryFromText(asKubectlList(s.manifests), `${s.name}.json`);
      assert.deepEqual(inv.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
      const fromYaml = analyze(inventoryFromText(s.manifests, s.file));
      const fromList = analyze(inv);
      const pods = inv.endpoints.map((e) => e.id).sort();
      for (const { expected } of s.expectations) {
        for (const from of pods) for (const to of pods) assert.equal(fromList.isAllowed(from, to, expected.port, expected.protocol), fromYaml.isAllowed(from, to, expected.port, expected.protocol), `${from} -> ${to}`);
      }
    });
  }
});
