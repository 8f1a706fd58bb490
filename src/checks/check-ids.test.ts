/** Check ids named in text (config `ignore:`, the meshless.dev/ignore annotation) are validated against the registry, with "did you mean". */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuditConfig } from './config.js';
import { ALL_CHECKS, CHECK_IDS, unknownCheckProblem } from './index.js';
import { runAudit } from './run.js';
import { DEFAULT_CONFIG } from './types.js';
import { inventoryFromText } from '../load/text.js';
import { analyze } from '../netpol/analysis.js';
import { DENYING_EDGE_CHECKS } from '../guard/decide.js';

test('every registered id is known; a typo gets the nearest id', () => {
  for (const id of CHECK_IDS) assert.equal(unknownCheckProblem(id), undefined);
  assert.match(unknownCheckProblem('seg-workload-not-isolated-ingres')!, /unknown check "seg-workload-not-isolated-ingres"; did you mean seg-workload-not-isolated-ingress\?/);
});

test('config ignore: a typo is rejected, naming the field and the nearest id', () => {
  const r = parseAuditConfig({ ignore: ['tls-host-without-tls', 'tls-host-witout-tls'] });
  assert.ok('problems' in r);
  assert.deepEqual(r.problems, ['ignore.1: unknown check "tls-host-witout-tls"; did you mean tls-host-without-tls? (meshless checks lists them)']);
  const ok = parseAuditConfig({ ignore: ['tls-host-without-tls'] });
  assert.ok(!('problems' in ok) && ok.ignore[0] === 'tls-host-without-tls');
});

test('the meshless.dev/ignore annotation: an unknown id is a warning and suppresses nothing', () => {
  const inv = inventoryFromText(`apiVersion: v1
kind: Namespace
metadata:
  name: shop
  annotations:
    meshless.dev/ignore: seg-namespace-no-defaut-deny, *
    meshless.dev/ignore-reason: testing
`, 'ns.yaml');
  const r = runAudit(inv, analyze(inv), { config: DEFAULT_CONFIG, checks: ALL_CHECKS });
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0]!.severity, 'warning');
  assert.match(r.diagnostics[0]!.message, /Namespace shop: meshless\.dev\/ignore names an unknown check "seg-namespace-no-defaut-deny"; did you mean seg-namespace-no-default-deny\?/);
  assert.equal(r.diagnostics[0]!.source?.file, 'ns.yaml');
});

test('AuditSettings accepted: an unknown check id and an entry without a reason are warnings, and accept nothing', () => {
  const inv = inventoryFromText(`apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers: [{name: web, image: web:1}]
---
apiVersion: meshless.dev/v1alpha1
kind: AuditSettings
metadata:
  name: meshless-audit
networkTeam: [network-team]
podCidrs: [10.244.0.0/16]
accepted:
  - {check: seg-namespace-no-defaut-deny, kind: Namespace, name: shop, reason: add-ons}
  - {check: seg-namespace-no-default-deny, kind: Namespace, name: shop}
`, 'settings.yaml');
  const r = runAudit(inv, analyze(inv), { config: DEFAULT_CONFIG, checks: ALL_CHECKS });
  const messages = r.diagnostics.map((d) => d.message);
  assert.ok(messages.some((m) => /AuditSettings \(settings\.yaml:\d+\): accepted names an unknown check "seg-namespace-no-defaut-deny"; did you mean seg-namespace-no-default-deny\?/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /AuditSettings settings\.yaml:\d+: accepted\[1\] has no reason; it accepts nothing/.test(m)), messages.join('\n'));
  const f = r.findings.find((x) => x.check === 'seg-namespace-no-default-deny');
  assert.ok(f, 'the finding is still reported');
  assert.equal(f.suppressed, undefined);
});

test('admission behaviour is declared on the check: the guard denies exactly for checks that say so', () => {
  const declared = ALL_CHECKS.filter((c) => c.admission === 'deny').map((c) => c.id).sort();
  assert.deepEqual([...DENYING_EDGE_CHECKS].sort(), declared);
  assert.ok(declared.length > 0);
});
