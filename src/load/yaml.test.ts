import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseText, splitDocuments } from './yaml.js';
import { inventoryFromText } from './text.js';

test('splitDocuments: spans start at --- lines and know their first line', () => {
  const text = 'a: 1\n---\nb: 2\n--- # c\nc: 3\n...\nd: 4\n';
  const spans = splitDocuments(text);
  assert.deepEqual(spans.map((s) => s.startLine), [1, 2, 4, 7]);
  assert.deepEqual(spans.map((s) => text.slice(s.start, s.end).trim()), ['a: 1', '---\nb: 2', '--- # c\nc: 3', 'd: 4']);
});

test('a --- inside a block scalar is indented, so it is not a document marker', () => {
  const { docs, diagnostics } = parseText('data:\n  x: |\n    ---\n    y\n---\nb: 1\n', 'f.yaml');
  assert.equal(diagnostics.length, 0);
  assert.equal(docs.length, 2);
  assert.deepEqual(docs[0]!.value, { data: { x: '---\ny\n' } });
});

test('a syntax error names file, line and column, and the other documents still load', () => {
  const { docs, diagnostics } = parseText('a: 1\n---\nb: [1,\n---\nc: 3\n', 'bad.yaml');
  assert.deepEqual(docs.map((d) => d.value), [{ a: 1 }, { c: 3 }]);
  assert.equal(diagnostics.length, 1);
  const d = diagnostics[0]!;
  assert.equal(d.code, 'yaml-syntax');
  assert.equal(d.source?.file, 'bad.yaml');
  assert.equal(d.line, 4);
  assert.ok(d.column !== undefined);
  assert.match(d.message, /document 2 is skipped/);
});

test('duplicate keys are an error, as kubectl treats them', () => {
  const { docs, diagnostics } = parseText('a: 1\na: 2\n', 'dup.yaml');
  assert.equal(docs.length, 0);
  assert.match(diagnostics[0]!.message, /duplicated mapping key/);
  assert.equal(diagnostics[0]!.line, 2);
});

test('merge keys are honoured and timestamps stay strings', () => {
  const { docs } = parseText('base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\nwhen: 2024-01-01T00:00:00Z\n', 'm.yaml');
  assert.deepEqual(docs[0]!.value, { base: { x: 1 }, child: { x: 1, y: 2 }, when: '2024-01-01T00:00:00Z' });
});

test('an alias bomb is refused with a clear message', () => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const { docs, diagnostics } = parseText(`${lines.join('\n')}\n---\nok: 1\n`, 'bomb.yaml');
  assert.deepEqual(docs.map((d) => d.value), [{ ok: 1 }]);
  assert.match(diagnostics[0]!.message, /billion laughs/);
});

test('absurd nesting is refused, not a crash', () => {
  const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
  const { docs, diagnostics } = parseText(`x: ${deep}\n---\nok: 1\n`, 'deep.yaml');
  assert.deepEqual(docs.map((d) => d.value), [{ ok: 1 }]);
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0]!.message, /nesting|deep/);
  const json = parseText(`{"x": ${'['.repeat(200)}${']'.repeat(200)}}`, 'deep.json');
  assert.equal(json.docs.length, 0);
  assert.match(json.diagnostics[0]!.message, /deeper than/);
});

test('JSON files are read with JSON.parse; a JSON error names its line and column', () => {
  const ok = parseText('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}', 'ns.json');
  assert.equal(ok.docs.length, 1);
  const bad = parseText('{\n  "a": 1,\n  "b": }\n', 'bad.json');
  assert.equal(bad.docs.length, 0);
  assert.equal(bad.diagnostics[0]!.line, 3);
});

test('List objects are flattened, and each item points at its own line', () => {
  const text = [
    'apiVersion: v1',
    'kind: List',
    'items:',
    '- apiVersion: v1',
    '  kind: Namespace',
    '  metadata: {name: a}',
    '- apiVersion: networking.k8s.io/v1',
    '  kind: NetworkPolicy',
    '  metadata: {name: p, namespace: a}',
    '  spec:',
    '    podSelector: {}',
    '    ingress:',
    '    - ports:',
    '      - port: 0',
  ].join('\n');
  const inv = inventoryFromText(text, 'list.yaml');
  assert.equal(inv.summary.read, 2);
  const err = inv.diagnostics.find((d) => d.code === 'invalid-object');
  assert.ok(err);
  assert.equal(err.path, 'spec.ingress[0].ports[0].port');
  assert.equal(err.line, 14);
});

test('a large kubectl get -o json List (10,000 pods, namespaces, policies) is read whole: JSON has no aliases to cap', () => {
  const pod = (i: number): unknown => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${i}`,
      namespace: `ns-${i % 20}`,
      uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      labels: { app: 'web', 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/part-of': 'shop', shard: String(i % 7) },
      annotations: { 'kubectl.kubernetes.io/default-container': 'web', 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
    },
    spec: {
      serviceAccountName: 'web',
      containers: [0, 1, 2].map((c) => ({
        name: `c${c}`,
        image: 'example/web:1',
        ports: [{ name: `http-${c}`, containerPort: 8080 + c, protocol: 'TCP' }],
        env: Array.from({ length: 30 }, (_, e) => ({ name: `VAR_${e}`, value: String(e) })),
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
      })),
    },
    status: { phase: 'Running', podIP: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, podIPs: [{ ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }], conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const items: unknown[] = [];
  for (let n = 0; n < 20; n++) items.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}`, labels: { 'kubernetes.io/metadata.name': `ns-${n}` } } });
  for (let i = 0; i < 10_000; i++) items.push(pod(i));
  for (let n = 0; n < 20; n++) items.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: `ns-${n}` }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
  const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }, null, 4);
  const { docs, diagnostics } = parseText(text, '<stdin>');
  assert.deepEqual(diagnostics, []);
  assert.equal(docs.length, 1);
  const inv = inventoryFromText(text, 'all.json');
  assert.equal(inv.endpoints.length, 10_000);
  assert.equal(inv.policies.length, 20);
});
