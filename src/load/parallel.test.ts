import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutPoints, parseInputsParallel } from './parallel.js';
import { parseJob } from './parse-worker.js';
import { parseInputs } from './text.js';
import { parseText } from './yaml.js';

/** Documents separated in every way the splitter knows: `---` with and without comments, `...` ends, a syntax error. */
function manifest(n: number, brokenAt: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = i === brokenAt
      ? `apiVersion: v1\nkind: Pod\nmetadata: {name: broken\n`
      : `# pod ${i}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\n  namespace: ns${i % 7}\n  labels: {app: a${i % 5}}\nspec:\n  containers:\n  - name: c\n    ports: [{containerPort: 8080, name: http}]\n`;
    docs.push(i % 11 === 3 ? `${body}...\n# between documents\n` : body);
  }
  return docs.map((d, i) => (i % 13 === 5 ? `--- # doc ${i}\n${d}` : `---\n${d}`)).join('');
}

test('cutPoints: cuts at column-0 --- markers, increasing, fewer when the text has few markers', () => {
  const text = manifest(200, -1);
  for (const weights of [[1, 1], [1.2, 1, 1, 1], [3, 1], [1, 1, 1, 1, 1, 1, 1]]) {
    const cuts = cutPoints(text, weights);
    assert.equal(cuts.length, weights.length - 1, JSON.stringify(weights));
    for (const c of cuts) assert.ok(text.startsWith('---', c) && (c === 0 || text[c - 1] === '\n'), `cut at ${c}`);
    for (let i = 1; i < cuts.length; i++) assert.ok(cuts[i]! > cuts[i - 1]!);
  }
  assert.deepEqual(cutPoints('a: 1\n---\nb: 2\n', [1, 1, 1]), [5]);
  assert.deepEqual(cutPoints('a: 1\nb: "---"\n', [1, 1]), []);
  // `--- ` inside a line, or `----`, is not a marker.
  assert.deepEqual(cutPoints('a: x --- y\n----\nb: 1\n', [1, 1]), []);
});

for (const cores of [2, 3, 4]) {
  test(`parsing in ${cores} parts on worker threads gives exactly what one thread gives, errors and lines included`, async () => {
    const text = `\uFEFF${manifest(3000, 2500)}`;
    const inputs = [{ file: 'big.yaml', text }, { file: 'small.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n' }];
    const one = parseInputs(inputs);
    const many = await parseInputsParallel(inputs, cores, 1024);
    assert.equal(many.docs.length, 2999 + 1); // all but the broken one, and small.yaml's
    assert.deepEqual(many.docs, one.docs);
    assert.deepEqual(many.diagnostics, one.diagnostics);
    assert.equal(many.diagnostics.length, 1);
    assert.match(many.diagnostics[0]!.message, /document 2\d{3} is skipped/);
    assert.deepEqual(many.files.get('big.yaml'), one.files.get('big.yaml'));
  });
}

test('a part parsed on the main thread (what happens when a worker fails) is the same part', () => {
  const text = manifest(50, 40);
  const whole = parseText(text, 'f.yaml');
  const cut = cutPoints(text, [1, 1])[0]!;
  const head = parseText(text.slice(0, cut), 'f.yaml');
  const firstLine = text.slice(0, cut).split('\n').length;
  const tail = parseJob({ text: text.slice(cut), file: 'f.yaml', firstDoc: head.spans.length, firstLine });
  assert.deepEqual([...head.docs, ...tail.docs], whole.docs);
  assert.deepEqual([...head.diagnostics, ...tail.diagnostics], whole.diagnostics);
  assert.deepEqual([...head.spans, ...tail.spans.map((s) => ({ ...s, start: s.start + cut, end: s.end + cut }))], whole.spans);
  // Handed its spans (a middle part the main thread split already), a part is parsed the same.
  assert.deepEqual(parseJob({ text: text.slice(cut), file: 'f.yaml', firstDoc: head.spans.length, firstLine, spans: tail.spans }), tail);
});
