import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topLevelChunks } from './audit-json.js';

const whole = (v: Record<string, unknown>): string => JSON.stringify(v, null, 2);

test('audit JSON in chunks: the same bytes as JSON.stringify(value, null, 2), each chunk but the last ending at a line end', () => {
  const finding = (i: number) => ({ check: `c${i}`, object: { kind: 'Pod', name: `p${i}`, line: i }, message: 'a “quoted” — dash\nnewline', fix: i % 2 ? undefined : 'x', fixObjects: [{ a: [], b: {}, c: [1, { d: null }] }], none: [] });
  const values: Record<string, unknown>[] = [
    {},
    { a: undefined, f: () => 1 },
    { tool: { name: 'm' }, findings: [], workloads: [], errors: [] },
    { tool: { name: 'm' }, findings: Array.from({ length: 7 }, (_, i) => finding(i)), workloads: [1, undefined, 'x'], last: { n: 1 } },
    { findings: Array.from({ length: 3 }, (_, i) => finding(i)) },
    { skipped: undefined, findings: Array.from({ length: 9 }, (_, i) => finding(i)), trailing: undefined },
  ];
  for (const v of values) {
    for (const batch of [1, 2, 3, 400]) {
      const chunks = [...topLevelChunks(v, batch)];
      assert.equal(chunks.join(''), whole(v), `batch ${batch}: ${JSON.stringify(v).slice(0, 80)}`);
      // io.out adds a line end to a string without one: the last chunk gets it, as the one string did.
      chunks.forEach((c, i) => {
        assert.ok(c.length > 0 && c.endsWith('\n') === (i < chunks.length - 1), 'every chunk but the last ends at a line end');
      });
      if (batch === 400) assert.equal(chunks.length, 1, 'a small report is one chunk');
    }
  }
  assert.ok([...topLevelChunks(values[3]!, 2)].length >= 4, 'a long list is cut into chunks');
});
