/**
 * Fixes as objects: every object a finding proposes (`fixObjects`) in the audit of
 * the demo and of every check's bad example is a valid object of its kind
 * (kubernetes-models), is what the fix text shows as YAML, and the audit's and the
 * guard's fix for the same gap come from the same builder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ALL_CHECKS } from '../src/checks/index.js';
import { runAudit } from '../src/checks/run.js';
import { DEFAULT_CONFIG, type Finding } from '../src/checks/types.js';
import { loadInput } from '../src/load/input.js';
import { inventoryFromText } from '../src/load/text.js';
import { analyze } from '../src/netpol/analysis.js';
import type { Inventory } from '../src/model/inventory.js';

const VALIDATORS: Record<string, (o: Record<string, unknown>) => void> = {
  NetworkPolicy: (o) => {
    new NetworkPolicy(o).validate();
  },
};

function audit(inventory: Inventory): readonly Finding[] {
  return runAudit(inventory, analyze(inventory), { config: DEFAULT_CONFIG, checks: ALL_CHECKS }).findings;
}

function assertValidFixes(findings: readonly Finding[], where: string): number {
  let n = 0;
  for (const f of findings) {
    for (const o of f.fixObjects ?? []) {
      const kind = String(o['kind']);
      const validate = VALIDATORS[kind];
      assert.ok(validate, `${where}: ${f.check} proposes a ${kind}, which this test cannot validate yet`);
      assert.doesNotThrow(() => {
        validate(o);
      }, `${where}: ${f.check} ${JSON.stringify(o)}`);
      n++;
    }
    if (f.fixObjects) {
      // The text shows exactly these objects.
      const docs = parseAllDocuments(f.fix.slice(f.fix.indexOf('\n') + 1)).map((d) => d.toJS() as unknown);
      assert.deepEqual(docs, f.fixObjects, `${where}: ${f.check}: fix text and objects agree`);
    }
  }
  return n;
}

test('every fix object in the audit of the demo is a valid object of its kind', async () => {
  const { inventory } = await loadInput({ kind: 'files', paths: ['examples/shop'] });
  const findings = audit(inventory);
  assert.ok(assertValidFixes(findings, 'examples/shop') > 0, 'the demo has segregation gaps with fix objects');
});

test("every fix object in the audit of each check's bad example is a valid object of its kind", () => {
  let total = 0;
  for (const check of ALL_CHECKS) total += assertValidFixes(audit(inventoryFromText(check.examples.bad, `${check.id}.yaml`)), `${check.id} bad example`);
  assert.ok(total > 0);
  const segChecks = ['seg-namespace-no-default-deny', 'seg-workload-not-isolated-ingress', 'seg-workload-not-isolated-egress'];
  for (const id of segChecks) {
    const check = ALL_CHECKS.find((c) => c.id === id)!;
    const mine = audit(inventoryFromText(check.examples.bad, `${id}.yaml`)).filter((f) => f.check === id);
    assert.ok(mine.length > 0 && mine.every((f) => (f.fixObjects?.length ?? 0) > 0), `${id} proposes objects`);
  }
});
