/**
 * `Check.policyReads` held to what each check does, on every fixture and example. `none`
 * and `isolation`: the NetworkPolicies' rules are rewritten (types and selected pods
 * kept, so no pod changes isolation) and a declaring check must find exactly what it
 * found before, without ever asking for a policy kind. `namespace`: the policies of one
 * namespace are rewritten or removed, and a declaring check must find the same about
 * every other namespace, and, asked only about that namespace, what it finds there in
 * full. `diff` relies on it to skip such checks on a second version, or to run them only
 * where the policies changed (test/diff-kept-checks.test.ts holds the whole diff to the
 * one that runs every check in full).
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

test('a check that declares policyReads none or isolation finds the same when only the rules of the NetworkPolicies change, and never asks for a policy kind', () => {
  const declaring = ALL_CHECKS.filter((c) => c.policyReads === 'none' || c.policyReads === 'isolation');
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

/**
 * A data workload open to every namespace (seg-data-ingress-all-namespaces' bad example)
 * whose clients' namespaces deny egress: what that check says depends on the clients'
 * policies too, so a change there must show if it ever declared itself local.
 */
function heldBack(): { name: string; text: string; every: true }[] {
  const example = ALL_CHECKS.find((c) => c.id === 'seg-data-ingress-all-namespaces')!.examples.bad;
  const inv = inventoryFromTexts([{ file: 'example.yaml', text: example }]);
  const clients = [...new Set(inv.endpoints.map((e) => e.namespace))].filter((ns) => !inv.policies.some((p) => p.namespace === ns));
  const deny = clients.map((ns) => `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-egress, namespace: ${ns}}\nspec: {podSelector: {}, policyTypes: [Egress]}\n`);
  return [{ name: 'data workload, clients held back', text: `${example}\n${deny.join('')}`, every: true }];
}

/** The namespace a finding is about (its object's, or a Namespace's own name). */
function draftNamespace(d: FindingDraft): string | undefined {
  const o = 'source' in d.object ? d.object.object : d.object;
  if ('metadata' in o) return o.metadata.namespace ?? (o.kind === 'Namespace' ? o.metadata.name : undefined);
  return o.namespace ?? (o.kind === 'Namespace' ? o.name : undefined);
}

/** The objects with the v1 NetworkPolicies of namespace `ns` given other rules (variants 0-2, as `rewritten`) or taken away (3). */
function rewrittenIn(inv: Inventory, ns: string, variant: number): Obj[] {
  const out: Obj[] = [];
  for (const o of inv.objects) {
    const isPolicy = o.object.kind === 'NetworkPolicy' && o.object.apiVersion === 'networking.k8s.io/v1' && o.object.metadata.namespace === ns;
    if (!isPolicy) out.push(o.object);
    else if (variant < 3) {
      const rule = (dir: 'from' | 'to'): Obj[] => (variant === 0 ? [] : variant === 1 ? [{}] : [{ [dir]: [{ namespaceSelector: {} }], ports: [{ port: 1234 }] }]);
      out.push({ ...(o.object as unknown as Obj), spec: { ...(o.object['spec'] as Obj), ingress: rule('from'), egress: rule('to') } });
    }
  }
  return out;
}

test("a check that declares policyReads namespace finds the same about the other namespaces when one namespace's policies change, and asked about one namespace, what it finds there in full", () => {
  const local = ALL_CHECKS.filter((c) => c.policyReads === 'namespace');
  assert.ok(local.length >= 4, 'the policy checks whose findings stay in a namespace declare it');
  const config = { ...DEFAULT_CONFIG, requireEgressIsolation: true };
  let compared = 0;
  let outside = 0;
  let inside = 0;
  const findings = (ctx: CheckContext, c: (typeof local)[number], keep: (ns: string | undefined) => boolean): string[] => c.run(ctx).filter((d) => keep(draftNamespace(d))).map(said).sort();
  for (const { name, text, every } of [...inputs().map((i) => ({ ...i, every: false })), ...heldBack()]) {
    const base = inventoryFromTexts([{ file: name, text }]);
    // A few namespaces with policies per input keep the test quick; the fixtures vary enough.
    const namespaces = [...new Set(base.policies.map((p) => p.namespace))].sort().slice(0, every ? undefined : 3);
    if (namespaces.length === 0) continue;
    const original = load(base.objects.map((o) => o.object as unknown as Obj));
    const ctxOf = (inv: Inventory, only?: ReadonlySet<string>): CheckContext => checkContext(inv, analyze(inv), config, only);
    const before = ctxOf(original);
    for (const ns of namespaces) {
      // Asked only about ns, a check finds there (and about objects of no namespace) what it finds in full.
      const asked = ctxOf(original, new Set([ns]));
      for (const c of local) {
        const here = (n: string | undefined): boolean => n === undefined || n === ns;
        const full = findings(before, c, here);
        assert.deepEqual(findings(asked, c, here), full, `${c.id} asked about ${ns} only (${name})`);
        if (full.length > 0) inside++;
      }
      for (const variant of [0, 1, 2, 3]) {
        const changed = load(rewrittenIn(base, ns, variant));
        // A namespace that only its policies name goes with them: diff then runs every check in full (diff-scope.ts).
        if ([...original.namespaces.keys()].sort().join() !== [...changed.namespaces.keys()].sort().join()) continue;
        const after = ctxOf(changed);
        compared++;
        for (const c of local) {
          const elsewhere = (n: string | undefined): boolean => n !== undefined && n !== ns;
          const was = findings(before, c, elsewhere);
          assert.deepEqual(findings(after, c, elsewhere), was, `${c.id} (policyReads namespace) found something else outside ${ns} when only its policies changed (${name}, rewrite ${variant})`);
          if (was.length > 0) outside++;
        }
      }
    }
  }
  assert.ok(compared >= 100, `${compared} changes compared`);
  assert.ok(outside >= 20, `${outside} comparisons where a local check found something outside the changed namespace`);
  assert.ok(inside >= 10, `${inside} namespaces where a local check found something`);
});
