/**
 * The digest of a Pod review: equal to JSON.parse of the body less the entries it
 * drops, undefined wherever it cannot be sure, and — the property the server
 * relies on — whenever deciding from the digest gives a plain allow, deciding
 * from the whole body gives the same answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { admissionResponse, decide, DEFAULT_GUARD_CONFIG, parseAdmissionReview, snapshotFromObjects, type GuardConfig, type GuardDecision } from './decide.js';
import { digestPodReview, POD_REVIEW_DROPS } from './pod-review.js';

type Obj = Record<string, unknown>;

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 300);

function digestOf(text: string): Obj | undefined {
  const bytes = Buffer.from(text, 'utf8');
  return digestPodReview(bytes, bytes.toString('latin1'));
}

/** What the digest should be: the full parse less the dropped entries (applied to the last of duplicate keys, as JSON.parse keeps). */
function pruned(value: unknown, rule: typeof POD_REVIEW_DROPS = POD_REVIEW_DROPS): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value as Obj)) {
    if (rule.drop?.includes(k)) continue;
    const sub = rule.into?.find(([name]) => name === k)?.[1];
    out[k] = sub && typeof v === 'object' && v !== null && !Array.isArray(v) ? pruned(v, sub) : v;
  }
  return out;
}

function review(object: unknown, request: Obj = {}): Obj {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      ...request,
    },
  };
}

function pod(labels: Record<string, string>, spec: Obj = {}, meta: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'web-7c9d5b8f4d-',
      namespace: 'shop',
      labels,
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'k:{"uid":"4b1d"}': {} } } }],
      ...meta,
    },
    spec: {
      serviceAccountName: 'web',
      containers: [{ name: 'web', image: 'example/web:1', ports: [{ containerPort: 8080, name: 'http' }], readinessProbe: { httpGet: { path: '/healthz', port: 'http' } } }],
      volumes: [{ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      ...spec,
    },
    status: { phase: 'Pending' },
  };
}

test('the digest is the review less userInfo, options, oldObject, status, managedFields and the lists and objects of the spec', () => {
  const body = review(pod({ app: 'web' }, { hostNetwork: false, priority: 0 }, { annotations: { 'meshless.dev/ignore': 'x' } }));
  const d = digestOf(JSON.stringify(body));
  assert.deepEqual(d, pruned(body));
  const req = d!['request'] as Obj;
  assert.deepEqual(Object.keys(req), ['uid', 'kind', 'resource', 'namespace', 'operation', 'object', 'dryRun']);
  const object = req['object'] as Obj;
  assert.deepEqual(Object.keys(object), ['apiVersion', 'kind', 'metadata', 'spec']);
  assert.deepEqual(object['spec'], { serviceAccountName: 'web', hostNetwork: false, priority: 0 });
  assert.deepEqual(Object.keys(object['metadata'] as Obj), ['generateName', 'namespace', 'labels', 'annotations']);
});

test('whitespace, key order and duplicate keys read as JSON.parse reads them', () => {
  const cases: readonly [string, string][] = [
    ['pretty-printed', JSON.stringify(review(pod({ app: 'web' })), null, 2)],
    ['CRLF and tabs', JSON.stringify(review(pod({ app: 'web' })), null, '\t').replace(/\n/g, '\r\n')],
    ['request first', `{"request":${JSON.stringify(review(pod({ app: 'web' }))['request'])},"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}`],
    // JSON.parse keeps the last of duplicate keys; so must the digest.
    ['duplicate labels', JSON.stringify(review(pod({ app: 'web' }))).replace('"labels":{"app":"web"}', '"labels":{"app":"web"},"labels":{"app":"db"}')],
    ['duplicate object', JSON.stringify(review(pod({ app: 'web' }))).replace('"oldObject":null', `"object":${JSON.stringify(pod({ app: 'db' }))},"oldObject":null`)],
    ['duplicate dropped key', JSON.stringify(review(pod({ app: 'web' }))).replace('"status":{', '"status":1,"status":{')],
    ['escaped values', JSON.stringify(review(pod({ app: 'we"b\\\u00e9'.slice(0, 5) }, {}, { annotations: { note: 'a "quoted" \\ value\n' } })))],
    ['empty objects', JSON.stringify(review({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: {} }))],
  ];
  for (const [name, text] of cases) {
    const d = digestOf(text);
    assert.ok(d, name);
    assert.deepEqual(d, pruned(JSON.parse(text)), name);
  }
});

test('undefined wherever the digest cannot be sure: the server then parses the whole body', () => {
  const good = JSON.stringify(review(pod({ app: 'web' })));
  const cases: readonly [string, string][] = [
    ['a Deployment', JSON.stringify(review({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: {} }, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }))],
    ['a Pod of another group', JSON.stringify(review(pod({}), { kind: { group: 'example.com', version: 'v1', kind: 'Pod' } }))],
    ['no request', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}'],
    ['an escaped key', good.replace('"labels"', '"lab\\u0065ls"')],
    ['truncated', good.slice(0, good.length - 10)],
    ['trailing garbage', `${good} x`],
    ['an unterminated string', good.slice(0, good.indexOf('"readinessProbe"') + 5)],
    ['brackets that do not match', good.replace('"ports":[{', '"ports":{{')],
    ['a root that is not an object', '[1,2]'],
    ['an invalid kept value', good.replace('"operation":"CREATE"', '"operation":CREATE')],
    ['an invalid kept number', good.replace('"dryRun":false', '"dryRun":01')],
    ['nesting deeper than a Pod review', good.replace('"readinessProbe":{', `"readinessProbe":${'['.repeat(80)}${']'.repeat(80)},"x":{`)],
    ['empty', ''],
  ];
  for (const [name, text] of cases) assert.equal(digestOf(text), undefined, name);
});

test('the skipped values are scanned for structure only: a syntax error inside a container does not stop a digest', () => {
  // The documented limit: the API server only sends valid JSON; the server answers from the digest only a plain allow.
  const text = JSON.stringify(review(pod({ app: 'web' }))).replace('"containerPort":8080', '"containerPort":08080');
  assert.throws(() => JSON.parse(text));
  const d = digestOf(text);
  assert.ok(d);
  assert.equal(((d['request'] as Obj)['object'] as Obj)['kind'], 'Pod');
});

// ---- properties ---------------------------------------------------------------

const key = fc.constantFrom('app', 'tier', 'version', 'team', 'role', 'pod-template-hash');
const value = fc.constantFrom('web', 'db', 'api', 'v1', 'v2', 'x');
const labelsArb = fc.dictionary(key, value, { maxKeys: 4 });
const json = fc.jsonValue({ maxDepth: 3 });

test('property: for any JSON in a Pod review, the digest equals JSON.parse less the dropped entries', () => {
  fc.assert(
    fc.property(labelsArb, fc.dictionary(fc.string(), json, { maxKeys: 4 }), fc.dictionary(fc.string(), json, { maxKeys: 4 }), fc.dictionary(fc.string(), json, { maxKeys: 3 }), fc.boolean(), (labels, specExtra, metaExtra, requestExtra, pretty) => {
      const body = review(pod(labels, specExtra, metaExtra), requestExtra);
      const text = JSON.stringify(body, null, pretty ? 1 : undefined);
      const d = digestOf(text);
      const full = JSON.parse(text) as Obj;
      const kind: unknown = (full['request'] as Obj)['kind'];
      const isPod = typeof kind === 'object' && kind !== null && (kind as Obj)['kind'] === 'Pod' && ((kind as Obj)['group'] ?? '') === '';
      if (d === undefined) {
        // Only an escaped or non-ASCII key on the path, or a review that is not a Pod's, may be refused.
        assert.ok(!isPod || text.includes('\\') || Buffer.byteLength(text) !== text.length, text);
        return;
      }
      assert.ok(isPod);
      assert.deepEqual(d, pruned(full));
    }),
    { numRuns: RUNS },
  );
});

const policiesArb = fc.array(
  fc.record({ namespace: fc.constantFrom('shop', 'other'), selector: labelsArb, types: fc.subarray(['Ingress', 'Egress'] as const) }),
  { maxLength: 4 },
);

test('property: when the digest decides a plain allow, the whole body decides the same answer', () => {
  let plain = 0;
  fc.assert(
    fc.property(
      labelsArb,
      policiesArb,
      fc.record({ hostNetwork: fc.option(fc.boolean(), { nil: undefined }), deleting: fc.boolean(), ignore: fc.boolean(), requireEgress: fc.boolean(), exempt: fc.boolean(), mode: fc.constantFrom('enforce', 'warn', 'audit-only' as const), operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE') }),
      (labels, policies, o) => {
        const objects = [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
          ...policies.map((p, i) => ({
            apiVersion: 'networking.k8s.io/v1',
            kind: 'NetworkPolicy',
            metadata: { name: `p${i}`, namespace: p.namespace },
            spec: { podSelector: { matchLabels: p.selector }, ...(p.types.length > 0 ? { policyTypes: p.types } : {}) },
          })),
        ];
        const snapshot = snapshotFromObjects(objects);
        const config: GuardConfig = { ...DEFAULT_GUARD_CONFIG, mode: o.mode, requireEgress: o.requireEgress, exemptNamespaces: o.exempt ? [...DEFAULT_GUARD_CONFIG.exemptNamespaces, 'shop'] : DEFAULT_GUARD_CONFIG.exemptNamespaces };
        const meta: Obj = {
          ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
          ...(o.ignore ? { annotations: { 'meshless.dev/ignore': 'seg-workload-not-isolated-ingress,seg-workload-not-isolated-egress', 'meshless.dev/ignore-reason': 'batch job' } } : {}),
        };
        const text = JSON.stringify(review(pod(labels, o.hostNetwork === undefined ? {} : { hostNetwork: o.hostNetwork }, meta), { operation: o.operation }));
        const decideFrom = (body: unknown): GuardDecision => {
          const r = parseAdmissionReview(body);
          assert.ok('request' in r);
          return decide(r.request, snapshot, config);
        };
        const fromDigest = decideFrom(digestOf(text));
        const fromFull = decideFrom(JSON.parse(text));
        if (fromDigest.verdict === 'allowed' && fromDigest.warnings.length === 0 && fromDigest.status === undefined && fromDigest.auditAnnotations === undefined) {
          plain++;
          assert.deepEqual(admissionResponse('u-1', fromDigest), admissionResponse('u-1', fromFull));
          assert.deepEqual(fromDigest, fromFull);
        }
      },
    ),
    { numRuns: RUNS },
  );
  assert.ok(plain > RUNS / 10, `plain allows seen: ${plain}`);
});
