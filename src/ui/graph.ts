/**
 * The graph: cytoscape with the fCoSE layout (a grid, layout.ts, for large graphs). Namespaces are compound nodes
 * with their workloads inside (or single nodes when collapsed); the outside
 * world (`ip:` peers, the internet among them) and the edge (entry points) are
 * groups of their own. Edges are allowed connections labelled with ports.
 *
 * Nothing is told by colour alone: not-isolated workloads have cut corners, a
 * dashed border and ⚠; isolated ones are rounded with a solid border and ✔;
 * entry points spell out AUTH/TLS ✔/✘; in diff mode added connections are
 * double lines marked +, removed ones dashed and marked −, changed ones ~.
 */
import cytoscape from 'cytoscape';
import type { Core, EdgeSingular, ElementDefinition, EventObject, NodeSingular, Position, StylesheetJson } from 'cytoscape';
import type { ApiEdge, ApiModel, ApiWorkload, Change } from '../server/api.js';
import { fitViewport, gridPositions, type Extent } from './layout.js';

/**
 * fCoSE (with cose-base and layout-base, a quarter of the page's script) is loaded
 * the first time a graph is small enough to lay out by force: a large cluster's
 * namespace grid never needs it, so its first view does not wait for it to compile.
 */
let fcoseLoaded: Promise<void> | undefined;
const loadFcose = (): Promise<void> =>
  (fcoseLoaded ??= import('cytoscape-fcose').then((m) => { cytoscape.use(m.default); }));

export interface View {
  readonly model: ApiModel;
  /** Workloads known to the page: all of them, or those of the loaded namespaces. */
  readonly workloads: ReadonlyMap<string, ApiWorkload>;
  readonly workloadEdges: readonly ApiEdge[];
  /** Namespaces drawn with their workloads inside. */
  readonly expanded: ReadonlySet<string>;
  readonly showDiff: boolean;
  /** Only this namespace and what it talks to ('' for all). */
  readonly namespaceFilter: string;
  /** `key=value`, `key!=value` or `key`: only matching workloads (or namespaces, when collapsed) and their peers. */
  readonly labelFilter: string;
}

export type NodeKind = 'workload' | 'namespace' | 'peer' | 'entry' | 'group';

export interface EdgeInfo {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** `namespace`: between collapsed namespaces; `workload`: at least one end is a workload; `route`: the edge. */
  readonly level: 'namespace' | 'workload' | 'route';
  /** The connections drawn as this one edge. */
  readonly pairs: readonly ApiEdge[];
}

export interface GraphHandlers {
  onNode(kind: NodeKind, id: string): void;
  onNodeDouble(kind: NodeKind, id: string): void;
  onEdge(info: EdgeInfo): void;
  onBackground(): void;
}

export const nsNodeId = (ns: string): string => `ns:${ns}`;

/** The namespace of a workload or endpoint id; undefined for outside peers. */
export function namespaceOfId(id: string): string | undefined {
  if (id.startsWith('ip:')) return undefined;
  const i = id.indexOf('/');
  return i < 0 ? id : id.slice(0, i);
}

function workloadName(id: string): { kind: string; name: string } {
  const parts = id.split('/');
  return parts.length >= 3 ? { kind: parts[1]!, name: parts.slice(2).join('/') } : { kind: 'pod', name: parts[1] ?? id };
}

/** `key=value`, `key!=value`, `key` → a predicate on labels; undefined when empty. */
export function labelPredicate(text: string): ((labels: Readonly<Record<string, string>>) => boolean) | undefined {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) return undefined;
  const reqs = parts.map((p) => {
    const m = /^([^=!]+?)\s*(!=|==|=)\s*(.*)$/.exec(p);
    return m ? { key: m[1]!.trim(), op: m[2]!, value: m[3]!.trim() } : { key: p, op: 'exists', value: '' };
  });
  return (labels) =>
    reqs.every((r) => (r.op === 'exists' ? r.key in labels : r.op === '!=' ? labels[r.key] !== r.value : labels[r.key] === r.value));
}

const CHANGE_MARK: Readonly<Record<Change, string>> = { added: '+ ', removed: '− ', changed: '~ ' };

function portsLabel(pairs: readonly ApiEdge[], change: Change | undefined): string {
  const ports = new Set<string>();
  for (const p of pairs) for (const x of p.ports) ports.add(x);
  let text: string;
  if (ports.has('all')) text = 'any port';
  else {
    const list = [...ports];
    text = list.length > 3 ? `${list.slice(0, 3).join(', ')} +${list.length - 3}` : list.join(', ');
  }
  if (change === 'changed' && pairs.length === 1 && pairs[0]!.before) text = `${pairs[0]!.before.join(', ')} → ${text}`;
  if (change === 'removed') text = `${text} (removed)`;
  return change ? `${CHANGE_MARK[change]}${text}` : text;
}

function mergedChange(pairs: readonly ApiEdge[]): Change | undefined {
  const set = new Set(pairs.map((p) => p.change ?? 'same'));
  if (set.size === 1) {
    const only = [...set][0]!;
    return only === 'same' ? undefined : (only);
  }
  return 'changed';
}

const STYLE: StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'font-family': 'system-ui, "DejaVu Sans", sans-serif',
      'font-size': 11,
      'text-wrap': 'wrap',
      'text-valign': 'center',
      'text-halign': 'center',
      shape: 'round-rectangle',
      'background-color': '#ffffff',
      'border-width': 1.5,
      'border-color': '#3c4656',
      color: '#111',
    },
  },
  { selector: 'node[w]', style: { width: 'data(w)', height: 'data(h)' } },
  { selector: 'node.workload.isolated', style: { 'border-width': 2, 'border-style': 'solid', 'border-color': '#1d6b35', 'background-color': '#f1fbf3' } },
  { selector: 'node.workload.open', style: { shape: 'cut-rectangle', 'border-width': 3, 'border-style': 'dashed', 'border-color': '#b3261e', 'background-color': '#fff4f2' } },
  { selector: 'node.workload.exposed', style: { 'font-weight': 'bold' } },
  {
    selector: 'node.ns.expanded',
    style: {
      'text-valign': 'top',
      'text-halign': 'center',
      'font-weight': 'bold',
      'font-size': 12,
      'background-color': '#f4f6f9',
      'border-color': '#8893a4',
      'border-width': 1.5,
      padding: '14px',
    },
  },
  { selector: 'node.ns.collapsed', style: { 'border-width': 2.5, 'background-color': '#f4f6f9', 'font-size': 11 } },
  { selector: 'node.ns.collapsed.has-open', style: { 'border-style': 'dashed', 'border-color': '#b3261e', 'border-width': 3 } },
  { selector: 'node.group', style: { 'text-valign': 'top', 'font-style': 'italic', 'font-size': 12, 'border-style': 'dotted', 'border-width': 2, 'background-color': '#fbfbfb', padding: '12px' } },
  { selector: 'node.peer', style: { shape: 'round-hexagon', 'background-color': '#eef2fb', 'border-color': '#2f4a8a', 'border-width': 2 } },
  { selector: 'node.peer.internet', style: { shape: 'ellipse', 'border-style': 'double', 'border-width': 5, 'font-weight': 'bold', 'font-size': 13 } },
  { selector: 'node.entry', style: { shape: 'tag', 'background-color': '#f6f0fc', 'border-color': '#5b2a86', 'border-width': 2, 'text-max-width': '220px' } },
  { selector: 'node.entry.insecure', style: { 'border-style': 'dashed', 'border-color': '#b3261e', 'border-width': 3 } },
  { selector: 'node.ghost', style: { 'border-style': 'dashed', opacity: 0.7, 'background-color': '#eeeeee' } },
  {
    selector: 'edge',
    style: {
      width: 1.6,
      'line-color': '#6b7584',
      'target-arrow-color': '#6b7584',
      'target-arrow-shape': 'triangle',
      'arrow-scale': 1.1,
      'curve-style': 'bezier',
      label: 'data(label)',
      'font-size': 9.5,
      'font-family': 'system-ui, "DejaVu Sans", sans-serif',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.9,
      'text-background-padding': '1px',
      color: '#222',
    },
  },
  { selector: 'edge.wide', style: { width: 3, 'line-color': '#b3261e', 'target-arrow-color': '#b3261e', 'font-weight': 'bold' } },
  { selector: 'edge.route', style: { 'line-style': 'dotted', width: 2.2, 'line-color': '#5b2a86', 'target-arrow-color': '#5b2a86', 'target-arrow-shape': 'vee' } },
  // A double line: a white core with a green outline on both sides.
  { selector: 'edge.added', style: { 'line-style': 'solid', width: 3, 'line-color': '#ffffff', 'line-outline-width': 1.6, 'line-outline-color': '#17703a', 'target-arrow-color': '#17703a', 'font-weight': 'bold', color: '#17703a' } },
  { selector: 'edge.removed', style: { 'line-style': 'dashed', 'line-dash-pattern': [8, 5], width: 3, 'line-color': '#b3261e', 'target-arrow-color': '#b3261e', 'target-arrow-shape': 'tee', 'font-weight': 'bold', color: '#8c1d18' } },
  { selector: 'edge.changed', style: { 'line-style': 'solid', width: 3.5, 'line-color': '#8a5a00', 'target-arrow-color': '#8a5a00', 'mid-target-arrow-shape': 'diamond', 'mid-target-arrow-color': '#8a5a00', 'font-weight': 'bold' } },
  { selector: 'edge.unchanged', style: { opacity: 0.35 } },
  // Large graphs: straight lines without labels (the panel lists ports); labels come back on the selection.
  { selector: 'edge.big', style: { 'curve-style': 'straight', label: '', 'arrow-scale': 0.8, width: 1.2 } },
  { selector: 'edge.big:selected, edge.big.hl', style: { label: 'data(label)' } },
  { selector: 'node.big', style: { 'min-zoomed-font-size': 6 } },
  { selector: 'node.hub', style: { 'font-size': 33, 'border-width': 6 } },
  { selector: '.context', style: { opacity: 0.45 } },
  { selector: '.faded', style: { opacity: 0.15 } },
  { selector: 'node.match', style: { 'border-width': 4, 'border-color': '#0b57d0', 'underlay-color': '#0b57d0', 'underlay-opacity': 0.2, 'underlay-padding': 6 } },
  { selector: 'node.picked', style: { 'underlay-color': '#ff9800', 'underlay-opacity': 0.45, 'underlay-padding': 8 } },
  { selector: 'node:selected', style: { 'underlay-color': '#0b57d0', 'underlay-opacity': 0.25, 'underlay-padding': 8 } },
  { selector: 'edge:selected', style: { 'underlay-color': '#0b57d0', 'underlay-opacity': 0.3, 'underlay-padding': 6, width: 4 } },
];

export interface Built {
  readonly elements: ElementDefinition[];
  readonly edges: Map<string, EdgeInfo>;
  readonly workloadCount: number;
}

type Nodes = Map<string, ElementDefinition>;

/** Outside peers that some connection touches (the others say nothing), and the entry points. */
function outsideNodes(view: View, nodes: Nodes): void {
  const { model } = view;
  const touched = new Set<string>();
  for (const list of [model.namespaceEdges, view.workloadEdges]) for (const e of list) for (const x of [e.from, e.to]) if (x.startsWith('ip:')) touched.add(x);
  const internet = model.external.find((p) => p.internet);
  if (internet && model.entryPoints.length > 0) touched.add(internet.id);
  for (const p of model.external) {
    if (touched.has(p.id)) nodes.set(p.id, { data: { id: p.id, label: p.label, kind: 'peer' }, classes: `peer${p.internet ? ' internet' : ''}` });
  }
  for (const e of model.entryPoints) {
    const authOk = e.authenticated || e.publicReason !== undefined;
    const auth = e.authenticated ? 'AUTH ✔' : e.publicReason !== undefined ? 'AUTH — public' : 'AUTH ✘';
    const tls = e.tls ? 'TLS ✔' : 'TLS ✘';
    nodes.set(e.id, { data: { id: e.id, label: `${e.host}${e.path ?? ''}\n${auth} · ${tls}`, kind: 'entry' }, classes: `entry${authOk && e.tls ? '' : ' insecure'}` });
  }
}

/** Namespaces (a box when open, one node when closed) and the workloads of the open ones. */
function clusterNodes(view: View, nodes: Nodes): number {
  for (const ns of view.model.namespaces) {
    const id = nsNodeId(ns.name);
    if (view.expanded.has(ns.name)) {
      nodes.set(id, { data: { id, label: ns.name, kind: 'namespace', ns: ns.name }, classes: 'ns expanded' });
      continue;
    }
    const open = Math.max(ns.ingressOpen, ns.egressOpen);
    const state = open > 0 ? ` · ⚠ ${open} not isolated` : ns.workloads > 0 ? ' · ✔ isolated' : '';
    const label = `${ns.name}\n${ns.workloads} workload${ns.workloads === 1 ? '' : 's'}${state}`;
    nodes.set(id, { data: { id, label, kind: 'namespace', ns: ns.name }, classes: `ns collapsed${open > 0 ? ' has-open' : ''}` });
  }
  let count = 0;
  for (const w of view.workloads.values()) {
    if (!view.expanded.has(w.namespace)) continue;
    count++;
    const isolated = w.ingressIsolated && w.egressIsolated;
    const gaps = [!w.ingressIsolated ? 'ingress' : '', !w.egressIsolated ? 'egress' : ''].filter(Boolean).join('+');
    const label = `${isolated ? '✔' : '⚠'} ${w.name}\n${w.kind}${isolated ? ' · isolated' : ` · open ${gaps}`}`;
    nodes.set(w.id, {
      data: { id: w.id, label, kind: 'workload', parent: nsNodeId(w.namespace), ns: w.namespace },
      classes: `workload ${isolated ? 'isolated' : 'open'}${w.exposed ? ' exposed' : ''}`,
    });
  }
  return count;
}

/** A node an edge needs but the new version lacks (diff mode: a removed workload, namespace or outside peer). */
function ensureNode(nodes: Nodes, id: string): void {
  if (nodes.has(id)) return;
  if (id.startsWith('ip:')) {
    nodes.set(id, { data: { id, label: `${id.slice(3, 30)} (gone)`, kind: 'peer' }, classes: 'peer ghost' });
  } else if (id.startsWith('ns:')) {
    nodes.set(id, { data: { id, label: `${id.slice(3)}\n(removed)`, kind: 'namespace', ns: id.slice(3) }, classes: 'ns collapsed ghost' });
  } else {
    const ns = namespaceOfId(id)!;
    const parent = nsNodeId(ns);
    if (!nodes.has(parent)) nodes.set(parent, { data: { id: parent, label: ns, kind: 'namespace', ns }, classes: 'ns expanded ghost' });
    nodes.set(id, { data: { id, label: `${workloadName(id).name}\n(removed)`, kind: 'workload', parent, ns }, classes: 'workload ghost' });
  }
}

interface EdgeGroup {
  readonly source: string;
  readonly target: string;
  level: EdgeInfo['level'];
  readonly pairs: ApiEdge[];
}

/**
 * Connections mapped onto the drawn nodes: between closed namespaces the
 * namespace-level edges; where a namespace is open, the workload-level ones
 * (whose other end may be a closed namespace). Several connections between the
 * same two drawn nodes become one edge.
 */
function connectionGroups(view: View): Map<string, EdgeGroup> {
  const { model, expanded, showDiff } = view;
  const open = (id: string): boolean => !id.startsWith('ip:') && expanded.has(namespaceOfId(id)!);
  const display = (id: string): string => (id.startsWith('ip:') || open(id) ? id : nsNodeId(namespaceOfId(id)!));
  const groups = new Map<string, EdgeGroup>();
  const add = (source: string, target: string, e: ApiEdge, level: EdgeInfo['level']): void => {
    // Traffic inside one node (a workload's pods, a closed namespace) is listed in its panel, not drawn as a loop.
    if (source === target) return;
    const key = `${level === 'route' ? 'r' : 'c'}:${source}\u2192${target}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { source, target, level, pairs: [e] });
    else {
      if (level === 'workload') g.level = 'workload';
      g.pairs.push(e);
    }
  };
  for (const e of model.namespaceEdges) {
    if ((e.change === 'removed' && !showDiff) || open(`${e.from}/`) || open(`${e.to}/`)) continue;
    add(e.from.startsWith('ip:') ? e.from : nsNodeId(e.from), e.to.startsWith('ip:') ? e.to : nsNodeId(e.to), e, 'namespace');
  }
  for (const e of view.workloadEdges) {
    if ((e.change === 'removed' && !showDiff) || (!open(e.from) && !open(e.to))) continue;
    add(display(e.from), display(e.to), e, 'workload');
  }
  const internet = model.external.find((p) => p.internet);
  for (const ep of model.entryPoints) {
    if (internet) add(internet.id, ep.id, { from: internet.id, to: ep.id, ports: [] }, 'route');
    for (const w of ep.workloads) add(ep.id, display(w), { from: ep.id, to: w, ports: [] }, 'route');
  }
  return groups;
}

/** From the view state to cytoscape elements (pure: no cytoscape instance needed). */
export function buildElements(view: View): Built {
  const nodes: Nodes = new Map();
  const edges = new Map<string, EdgeInfo>();
  outsideNodes(view, nodes);
  const workloadCount = clusterNodes(view, nodes);
  const diffing = view.showDiff && view.model.meta.diff !== null;
  for (const [key, g] of connectionGroups(view)) {
    ensureNode(nodes, g.source);
    ensureNode(nodes, g.target);
    const route = g.level === 'route';
    const change = diffing && !route ? mergedChange(g.pairs) : undefined;
    const wide = g.pairs.some((p) => p.ports.includes('all'));
    const classes = [route ? 'route' : 'conn', wide ? 'wide' : '', change ?? (diffing && !route ? 'unchanged' : '')].filter(Boolean).join(' ');
    edges.set(key, { id: key, source: g.source, target: g.target, level: g.level, pairs: g.pairs });
    nodes.set(`edge|${key}`, { group: 'edges', data: { id: key, source: g.source, target: g.target, label: route ? '' : portsLabel(g.pairs, change), change: change ?? '' }, classes });
  }
  return { elements: [...nodes.values()], edges, workloadCount };
}

/** Which nodes the namespace and label filters keep: the matches, their peers, and the groups holding them. */
function applyFilters(built: Built, view: View): { elements: ElementDefinition[]; context: Set<string> } {
  const pred = labelPredicate(view.labelFilter);
  if (!view.namespaceFilter && !pred) return { elements: built.elements, context: new Set() };
  const focus = new Set<string>();
  const nsLabels = new Map(view.model.namespaces.map((n) => [n.name, n.labels]));
  for (const el of built.elements) {
    if (el.group === 'edges') continue;
    const d = el.data as { id: string; kind: NodeKind; ns?: string; parent?: string };
    if (d.kind === 'group') continue;
    if (view.namespaceFilter && d.ns !== view.namespaceFilter) continue;
    if (pred) {
      if (d.kind === 'workload') {
        const w = view.workloads.get(d.id);
        if (!w || !pred(w.labels)) continue;
      } else if (d.kind === 'namespace') {
        // An expanded namespace is kept for its matching workloads (parents are added below).
        if (view.expanded.has(d.ns!) || !pred(nsLabels.get(d.ns!) ?? {})) continue;
      } else continue;
    }
    focus.add(d.id);
  }
  const keep = new Set(focus);
  const context = new Set<string>();
  for (const e of built.edges.values()) {
    if (focus.has(e.source) || focus.has(e.target)) {
      for (const x of [e.source, e.target]) if (!focus.has(x)) {
        keep.add(x);
        context.add(x);
      }
    }
  }
  const parentOf = new Map<string, string>();
  for (const el of built.elements) if (el.group !== 'edges' && typeof el.data['parent'] === 'string') parentOf.set(el.data.id!, el.data['parent']);
  for (const id of [...keep]) {
    let p = parentOf.get(id);
    while (p !== undefined) {
      keep.add(p);
      p = parentOf.get(p);
    }
  }
  const elements = built.elements.filter((el) => (el.group === 'edges' ? keep.has(el.data['source'] as string) && keep.has(el.data['target'] as string) : keep.has(el.data.id!)));
  return { elements, context };
}

/** Above this many nodes the graph is laid out on a grid (layout.ts: instant) rather than by fCoSE. */
const LARGE_NODES = 150;

/** mulberry32: a small seeded PRNG. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let measurer: CanvasRenderingContext2D | null | undefined;

/** Leaf node sizes from their labels (cytoscape's width: label is deprecated): text width plus room for the shape. */
function sizeNodes(elements: ElementDefinition[]): void {
  measurer ??= document.createElement('canvas').getContext('2d');
  const parents = new Set<string>();
  for (const el of elements) if (el.group !== 'edges' && typeof el.data['parent'] === 'string') parents.add(el.data['parent']);
  for (const el of elements) {
    if (el.group === 'edges' || parents.has(el.data.id!)) continue;
    const cls = el.classes ?? '';
    const big = typeof cls === 'string' && cls.includes('internet');
    const size = big ? 13 : 11;
    const lines = String(el.data['label'] ?? '').split('\n');
    let width = 0;
    if (measurer) {
      measurer.font = `${big ? 'bold ' : ''}${size}px system-ui, "DejaVu Sans", sans-serif`;
      for (const l of lines) width = Math.max(width, measurer.measureText(l).width);
    } else width = Math.max(...lines.map((l) => l.length)) * size * 0.6;
    const roomy = typeof cls === 'string' && /\b(peer|open|entry)\b/.test(cls);
    el.data['w'] = Math.ceil(width + (roomy ? 34 : 20));
    el.data['h'] = Math.ceil(lines.length * size * 1.25 + (big ? 26 : 14));
  }
}

export class Graph {
  readonly cy: Core;
  private built: Built | undefined;
  private signature = '';
  private readonly container: HTMLElement;

  constructor(container: HTMLElement, handlers: GraphHandlers) {
    this.container = container;
    this.cy = cytoscape({ container, style: STYLE, minZoom: 0.05, maxZoom: 3, boxSelectionEnabled: false });
    const kindOf = (n: NodeSingular): NodeKind => n.data('kind') as NodeKind;
    this.cy.on('tap', 'node', (ev: EventObject) => {
      const n = ev.target as NodeSingular;
      handlers.onNode(kindOf(n), n.id());
    });
    this.cy.on('dbltap', 'node', (ev: EventObject) => {
      const n = ev.target as NodeSingular;
      handlers.onNodeDouble(kindOf(n), n.id());
    });
    this.cy.on('tap', 'edge', (ev: EventObject) => {
      const info = this.built?.edges.get((ev.target as { id(): string }).id());
      if (info) handlers.onEdge(info);
    });
    this.cy.on('select', 'node', (ev: EventObject) => {
      (ev.target as NodeSingular).connectedEdges().addClass('hl');
    });
    this.cy.on('unselect', 'node', (ev: EventObject) => {
      (ev.target as NodeSingular).connectedEdges().removeClass('hl');
    });
    this.cy.on('tap', (ev: EventObject) => {
      if (ev.target === this.cy) handlers.onBackground();
    });
  }

  edgeInfo(id: string): EdgeInfo | undefined {
    return this.built?.edges.get(id);
  }

  /** Redraws for a view; keeps the positions of nodes that stay. Resolves when laid out and painted. */
  async render(view: View): Promise<{ nodes: number; edges: number }> {
    const before = new Map<string, Position>();
    this.cy.nodes().forEach((n) => {
      if (n.isChildless()) before.set(n.id(), { ...n.position() });
    });
    // The page around the graph may have changed size since the last draw.
    this.cy.resize();
    const built = buildElements(view);
    this.built = built;
    sizeNodes(built.elements);
    const { elements, context } = applyFilters(built, view);
    const nodeCount = elements.filter((e) => e.group !== 'edges').length;
    // Nothing to redraw (the audit arrived, a reload changed nothing drawn): keep the picture as it is.
    const signature = elements.map((e) => `${e.data.id!}|${String(e.data['label'] ?? '')}|${typeof e.classes === 'string' ? e.classes : ''}`).join('\n') + [...context].join(',');
    if (signature === this.signature) return { nodes: nodeCount, edges: elements.length - nodeCount };
    this.signature = signature;
    const large = nodeCount > LARGE_NODES;
    let placed = 0;
    for (const el of elements) {
      if (el.group === 'edges') continue;
      const id = el.data.id!;
      const ns = el.data['ns'] as string | undefined;
      const p = before.get(id) ?? (ns !== undefined ? before.get(nsNodeId(ns)) : undefined);
      if (p) {
        el.position = { x: p.x + (before.has(id) ? 0 : Math.random() * 40 - 20), y: p.y + (before.has(id) ? 0 : Math.random() * 40 - 20) };
        placed++;
      }
    }
    const incremental = placed > nodeCount * 0.5;
    let extent: Extent | undefined;
    if (large) {
      for (const el of elements) el.classes = `${typeof el.classes === 'string' ? el.classes : ''} big`;
      // Placed before cytoscape sees them: no layout pass, and the viewport fits the known extent.
      extent = gridPositions(elements, this.container.clientWidth / Math.max(1, this.container.clientHeight));
    }
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add(elements);
      for (const id of context) this.cy.getElementById(id).addClass('context');
    });
    if (extent) this.cy.viewport(fitViewport(extent, this.cy.width(), this.cy.height(), 30, this.cy.minZoom(), this.cy.maxZoom()));
    else await this.forceLayout(incremental);
    // For the browser test: when the first graph was handed to cytoscape (once, not on every redraw).
    if (performance.getEntriesByName('meshless:drawn').length === 0) performance.mark('meshless:drawn');
    await new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => { done(); })));
    return { nodes: nodeCount, edges: elements.length - nodeCount };
  }

  /** fCoSE, for graphs small enough to read whole: from the current positions when most nodes have one. */
  private async forceLayout(incremental: boolean): Promise<void> {
    await loadFcose();
    return new Promise<void>((done) => {
      const layout = this.cy.layout({
        name: 'fcose',
        quality: 'default',
        randomize: !incremental,
        animate: false,
        fit: true,
        padding: 30,
        nodeDimensionsIncludeLabels: true,
        packComponents: true,
        nodeRepulsion: () => 20000,
        idealEdgeLength: () => 120,
        edgeElasticity: () => 0.1,
        nestingFactor: 0.1,
        gravity: 0.1,
        gravityCompound: 1,
        gravityRangeCompound: 1.5,
        nodeSeparation: 80,
        numIter: 5000,
        tile: true,
        tilingPaddingVertical: 16,
        tilingPaddingHorizontal: 16,
      } as cytoscape.LayoutOptions);
      layout.one('layoutstop', () => {
        done();
      });
      // The same input gives the same picture: fCoSE draws its random start from Math.random,
      // seeded here for the (synchronous) run.
      const random = Math.random;
      Math.random = seeded(0x6d657368);
      try {
        layout.run();
      } finally {
        Math.random = random;
      }
    });
  }

  /** Marks nodes whose id or label contains the text; returns their ids. */
  highlight(text: string): string[] {
    const q = text.trim().toLowerCase();
    const cy = this.cy;
    const ids: string[] = [];
    cy.batch(() => {
      cy.elements().removeClass('match faded');
      if (!q) return;
      const hits = cy.nodes().filter((n) => n.data('kind') !== 'group' && (n.id().toLowerCase().includes(q) || String(n.data('label')).toLowerCase().includes(q)));
      hits.forEach((n) => {
        ids.push(n.id());
      });
      if (hits.length === 0) return;
      const keep = hits.union(hits.connectedEdges()).union(hits.neighborhood()).union(hits.ancestors());
      cy.elements().difference(keep).addClass('faded');
      hits.addClass('match');
    });
    return ids;
  }

  focus(ids: readonly string[]): void {
    const els = this.cy.collection();
    for (const id of ids) els.merge(this.cy.getElementById(id));
    if (els.length > 0) this.cy.animate({ fit: { eles: els, padding: 80 }, duration: 250 });
  }

  select(id: string): void {
    this.cy.elements().unselect();
    const el = this.cy.getElementById(id);
    if (el.length > 0) el.select();
  }

  setPicked(ids: readonly string[]): void {
    this.cy.nodes('.picked').removeClass('picked');
    for (const id of ids) this.cy.getElementById(id).addClass('picked');
  }

  fit(): void {
    this.cy.fit(undefined, 30);
  }

  /** For tests and debugging: where an element is on the page. */
  screenPosition(id: string): { x: number; y: number } | undefined {
    const el = this.cy.getElementById(id);
    if (el.length === 0) return undefined;
    const p = el.isEdge() ? (el as EdgeSingular).renderedMidpoint() : (el as NodeSingular).renderedPosition();
    const r = this.container.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }
}
