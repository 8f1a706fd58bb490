/**
 * The large-graph layout (src/ui/layout.ts), without a browser: every node in a
 * place of its own, hubs first and larger, workloads inside their namespace's
 * cell, and a viewport that shows the whole extent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ElementDefinition } from 'cytoscape';
import { fitViewport, gridPositions, HUB_SCALE } from '../src/ui/layout.js';

const node = (id: string, extra: Record<string, unknown> = {}): ElementDefinition => ({ data: { id, label: id, kind: 'namespace', w: 80, h: 30, ...extra }, classes: 'ns collapsed' });
const edge = (source: string, target: string): ElementDefinition => ({ group: 'edges', data: { id: `${source}>${target}`, source, target } });

test('500 namespaces around one hub: distinct positions, the hub alone in the first row and larger', () => {
  const els: ElementDefinition[] = [node('ns:kube-system')];
  for (let i = 0; i < 500; i++) {
    els.push(node(`ns:svc-${String(i).padStart(3, '0')}`));
    els.push(edge(`ns:svc-${String(i).padStart(3, '0')}`, 'ns:kube-system'));
  }
  const extent = gridPositions(els, 16 / 9);
  const nodes = els.filter((e) => e.group !== 'edges');
  const spots = new Set(nodes.map((n) => `${n.position!.x},${n.position!.y}`));
  assert.equal(spots.size, nodes.length);
  const hub = nodes[0]!;
  assert.match(String(hub.classes), /\bhub\b/);
  assert.equal(hub.data['w'], 80 * HUB_SCALE);
  const others = nodes.slice(1);
  assert.ok(others.every((n) => !String(n.classes).includes('hub')));
  assert.ok(others.every((n) => n.position!.y > hub.position!.y), 'the hub row is above the rest');
  // Name order, row by row.
  const sorted = [...others].sort((a, b) => a.position!.y - b.position!.y || a.position!.x - b.position!.x);
  assert.deepEqual(sorted.map((n) => n.data.id), others.map((n) => n.data.id));
  // Roughly the screen's shape, and every node inside the extent.
  const ratio = (extent.x2 - extent.x1) / (extent.y2 - extent.y1);
  assert.ok(ratio > 1 && ratio < 3, `aspect ${ratio}`);
  assert.ok(nodes.every((n) => n.position!.x >= extent.x1 && n.position!.x <= extent.x2 && n.position!.y >= extent.y1 && n.position!.y <= extent.y2));
});

test('an open namespace holds its workloads in a grid of its own; the parent gets no position', () => {
  const els: ElementDefinition[] = [node('ns:a'), node('ns:b', { parent: undefined }), { data: { id: 'ns:shop', label: 'shop', kind: 'namespace' }, classes: 'ns expanded' }];
  for (let i = 0; i < 7; i++) els.push({ data: { id: `shop/deployment/w${i}`, label: `w${i}`, kind: 'workload', parent: 'ns:shop', w: 60, h: 30 } });
  gridPositions(els, 1);
  const shop = els.find((e) => e.data.id === 'ns:shop')!;
  assert.equal(shop.position, undefined);
  const kids = els.filter((e) => e.data['parent'] === 'ns:shop');
  const xs = new Set(kids.map((k) => k.position!.x));
  const ys = new Set(kids.map((k) => k.position!.y));
  assert.equal(xs.size, 3, 'ceil(sqrt(7)) columns');
  assert.equal(ys.size, 3);
  const others = els.filter((e) => e.data.id === 'ns:a' || e.data.id === 'ns:b');
  const box = { x1: Math.min(...kids.map((k) => k.position!.x)) - 40, x2: Math.max(...kids.map((k) => k.position!.x)) + 40, y1: Math.min(...kids.map((k) => k.position!.y)) - 20, y2: Math.max(...kids.map((k) => k.position!.y)) + 20 };
  for (const o of others) assert.ok(!(o.position!.x > box.x1 && o.position!.x < box.x2 && o.position!.y > box.y1 && o.position!.y < box.y2), `${o.data.id!} outside the open namespace`);
});

test('fitViewport shows the whole extent, centred, within the zoom limits', () => {
  const v = fitViewport({ x1: 0, y1: 0, x2: 4000, y2: 2000 }, 1000, 600, 30, 0.05, 3);
  assert.equal(v.zoom, Math.min(940 / 4000, 540 / 2000));
  // The extent's corners land inside the viewport, the centre in the middle.
  assert.ok(v.pan.x >= 29 && v.pan.x + 4000 * v.zoom <= 971);
  assert.ok(Math.abs(v.pan.y + 1000 * v.zoom - 300) < 1e-9);
  assert.equal(fitViewport({ x1: 0, y1: 0, x2: 10, y2: 10 }, 1000, 600, 30, 0.05, 3).zoom, 3);
  assert.equal(fitViewport({ x1: 0, y1: 0, x2: 1e7, y2: 1e7 }, 1000, 600, 30, 0.05, 3).zoom, 0.05);
});
