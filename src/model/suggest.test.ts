import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, nearest } from './suggest.js';

test('editDistance: insertions, deletions, substitutions, and a transposition counts one', () => {
  const rows: [string, string, number][] = [
    ['', '', 0],
    ['', 'abc', 3],
    ['catalog-sync', 'catalog-synk', 1],
    ['report', 'reprot', 1],
    ['payments', 'paymnets', 1],
    ['kitten', 'sitting', 3],
    ['abc', 'abc', 0],
  ];
  for (const [a, b, d] of rows) {
    assert.equal(editDistance(a, b), d, `${a} / ${b}`);
    assert.equal(editDistance(b, a), d, `${b} / ${a}`);
  }
});

test('nearest: a close candidate, ignoring case; none when all are far', () => {
  assert.equal(nearest('paymnets', ['catalog', 'payments', 'orders-db']), 'payments');
  assert.equal(nearest('Catalog', ['catalog']), 'catalog');
  assert.equal(nearest('zzz', ['catalog', 'payments']), undefined);
  assert.equal(nearest('x', []), undefined);
});
