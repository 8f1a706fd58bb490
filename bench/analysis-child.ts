/**
 * In-process analysis benchmark, run by bench/run.ts as its own process
 * (`node --expose-gc --import tsx bench/analysis-child.ts FILE RUNS`) so that a
 * crash or an out-of-memory is reported rather than taking the runner down.
 *
 * Loads the file once with the library (inventoryFromText), then times, RUNS times,
 * `analyze(inv).allClassPairs()` (full allowed connectivity at class level), and
 * then `explain` for one pod pair: one cold call on a fresh analysis, one warm-up,
 * and 20 timed calls.
 *
 * Every measurement is written to stdout as soon as it is taken, one line each:
 * `bench-result {"event": ..., ...}`, so that a failure late on keeps the earlier figures.
 */
import { readFileSync } from 'node:fs';
import type { Endpoint } from '../src/model/workloads.js';
import type { Inventory } from '../src/model/inventory.js';
import { inventoryFromText } from '../src/load/text.js';
import { analyze } from '../src/netpol/analysis.js';

const EXPLAIN_CALLS = 20;
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function emit(event: string, data: Record<string, unknown>): void {
  process.stdout.write(`bench-result ${JSON.stringify({ event, ...data })}\n`);
}

function gc(): void {
  globalThis.gc?.();
}

/**
 * A pod pair that an app-to-app policy of the generator connects (another namespace's
 * frontend calling this namespace's API on its named port `http`, 8080), taken near the
 * middle of the policy list; falls back to two pods a third and two thirds of the way in.
 */
export function pickExplainPair(inv: Inventory): { from: Endpoint; to: Endpoint; why: string } | undefined {
  const eps = inv.endpoints;
  const byNs = new Map<string, Endpoint[]>();
  for (const e of eps) {
    const list = byNs.get(e.namespace);
    if (list) list.push(e);
    else byNs.set(e.namespace, [e]);
  }
  const matches = (e: Endpoint, labels: Readonly<Record<string, string>>): boolean => Object.entries(labels).every(([k, v]) => e.labels[k] === v);
  const policies = inv.policies;
  const mid = Math.floor(policies.length / 2);
  // First pass: app-to-app rules (several peers); second: any rule naming a pod in another namespace.
  for (let step = 0; step < 2 * policies.length; step++) {
    const p = policies[(mid + step) % policies.length]!;
    const peers = p.ingress[0]?.peers;
    if (step < policies.length && (peers?.length ?? 0) < 2) continue;
    const peer = peers?.[0];
    if (peer?.kind !== 'selector' || !peer.namespaceSelector || !peer.podSelector) continue;
    const peerNs = peer.namespaceSelector.matchLabels[NAMESPACE_NAME_LABEL];
    if (peerNs === undefined || peerNs === p.namespace || Object.keys(p.podSelector.matchLabels).length === 0) continue;
    const podSel = peer.podSelector.matchLabels;
    const from = byNs.get(peerNs)?.find((e) => matches(e, podSel));
    const to = byNs.get(p.namespace)?.find((e) => matches(e, p.podSelector.matchLabels));
    if (from && to) return { from, to, why: `ingress admitted by ${p.namespace}/${p.name}` };
  }
  const a = eps[Math.floor(eps.length / 3)];
  const b = eps[Math.floor((2 * eps.length) / 3)];
  return a && b ? { from: a, to: b, why: 'fallback: endpoints at 1/3 and 2/3 of the list' } : undefined;
}

function main(): void {
  const file = process.argv[2];
  const runs = Number(process.argv[3] ?? '3');
  if (file === undefined || !Number.isInteger(runs) || runs < 1) {
    process.stderr.write('usage: node --expose-gc --import tsx bench/analysis-child.ts FILE RUNS\n');
    process.exit(2);
  }

  const t0 = performance.now();
  const text = readFileSync(file, 'utf8');
  const t1 = performance.now();
  const inv = inventoryFromText(text, file);
  const t2 = performance.now();
  emit('load', {
    readMs: t1 - t0,
    inventoryMs: t2 - t1,
    endpoints: inv.endpoints.length,
    policies: inv.policies.length,
    namespaces: inv.namespaces.size,
    diagnostics: inv.diagnostics.length,
    maxRssKiB: process.resourceUsage().maxRSS,
  });

  for (let r = 0; r < runs; r++) {
    gc();
    const s0 = performance.now();
    const a = analyze(inv);
    const s1 = performance.now();
    const pairs = a.allClassPairs();
    const s2 = performance.now();
    emit('analysis', { run: r, ms: s2 - s0, analyzeMs: s1 - s0, allClassPairsMs: s2 - s1, classPairs: pairs, maxRssKiB: process.resourceUsage().maxRSS });
  }

  const pair = pickExplainPair(inv);
  if (!pair) {
    emit('explain-skipped', { reason: 'fewer than two endpoints' });
    return;
  }
  gc();
  const opts = { port: 8080, protocol: 'TCP' as const };
  const e0 = performance.now();
  const a = analyze(inv);
  const e1 = performance.now();
  const first = a.explain(pair.from.id, pair.to.id, opts);
  const e2 = performance.now();
  const verdict = String(first.allowed);
  const times: number[] = [];
  for (let i = 0; i < EXPLAIN_CALLS; i++) {
    const c0 = performance.now();
    a.explain(pair.from.id, pair.to.id, opts);
    times.push(performance.now() - c0);
  }
  emit('explain', {
    from: pair.from.id,
    to: pair.to.id,
    why: pair.why,
    analyzeMs: e1 - e0,
    coldMs: e2 - e1,
    times,
    allowed: verdict,
    maxRssKiB: process.resourceUsage().maxRSS,
  });
}

main();
