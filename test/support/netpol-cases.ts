/**
 * The netpol-cases scenarios (test/fixtures/netpol-cases, copied from
 * shared/netpol-cases) and how an evaluator is held to them: the WHOLE set of
 * allowed (source, destination) pod pairs, the diagonal included.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Expected {
  readonly port: number;
  readonly protocol: Protocol;
  readonly pods: readonly string[];
  readonly allowed: readonly (readonly [string, string])[];
}

export interface Scenario {
  readonly name: string;
  /** Path of manifests.yaml relative to the repository root (as messages show it). */
  readonly file: string;
  readonly manifests: string;
  /** Each expected*.json: its file name and content. */
  readonly expectations: readonly { readonly file: string; readonly expected: Expected }[];
}

/** The scenarios of a fixture folder (default: netpol-cases; also netpol-layers-cases). */
export function scenarios(folder = 'netpol-cases'): Scenario[] {
  const CASES = new URL(`../fixtures/${folder}/`, import.meta.url);
  return readdirSync(CASES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = new URL(`${name}/`, CASES);
      const files = readdirSync(dir).filter((f) => /^expected(-\d+-(TCP|UDP|SCTP))?\.json$/.test(f)).sort();
      return {
        name,
        file: `test/fixtures/${folder}/${name}/manifests.yaml`,
        manifests: readFileSync(new URL('manifests.yaml', dir), 'utf8'),
        expectations: files.map((file) => {
          const expected = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Expected;
          const m = /^expected-(\d+)-(TCP|UDP|SCTP)\.json$/.exec(file);
          if (m) assert.deepEqual([expected.port, expected.protocol], [Number(m[1]), m[2]], `${name}/${file}: the file name and its port/protocol disagree`);
          return { file, expected };
        }),
      };
    });
}

const pairKey = (p: readonly [string, string]): string => `${p[0]} -> ${p[1]}`;
const sorted = (pairs: readonly (readonly [string, string])[]): [string, string][] => pairs.map((p) => [p[0], p[1]] as [string, string]).sort((x, y) => pairKey(x).localeCompare(pairKey(y)));

/** Asserts the allowed pairs equal the expectation; the message names what is missing and what is extra. */
export function assertSamePairs(actual: readonly (readonly [string, string])[], expected: Expected, where: string): void {
  const e = new Set(expected.allowed.map(pairKey));
  const a = new Set(actual.map(pairKey));
  const missing = [...e].filter((k) => !a.has(k));
  const extra = [...a].filter((k) => !e.has(k));
  const why = [`missing (expected allowed, got denied): ${missing.length ? `\n  ${missing.join('\n  ')}` : 'none'}`, `extra (expected denied, got allowed): ${extra.length ? `\n  ${extra.join('\n  ')}` : 'none'}`].join('\n');
  assert.deepEqual(sorted(actual), sorted(expected.allowed), `${where} (${expected.port}/${expected.protocol}):\n${why}`);
}
