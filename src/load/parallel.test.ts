import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutPoints, parseInputsParallel } from './parallel.js';
import { parseJob } from './parse-worker.js';
import { parseInputs } from './text.js';
import { parsedDocuments, parseText, parseTextReusing } from './yaml.js';

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

/** Freezes a parsed value through and through: a write to it then throws (modules are strict). */
function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}

test('a second version parsed with the first one\'s documents gives exactly what parsing it gives', async () => {
  const before = [{ file: 'big.yaml', text: `\uFEFF${manifest(3000, 2500)}` }, { file: 'small.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n' }, { file: 'list.json', text: '{"apiVersion": "v1", "kind": "List", "items": []}' }];
  const first = parseInputs(before);
  const known = parsedDocuments(first.files, first.docs);
  assert.equal(known.size, 2999 + 1, 'every YAML document parsed, the JSON text left out');
  for (const v of known.values()) deepFreeze(v);
  // Changed documents, one added and one removed (numbers and lines shift), the broken one fixed and another broken, an empty one.
  const changed = before[0]!.text.replace('name: p7\n', 'name: p7-renamed\n').replace('metadata: {name: broken\n', 'metadata: {name: fixed}\n').replace('name: p1200\n', 'name: [p1200\n').replace('---\n# pod 20\n', '---\n---\n# pod 20\n').replace(/---\n# pod 30\n[^]*?(?=---)/, '');
  const after = [{ file: 'big.yaml', text: `${changed}---\napiVersion: v1\nkind: Pod\nmetadata: {name: new}\n` }, before[1]!, { file: 'other.yaml', text: before[1]!.text }, before[2]!];
  const plain = parseInputs(after);
  for (const [cores, minBytes] of [[1, Infinity], [2, 1024], [2, 100_000_000]] as const) {
    const reused = await parseInputsParallel(after, cores, minBytes, known);
    assert.deepEqual(reused.docs, plain.docs, `${cores} cores, ${minBytes}`);
    assert.deepEqual(reused.diagnostics, plain.diagnostics);
    assert.deepEqual(reused.files, plain.files);
  }
  assert.equal(plain.diagnostics.length, 1);
  // The shared values are the first version's own objects.
  const reused = await parseInputsParallel(after, 2, 100_000_000, known);
  assert.equal(reused.docs.find((d) => d.source.file === 'small.yaml')!.value, first.docs.find((d) => d.source.file === 'small.yaml')!.value);
  const firstValues = new Set(first.docs.map((d) => d.value));
  assert.ok(reused.docs.filter((d) => firstValues.has(d.value)).length >= 2990, 'the documents that did not change are not parsed again');
  assert.equal(parseTextReusing('{"a": 1}', 'x.json', known.search()), undefined, 'JSON is parsed as JSON');
  assert.equal(parseTextReusing(changed, 'big.yaml', known.search(), 100), undefined, 'too much to parse on one thread: the caller parses in parallel');
});

test('documents are found again past blocks of changed, added and removed documents, and in a file of another name', async () => {
  const docs = Array.from({ length: 500 }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}, namespace: n}\ndata: {k: "${i}"}\n`);
  const first = parseInputs([{ file: 'old/all.yaml', text: docs.join('') }]);
  const known = parsedDocuments(first.files, first.docs);
  // 40 changed in a row (more than are looked ahead), 20 added, 15 removed, one moved to the end.
  const changed = docs.map((d, i) => (i >= 100 && i < 140 ? d.replace('data: {k:', 'data: {changed:') : d));
  const added = Array.from({ length: 20 }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: new${i}, namespace: n}\n`);
  const after = [...changed.slice(0, 300), ...added, ...changed.slice(300, 400), ...changed.slice(415, 450), ...changed.slice(451), changed[450]!];
  const input = [{ file: 'new/all.yaml', text: after.join('') }];
  const reused = await parseInputsParallel(input, 1, Infinity, known);
  assert.deepEqual(reused.docs, parseInputs(input).docs);
  const firstValues = new Set(first.docs.map((d) => d.value));
  const shared = reused.docs.filter((d) => firstValues.has(d.value)).length;
  // The unchanged documents are found again, but for at most two: the first after the removed block, where the
  // search finds its place again, and the one moved to the end (a document alone not found is taken as changed).
  assert.ok(shared >= 500 - 40 - 15 - 2, `${shared} found again`);
});
