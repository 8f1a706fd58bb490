import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dig, isRecord, sameJson, str } from './json.js';

test('isRecord: objects only, not null or arrays', () => {
  const rows: [unknown, boolean][] = [[{}, true], [{ a: 1 }, true], [null, false], [[], false], ['x', false], [1, false], [undefined, false]];
  for (const [v, want] of rows) assert.equal(isRecord(v), want, JSON.stringify(v));
});

test('dig: keys of objects and indexes of arrays; undefined where the path leaves them', () => {
  const v = { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }] }] }, list: [1, 2] };
  const rows: [readonly (string | number)[], unknown][] = [
    [[], v],
    [['spec', 'containers', 0, 'name'], 'a'],
    [['spec', 'containers', 0, 'ports', 0, 'containerPort'], 80],
    [['spec', 'containers', 1], undefined],
    [['spec', 'containers', 'name'], undefined],
    [['list', 0, 'x'], undefined],
    [['spec', 0], undefined],
    [['missing', 'deeper'], undefined],
  ];
  for (const [path, want] of rows) assert.deepEqual(dig(v, path), want, path.join('.'));
});

test('str: non-empty strings only', () => {
  assert.equal(str('a'), 'a');
  for (const v of ['', 1, null, undefined, {}, ['a']]) assert.equal(str(v), undefined, JSON.stringify(v));
});

test('sameJson: same data whatever the key order; arrays in order; a missing key is not an undefined one', () => {
  const rows: [unknown, unknown, boolean][] = [
    [{ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: undefined }, { b: undefined }, false],
    [[1, 2], [2, 1], false],
    [[1], { 0: 1 }, false],
    [null, {}, false],
    [null, null, true],
    ['80', 80, false],
    [NaN, NaN, true],
    [new Date(0), new Date(0), true],
    [new Date(0), new Date(1), false],
    [new Date(0), {}, false],
  ];
  for (const [a, b, want] of rows) assert.equal(sameJson(a, b), want, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
});
