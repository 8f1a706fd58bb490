/**
 * The reference evaluator against every scenario of test/fixtures/netpol-cases:
 * the WHOLE set of allowed (source, destination) pod pairs must equal the expectation.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { ReferenceCluster } from './evaluator.js';
import { assertSamePairs, scenarios } from '../support/netpol-cases.js';

const all = scenarios();

describe('reference evaluator: netpol-cases', () => {
  test('the fixture copy holds the 48 scenarios', () => {
    assert.equal(all.length, 48);
  });

  for (const s of all) {
    test(s.name, () => {
      assert.ok(s.expectations.length > 0, `${s.name} has no expected*.json`);
      const objects = yaml.loadAll(s.manifests).filter((o) => o !== null && o !== undefined);
      const cluster = new ReferenceCluster(objects);
      for (const { file, expected } of s.expectations) {
        assert.deepEqual(cluster.podIds(), [...expected.pods].sort(), `${s.name}/${file}: pods`);
        assertSamePairs(cluster.allowedPairs(expected.port, expected.protocol), expected, `${s.name}/${file}`);
      }
    });
  }
});
