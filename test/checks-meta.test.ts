/**
 * Meta-tests that keep the checks, their docs and their examples in step
 * (as typescript-eslint does for its rules).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ALL_CHECKS } from '../src/checks/index.js';
import { runAudit } from '../src/checks/run.js';
import { CONTROLS, DEFAULT_CONFIG, SEVERITIES } from '../src/checks/types.js';
import { inventoryFromText } from '../src/load/text.js';
import { buildInventory } from '../src/model/inventory.js';
import { analyze } from '../src/netpol/analysis.js';
import { checkPage, checksIndex } from '../src/report/checks-doc.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function audit(yamlText: string) {
  const inv = inventoryFromText(yamlText, 'example.yaml');
  return { inv, result: runAudit(inv, analyze(inv), { config: { ...DEFAULT_CONFIG, networkTeam: ['network-team'] }, checks: ALL_CHECKS }) };
}

test('every check: id equals its file name, ids are unique, metadata is complete', () => {
  const ids = new Set<string>();
  for (const c of ALL_CHECKS) {
    assert.match(c.id, /^[a-z0-9]+(-[a-z0-9]+)*$/, c.id);
    assert.ok(!ids.has(c.id), `duplicate id ${c.id}`);
    ids.add(c.id);
    assert.ok(existsSync(join(root, 'src/checks', `${c.id}.ts`)), `src/checks/${c.id}.ts`);
    assert.ok(CONTROLS.includes(c.control), c.id);
    assert.ok(SEVERITIES.includes(c.severity), c.id);
    assert.ok(c.title.length > 10 && c.rationale.length > 40 && c.fixSummary.length > 10, `${c.id}: title, rationale and fixSummary say something`);
  }
  for (const control of CONTROLS) assert.ok(ALL_CHECKS.some((c) => c.control === control), `a check for ${control}`);
});

test('every check has an up-to-date docs page (npm run docs)', () => {
  for (const c of ALL_CHECKS) {
    const file = join(root, 'docs/checks', `${c.id}.md`);
    assert.ok(existsSync(file), `docs/checks/${c.id}.md is missing: run npm run docs`);
    assert.equal(readFileSync(file, 'utf8'), checkPage(c), `docs/checks/${c.id}.md is stale: run npm run docs`);
  }
  assert.equal(readFileSync(join(root, 'docs/checks/README.md'), 'utf8'), checksIndex(ALL_CHECKS), 'docs/checks/README.md is stale: run npm run docs');
});

for (const c of ALL_CHECKS) {
  test(`${c.id}: its bad example is reported and its good example is not`, () => {
    const bad = audit(c.examples.bad);
    assert.equal(bad.inv.diagnostics.filter((d) => d.severity === 'error').length, 0, `${c.id} bad example must be valid Kubernetes: ${bad.inv.diagnostics.map((d) => d.message).join('; ')}`);
    const found = bad.result.findings.filter((f) => f.check === c.id);
    assert.ok(found.length > 0, `${c.id}: the bad example gives no finding`);
    for (const f of found) {
      assert.ok(f.message.length > 0 && f.fix.trim().length > 0, `${c.id}: message and fix`);
      assert.equal(f.object.file, 'example.yaml', `${c.id}: the finding points at the file`);
      assert.ok((f.object.line ?? 0) >= 1, `${c.id}: and at a line`);
    }
    const good = audit(c.examples.good);
    assert.equal(good.inv.diagnostics.filter((d) => d.severity === 'error').length, 0, `${c.id} good example must be valid Kubernetes`);
    const wrong = good.result.findings.filter((f) => f.check === c.id);
    assert.deepEqual(wrong.map((f) => f.message), [], `${c.id}: the good example is reported`);
    assert.deepEqual(good.result.errors, []);
  });
}

const kinds = ['Pod', 'Deployment', 'Service', 'Ingress', 'NetworkPolicy', 'Namespace', 'HTTPRoute', 'Gateway', 'SecurityPolicy', 'RoleBinding', 'ClusterRole', 'ConfigMap', 'FelixConfiguration', 'IngressRoute', 'Middleware', 'ClusterIssuer'];
const junk = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.string(), fc.constantFrom('*', '', 'nginx', 'true', 'Ingress', '0.0.0.0/0', 'http'), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom('spec', 'metadata', 'rules', 'tls', 'hosts', 'annotations', 'labels', 'selector', 'podSelector', 'ingress', 'egress', 'from', 'to', 'ports', 'parentRefs', 'listeners', 'subjects', 'roleRef', 'data', 'containers', 'args', 'targetRefs', 'extAuth', 'routes', 'middlewares'), tie('value'), { maxKeys: 4 }),
}));
const objectArb = fc.record({
  apiVersion: fc.constantFrom('v1', 'apps/v1', 'networking.k8s.io/v1', 'gateway.networking.k8s.io/v1', 'gateway.envoyproxy.io/v1alpha1', 'rbac.authorization.k8s.io/v1', 'traefik.io/v1alpha1', 'cert-manager.io/v1', 'crd.projectcalico.org/v1'),
  kind: fc.constantFrom(...kinds),
  metadata: fc.record({ name: fc.constantFrom('a', 'b', 'default', 'oauth2-proxy'), namespace: fc.constantFrom('x', 'y', 'kube-system'), annotations: fc.dictionary(fc.constantFrom('nginx.ingress.kubernetes.io/auth-url', 'cert-manager.io/cluster-issuer', 'meshless.dev/ignore'), fc.string(), { maxKeys: 2 }) }, { requiredKeys: ['name'] }),
  spec: junk.value,
});

test('auditing never throws, whatever the objects (property)', () => {
  fc.assert(
    fc.property(fc.array(objectArb, { maxLength: 8 }), (objects) => {
      const inv = buildInventory(objects.map((value, i) => ({ value, source: { file: 'junk.yaml', doc: i, line: 1 } })));
      const result = runAudit(inv, analyze(inv), { config: DEFAULT_CONFIG, checks: ALL_CHECKS });
      assert.deepEqual(result.errors, [], 'no check may throw');
    }),
    { numRuns: 300 },
  );
});
