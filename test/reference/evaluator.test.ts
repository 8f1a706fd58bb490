/**
 * The reference evaluator against every scenario of test/fixtures/netpol-cases:
 * the WHOLE set of allowed (source, destination) pod pairs must equal the expectation.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { ReferenceCluster, type Protocol } from './evaluator.js';

const CASES = new URL('../fixtures/netpol-cases/', import.meta.url);

interface Expected {
  readonly port: number;
  readonly protocol: Protocol;
  readonly pods: readonly string[];
  readonly allowed: readonly (readonly [string, string])[];
}

const caseNames = readdirSync(CASES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const pairKey = (p: readonly [string, string]): string => `${p[0]} -> ${p[1]}`;

/** An assertion message that names what is missing and what is extra. */
function diffPairs(expected: readonly (readonly [string, string])[], actual: readonly (readonly [string, string])[]): string {
  const e = new Set(expected.map(pairKey));
  const a = new Set(actual.map(pairKey));
  const missing = [...e].filter((k) => !a.has(k));
  const extra = [...a].filter((k) => !e.has(k));
  return [`missing (expected allowed, got denied): ${missing.length ? `\n  ${missing.join('\n  ')}` : 'none'}`, `extra (expected denied, got allowed): ${extra.length ? `\n  ${extra.join('\n  ')}` : 'none'}`].join('\n');
}

describe('reference evaluator: netpol-cases', () => {
  test('the fixture copy holds the 48 scenarios', () => {
    assert.equal(caseNames.length, 48);
  });

  for (const name of caseNames) {
    const dir = new URL(`${name}/`, CASES);
    const files = readdirSync(dir).filter((f) => /^expected(-\d+-(TCP|UDP|SCTP))?\.json$/.test(f)).sort();
    test(name, () => {
      assert.ok(files.length > 0, `${name} has no expected*.json`);
      const objects = yaml.loadAll(readFileSync(new URL('manifests.yaml', dir), 'utf8')).filter((o) => o !== null && o !== undefined);
      const cluster = new ReferenceCluster(objects);
      for (const file of files) {
        const expected = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Expected;
        const m = /^expected-(\d+)-(TCP|UDP|SCTP)\.json$/.exec(file);
        if (m) assert.deepEqual([expected.port, expected.protocol], [Number(m[1]), m[2]], `${file}: the file name and its port/protocol disagree`);
        assert.deepEqual(cluster.podIds(), [...expected.pods].sort(), `${file}: pods`);
        const actual = cluster.allowedPairs(expected.port, expected.protocol);
        const sortedExpected = [...expected.allowed].map((p) => [p[0], p[1]] as [string, string]).sort((x, y) => pairKey(x).localeCompare(pairKey(y)));
        const sortedActual = [...actual].sort((x, y) => pairKey(x).localeCompare(pairKey(y)));
        assert.deepEqual(sortedActual, sortedExpected, `${name}/${file} (${expected.port}/${expected.protocol}):\n${diffPairs(expected.allowed, actual)}`);
      }
    });
  }
});
