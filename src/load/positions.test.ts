import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathSegments, textLocator } from './positions.js';
import { parseInputs } from './text.js';

test('pathSegments: keys, indexes and dotted label keys', () => {
  assert.deepEqual(pathSegments('spec.ingress[0].from[1]'), ['spec', 'ingress', 0, 'from', 1]);
  assert.deepEqual(pathSegments('items[3].spec'), ['items', 3, 'spec']);
  assert.deepEqual(pathSegments('a[1][2]'), ['a', 1, 2]);
  assert.deepEqual(pathSegments('metadata.labels.app.kubernetes.io/name'), ['metadata', 'labels', 'app', 'kubernetes', 'io/name']);
});

const POLICY_YAML = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
spec:
  podSelector: {}
  ingress:
    - from:
        - podSelector: {}
        - namespaceSelector:
            matchLabels:
              app.kubernetes.io/name: x
`;

const POLICY_JSON = `{
  "apiVersion": "networking.k8s.io/v1",
  "kind": "NetworkPolicy",
  "metadata": { "name": "p" },
  "spec": {
    "podSelector": {},
    "ingress": [
      {
        "from": [
          { "podSelector": {} },
          { "namespaceSelector": { "matchLabels": { "app.kubernetes.io/name": "x" } } }
        ]
      }
    ]
  }
}
`;

const LIST_YAML = `apiVersion: v1
kind: List
items:
  - kind: Service
    metadata: {name: a}
  - kind: Service
    metadata:
      name: b
    spec:
      ports:
        - port: 80
`;

const LIST_JSON = `{"apiVersion": "v1", "kind": "List", "items": [
  {"kind": "Service", "metadata": {"name": "a"}},
  {"kind": "Service",
   "metadata": {"name": "b"},
   "spec": {"ports": [
     {"port": 80}
   ]}}
]}
`;

const MULTI = `# leading comment
apiVersion: v1
kind: Service
metadata:
  name: one
---
apiVersion: v1
kind: Service
metadata:
  name: two
spec:
  ports:
    - port: 80
...
---
kind: Service
metadata: {name: three}
spec: {ports: [{port: 80}, {port: 443}]}
`;

const FLOW = `{kind: NetworkPolicy, metadata: {name: p},
 spec: {podSelector: {},
   ingress: [{from: [{podSelector: {}},
                     {namespaceSelector: {}}]}]}}
`;

interface Case {
  readonly name: string;
  readonly file: string;
  readonly text: string;
  readonly doc?: number;
  readonly itemPath?: string;
  readonly path: string;
  /** One-based line, or undefined when nothing in the document matches. */
  readonly line: number | undefined;
}

const CASES: readonly Case[] = [
  { name: 'YAML: a top-level key', file: 'p.yaml', text: POLICY_YAML, path: 'spec', line: 6 },
  { name: 'YAML: an empty path is the document', file: 'p.yaml', text: POLICY_YAML, path: '', line: 1 },
  { name: 'YAML: list indexes', file: 'p.yaml', text: POLICY_YAML, path: 'spec.ingress[0].from[1]', line: 10 },
  { name: 'YAML: a dotted label key', file: 'p.yaml', text: POLICY_YAML, path: 'spec.ingress[0].from[1].namespaceSelector.matchLabels.app.kubernetes.io/name', line: 12 },
  { name: 'YAML: a missing index stops at the deepest existing node (the from: list)', file: 'p.yaml', text: POLICY_YAML, path: 'spec.ingress[0].from[7].podSelector', line: 9 },
  { name: 'YAML: an empty-map value is located at the value', file: 'p.yaml', text: POLICY_YAML, path: 'spec.podSelector', line: 6 },
  { name: 'YAML: a byte-order mark does not shift lines', file: 'bom.yaml', text: `\uFEFF${POLICY_YAML}`, path: 'spec.ingress[0].from[1]', line: 10 },
  { name: 'YAML List: item itemPath', file: 'l.yaml', text: LIST_YAML, itemPath: 'items[1]', path: 'spec.ports[0]', line: 11 },
  { name: 'YAML List: item metadata', file: 'l.yaml', text: LIST_YAML, itemPath: 'items[1]', path: 'metadata.name', line: 8 },
  { name: 'YAML List: the path may carry the item index itself', file: 'l.yaml', text: LIST_YAML, path: 'items[0].metadata', line: 5 },
  { name: 'multi-document: first document', file: 'm.yaml', text: MULTI, doc: 0, path: 'metadata.name', line: 5 },
  { name: 'multi-document: second document', file: 'm.yaml', text: MULTI, doc: 1, path: 'spec.ports[0]', line: 13 },
  { name: 'multi-document: after ... and ---, flow style', file: 'm.yaml', text: MULTI, doc: 2, path: 'spec.ports[1]', line: 18 },
  { name: 'multi-document: a document that does not exist', file: 'm.yaml', text: MULTI, doc: 9, path: 'spec', line: undefined },
  { name: 'flow style over several lines', file: 'f.yaml', text: FLOW, path: 'spec.ingress[0].from[1]', line: 4 },
  { name: 'JSON: list indexes', file: 'p.json', text: POLICY_JSON, path: 'spec.ingress[0].from[1]', line: 11 },
  { name: 'JSON: a dotted label key', file: 'p.json', text: POLICY_JSON, path: 'spec.ingress[0].from[1].namespaceSelector.matchLabels.app.kubernetes.io/name', line: 11 },
  { name: 'JSON: metadata', file: 'p.json', text: POLICY_JSON, path: 'metadata.name', line: 4 },
  { name: 'JSON: a byte-order mark does not shift lines', file: 'bom.json', text: `\uFEFF${POLICY_JSON}`, path: 'spec.podSelector', line: 6 },
  { name: 'JSON List: item itemPath', file: 'l.json', text: LIST_JSON, itemPath: 'items[1]', path: 'spec.ports[0]', line: 6 },
  { name: 'JSON List: item metadata', file: 'l.json', text: LIST_JSON, itemPath: 'items[1]', path: 'metadata', line: 4 },
  { name: 'an unknown file', file: 'p.yaml', text: POLICY_YAML, path: 'spec', line: undefined },
];

for (const c of CASES) {
  test(`textLocator: ${c.name}`, () => {
    const parsed = parseInputs([{ file: c.file, text: c.text }]);
    assert.deepEqual(parsed.diagnostics, []);
    const locate = textLocator(parsed.files);
    const file = c.name === 'an unknown file' ? 'other.yaml' : c.file;
    const source = { file, doc: c.doc ?? 0, line: 1, ...(c.itemPath !== undefined ? { itemPath: c.itemPath } : {}) };
    assert.equal(locate(source, c.path), c.line);
  });
}

test('textLocator: repeated look-ups in one document agree (the re-parse is cached)', () => {
  const locate = textLocator(parseInputs([{ file: 'm.yaml', text: MULTI }]).files);
  const src = { file: 'm.yaml', doc: 1, line: 7 };
  assert.equal(locate(src, 'spec.ports[0]'), 13);
  assert.equal(locate(src, 'spec.ports[0]'), 13);
  assert.equal(locate(src, 'metadata.name'), 10);
});
