import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInputsParallel, sliceSpans } from './parallel.js';
import { parseInputs } from './text.js';
import { splitDocuments } from './yaml.js';

function manifest(n: number, brokenAt: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(
      i === brokenAt
        ? `apiVersion: v1\nkind: Pod\nmetadata: {name: broken\n`
        : `# pod ${i}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\n  namespace: ns${i % 7}\n  labels: {app: a${i % 5}}\nspec:\n  containers:\n  - name: c\n    ports: [{containerPort: 8080, name: http}]\n`,
    );
  }
  return docs.join('---\n');
}

test('sliceSpans: contiguous groups that cover every document once', () => {
  const spans = splitDocuments(manifest(100, -1));
  for (const parts of [1, 2, 3, 4, 7]) {
    const groups = sliceSpans(spans, parts);
    assert.ok(groups.length <= parts);
    assert.equal(groups[0]!.from, 0);
    assert.equal(groups[groups.length - 1]!.to, spans.length);
    for (let i = 1; i < groups.length; i++) assert.equal(groups[i]!.from, groups[i - 1]!.to);
  }
});

test('parsing on worker threads gives exactly what parsing on one thread gives, errors and lines included', async () => {
  const text = manifest(3000, 2500);
  const inputs = [{ file: 'big.yaml', text }, { file: 'small.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n' }];
  const one = parseInputs(inputs);
  const many = await parseInputsParallel(inputs, 3, 1024);
  assert.equal(many.docs.length, 3000);
  assert.deepEqual(many.docs, one.docs);
  assert.deepEqual(many.diagnostics, one.diagnostics);
  assert.equal(many.diagnostics.length, 1);
  assert.equal(many.diagnostics[0]!.source?.doc, 2500);
  assert.deepEqual(many.files.get('big.yaml')?.spans, one.files.get('big.yaml')?.spans);
});
