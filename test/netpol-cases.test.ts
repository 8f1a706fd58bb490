/**
 * The engine against every scenario of test/fixtures/netpol-cases: the WHOLE set of
 * allowed (source, destination) pod pairs, the diagonal included, must equal the
 * expectation, and no scenario may produce an error diagnostic.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { inventoryFromText } from '../src/load/text.js';
import { analyze } from '../src/netpol/analysis.js';

type Protocol = 'TCP' | 'UDP' | 'SCTP';

const CASES = new URL('./fixtures/netpol-cases/', import.meta.url);

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

function diffPairs(expected: readonly (readonly [string, string])[], actual: readonly (readonly [string, string])[]): string {
  const e = new Set(expected.map(pairKey));
  const a = new Set(actual.map(pairKey));
  const missing = [...e].filter((k) => !a.has(k));
  const extra = [...a].filter((k) => !e.has(k));
  return [`missing (expected allowed, got denied): ${missing.length ? `\n  ${missing.join('\n  ')}` : 'none'}`, `extra (expected denied, got allowed): ${extra.length ? `\n  ${extra.join('\n  ')}` : 'none'}`].join('\n');
}

describe('engine: netpol-cases', () => {
  test('the fixture copy holds the 48 scenarios', () => {
    assert.equal(caseNames.length, 48);
  });

  for (const name of caseNames) {
    const dir = new URL(`${name}/`, CASES);
    const files = readdirSync(dir).filter((f) => /^expected(-\d+-(TCP|UDP|SCTP))?\.json$/.test(f)).sort();
    test(name, () => {
      assert.ok(files.length > 0, `${name} has no expected*.json`);
      const file = `test/fixtures/netpol-cases/${name}/manifests.yaml`;
      const inv = inventoryFromText(readFileSync(new URL('manifests.yaml', dir), 'utf8'), file);
      const errors = inv.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map((d) => `[${d.code}] ${d.message}`), [], `${name}: error diagnostics`);
      const analysis = analyze(inv);
      const pods = inv.endpoints.map((e) => e.id).sort();
      for (const f of files) {
        const expected = JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Expected;
        assert.deepEqual(pods, [...expected.pods].sort(), `${name}/${f}: endpoints`);
        const actual: [string, string][] = [];
        for (const from of pods) for (const to of pods) if (analysis.isAllowed(from, to, expected.port, expected.protocol)) actual.push([from, to]);
        const sortedExpected = expected.allowed.map((p) => [p[0], p[1]] as [string, string]).sort((x, y) => pairKey(x).localeCompare(pairKey(y)));
        assert.deepEqual(actual.sort((x, y) => pairKey(x).localeCompare(pairKey(y))), sortedExpected, `${name}/${f} (${expected.port}/${expected.protocol}):\n${diffPairs(expected.allowed, actual)}`);
      }
    });
  }
});
