/**
 * `Check.policyReads` held to what each check does: on every fixture and example, the
 * NetworkPolicies' rules are rewritten (types and selected pods kept, so no pod changes
 * isolation) and a declaring check must find exactly what it found before, without ever
 * asking for a policy kind. `diff` relies on it to skip such checks on a second version
 * (test/diff-kept-checks.test.ts holds the whole diff to the one that runs every check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CHECKS } from './index.js';
import { checkContext } from './run.js';
import { DEFAULT_CONFIG, type CheckContext, type FindingDraft } from './types.js';
import { inventoryFromTexts } from '../load/text.js';
import { analyze } from '../netpol/analysis.js';
import type { Inventory } from '../model/inventory.js';

type Obj = Record<string, unknown>;
const POLICY_KIND = /NetworkPolicy|NetworkSet|^Tier$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ya?ml|json)$/.test(n) ? [p] : [];
  });
}

/** Every fixture, example and check example, as texts. */
function inputs(): { name: string; text: string }[] {
  const out = ['test/fixtures', 'examples'].flatMap(files).map((f) => ({ name: f, text: readFileSync(f, 'utf8') }));
  for (const c of ALL_CHECKS) out.push({ name: `${c.id} bad`, text: c.examples.bad }, { name: `${c.id} good`, text: c.examples.good });
  return out;
}

/** The inventory's v1 NetworkPolicies with other rules: the same types and pods, so the same isolation. */
function rewritten(inv: Inventory, variant: number): Obj[] {
  const types = new Map(inv.policies.map((p) => [`${p.namespace}/${p.name}`, p]));
  return inv.objects.map((o) => {
    if (o.object.kind !== 'NetworkPolicy' || o.object.apiVersion !== 'networking.k8s.io/v1') return o.object;
    const p = types.get(`${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`);
    if (!p) return o.object;
    const rule = (dir: 'from' | 'to'): Obj[] => (variant === 0 ? [] : variant === 1 ? [{}] : [{ [dir]: [{ namespaceSelector: {} }], ports: [{ port: 1234 }] }]);
    const spec = { ...(o.object['spec'] as Obj), policyTypes: [...(p.ingressType ? ['Ingress'] : []), ...(p.egressType ? ['Egress'] : [])], ingress: rule('from'), egress: rule('to') };
    return { ...(o.object as unknown as Obj), spec };
  });
}

const load = (objects: readonly Obj[]): Inventory => inventoryFromTexts([{ file: 'in.yaml', text: objects.map((o) => JSON.stringify(o)).join('\n---\n') }]);

/** What a finding says, without where its object sits in the file. */
const said = (d: FindingDraft): string => {
  const o = 'source' in d.object ? d.object.object : d.object;
  const ref = 'metadata' in o ? `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}` : `${o.kind}/${o.namespace ?? ''}/${o.name}`;
  return JSON.stringify([ref, d.path, d.severity, d.message, d.fix, d.fixObjects]);
};

function isolation(inv: Inventory): string {
  return analyze(inv).classes.flatMap((c) => c.endpoints.map((e) => `${e.id}:${c.ingressIsolated ? 1 : 0}${c.egressIsolated ? 1 : 0}`)).sort().join(',');
}

test('a check that declares policyReads finds the same when only the rules of the NetworkPolicies change, and never asks for a policy kind', () => {
  const declaring = ALL_CHECKS.filter((c) => c.policyReads !== undefined);
  assert.ok(declaring.length >= 20, 'most edge and encryption checks declare what they read');
  let compared = 0;
  let withFindings = 0;
  const config = { ...DEFAULT_CONFIG, requireEgressIsolation: true };
  for (const { name, text } of inputs()) {
    const base = inventoryFromTexts([{ file: name, text }]);
    if (base.policies.length === 0) continue;
    const original = load(base.objects.map((o) => o.object as unknown as Obj));
    for (const variant of [0, 1, 2]) {
      const changed = load(rewritten(base, variant));
      // The rewrite keeps isolation by construction; an input it does not (a policy the rewrite makes invalid) proves nothing.
      if (isolation(original) !== isolation(changed)) continue;
      compared++;
      const runs = [original, changed].map((inv) => {
        const ctx = checkContext(inv, analyze(inv), config);
        const asked = new Map<string, Set<string>>();
        return declaring.map((c) => {
          const kinds = new Set<string>();
          asked.set(c.id, kinds);
          const recording: CheckContext = { ...ctx, objectsOfKind: (k) => (kinds.add(k), ctx.objectsOfKind(k)) };
          const found = c.run(recording).map(said).sort();
          const policyKinds = [...kinds].filter((k) => POLICY_KIND.test(k));
          assert.deepEqual(policyKinds, [], `${c.id} declares policyReads ${c.policyReads} but asks for ${policyKinds.join(', ')} (${name})`);
          return found;
        });
      });
      declaring.forEach((c, i) => {
        assert.deepEqual(runs[1]![i], runs[0]![i], `${c.id} (policyReads ${c.policyReads}) found something else when only the rules changed (${name}, rewrite ${variant})`);
        if (runs[0]![i]!.length > 0) withFindings++;
      });
    }
  }
  assert.ok(compared >= 30, `${compared} inputs with NetworkPolicies compared`);
  assert.ok(withFindings >= 10, `${withFindings} comparisons where a declaring check found something`);
});
