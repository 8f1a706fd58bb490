/**
 * The `meshless serve` page: wires the model from /api/model to the controls
 * bar, the graph and the side panel, and re-loads on the server's `reload`
 * event. State lives here; the other modules render.
 */
import type { ApiEdge, ApiModel, ApiProgress, ApiWorkload, ControlId, LoadProgress } from '../server/api.js';
import { api } from './api.js';
import { renderControls, renderFindings } from './controls.js';
import { byId, fill, h } from './dom.js';
import { renderExplanation, renderPairs, singlePort } from './explain.js';
import { Graph, namespaceOfId, type EdgeInfo, type NodeKind } from './graph.js';
import { renderEntry, renderNamespace, renderPeer, renderWorkload, type PanelActions } from './panel.js';
import { openSource } from './source.js';

type PanelState =
  | { kind: 'help' }
  | { kind: 'findings'; control?: ControlId }
  | { kind: 'workload' | 'namespace' | 'peer' | 'entry'; id: string }
  | { kind: 'explain'; from: string; to: string; port?: string }
  | { kind: 'diagnostics' };

const state = {
  model: undefined as ApiModel | undefined,
  workloads: new Map<string, ApiWorkload>(),
  workloadEdges: [] as ApiEdge[],
  loadedNs: new Set<string>(),
  expanded: new Set<string>(),
  showDiff: false,
  namespaceFilter: '',
  labelFilter: '',
  search: '',
  pickFrom: undefined as string | undefined,
  picking: false,
  panel: { kind: 'help' } as PanelState,
  firstView: true,
};

const panel = byId('panel');
const status = byId('status');
const graph = new Graph(byId('graph'), {
  onNode: (kind, id) => void onNode(kind, id),
  onNodeDouble: (kind, id) => {
    if (kind === 'namespace') void toggleNamespace(id.slice(3));
  },
  onEdge: (info) => void onEdge(info),
  onBackground: () => {
    if (state.picking) return;
    graph.select('');
  },
});

/** Test and debugging hook: the graph and the state. */
(window as unknown as { __meshless: unknown }).__meshless = { graph, state };

function say(text: string, kind: 'info' | 'error' = 'info'): void {
  fill(status, text);
  status.className = kind;
}

const actions: PanelActions = {
  openSource: (file, line) => void openSource(file, line),
  showWorkload: (id) => void showWorkload(id),
  explain: (from, to, port) => void explain(from, to, port),
  explainFrom: (from) => { startPicking(from); },
  toggleNamespace: (ns) => void toggleNamespace(ns),
};

// ---- data --------------------------------------------------------------------

async function loadNamespaces(namespaces: readonly string[]): Promise<void> {
  const missing = namespaces.filter((n) => !state.loadedNs.has(n));
  if (missing.length === 0) return;
  say(`loading the workloads of ${missing.join(', ')}…`);
  const got = await api.workloads(missing);
  for (const w of got.workloads) state.workloads.set(w.id, w);
  const seen = new Set(state.workloadEdges.map((e) => `${e.from}\u0000${e.to}`));
  for (const e of got.edges) if (!seen.has(`${e.from}\u0000${e.to}`)) state.workloadEdges.push(e);
  for (const n of missing) state.loadedNs.add(n);
  say('');
}

async function loadModel(part?: 'graph'): Promise<void> {
  const model = await api.model(part);
  const first = state.model === undefined;
  state.model = model;
  state.workloads = new Map((model.workloads ?? []).map((w) => [w.id, w]));
  state.workloadEdges = [...(model.workloadEdges ?? [])];
  state.loadedNs = new Set(model.workloads ? model.namespaces.map((n) => n.name) : []);
  const names = new Set(model.namespaces.map((n) => n.name));
  if (first) {
    state.showDiff = model.meta.diff !== null;
    if (!model.meta.large) for (const n of model.namespaces) if (n.workloads > 0) state.expanded.add(n.name);
  } else {
    for (const n of [...state.expanded]) if (!names.has(n)) state.expanded.delete(n);
    if (model.meta.large && state.expanded.size > 0) await loadNamespaces([...state.expanded]);
  }
}

// ---- rendering -----------------------------------------------------------------

function renderHeader(m: ApiModel): void {
  const files = m.meta.source === 'files' ? `${m.meta.inputs.length} file${m.meta.inputs.length === 1 ? '' : 's'}` : m.meta.inputs.map((i) => i.file).join(', ');
  const when = new Date(m.meta.loadedAt).toLocaleTimeString();
  const enc = m.cni?.encryption;
  fill(
    byId('meta'),
    h('span', { title: m.meta.inputs.map((i) => `${i.file}${i.sha256 ? `  sha256:${i.sha256.slice(0, 12)}…` : ''}`).join('\n') }, `${files} · ${m.meta.objects.used} objects · ${m.meta.workloadCount} workloads · ${m.namespaces.length} namespaces · ${m.meta.policyCount} policies · loaded ${when}`),
    !m.cni || enc === undefined
      ? h('span', { class: 'badge unknown' }, '… checking')
      : h('span', { class: `badge enc ${enc === 'unknown' ? 'unknown' : enc === 'none' ? 'bad' : 'ok'}`, title: m.cni.note },
          enc === 'unknown' ? '? node-to-node encryption unknown' : enc === 'none' ? '✘ node-to-node not encrypted' : `✔ node-to-node ${enc}${m.cni.cni ? ` (${m.cni.cni})` : ''}`),
    m.meta.diagnostics.length
      ? h('button', { type: 'button', class: 'badge warn', onclick: () => { showPanel({ kind: 'diagnostics' }); } }, `⚠ ${m.meta.diagnostics.length} input problem${m.meta.diagnostics.length === 1 ? '' : 's'}`)
      : null,
    m.meta.diff ? h('span', { class: 'badge diff' }, `diff: ${m.meta.diff.old.join(' ')} → ${m.meta.diff.new.join(' ')}`) : null,
  );
  const banner = byId('banner');
  if (m.meta.reloadError !== undefined) {
    banner.hidden = false;
    fill(banner, `The inputs changed but could not be re-loaded; showing the previous version. ${m.meta.reloadError}`);
  } else banner.hidden = true;
  renderControls(byId('controls'), m, (c) => { showPanel({ kind: 'findings', control: c }); });
  const sel = (byId('ns-filter') as HTMLSelectElement);
  fill(sel, h('option', { value: '' }, 'all namespaces'), m.namespaces.map((n) => h('option', { value: n.name, selected: n.name === state.namespaceFilter }, n.name)));
  const diffToggle = (byId('diff-toggle') as HTMLInputElement);
  byId('diff-box').hidden = m.meta.diff === null;
  diffToggle.checked = state.showDiff;
  byId('legend-diff').hidden = !(m.meta.diff && state.showDiff);
  const level = (byId('level') as HTMLButtonElement);
  const allCollapsed = state.expanded.size === 0;
  level.textContent = allCollapsed ? 'Show workloads' : 'Namespaces only';
  level.disabled = allCollapsed && m.meta.large;
  level.title = m.meta.large ? `${m.meta.workloadCount} workloads: double-click a namespace (or use its panel) to open it` : 'switch between workloads and namespaces';
  const ids = byId('endpoint-ids');
  fill(ids, [...state.workloads.keys()].map((id) => h('option', { value: id })), m.external.map((p) => h('option', { value: p.id }, p.label)));
}

async function redraw(): Promise<void> {
  const m = state.model;
  if (!m) return;
  const t0 = performance.now();
  const r = await graph.render({
    model: m,
    workloads: state.workloads,
    workloadEdges: state.workloadEdges,
    expanded: state.expanded,
    showDiff: state.showDiff,
    namespaceFilter: state.namespaceFilter,
    labelFilter: state.labelFilter,
  });
  if (state.search) graph.highlight(state.search);
  const level = state.expanded.size === 0 ? 'namespace' : 'workload';
  document.body.dataset['ready'] = level;
  document.body.dataset['generation'] = String(m.meta.generation);
  if (state.firstView) {
    state.firstView = false;
    (window as unknown as { __meshlessFirstView: number }).__meshlessFirstView = performance.now();
  }
  say(`${r.nodes} nodes, ${r.edges} edges (${level} level) drawn in ${Math.round(performance.now() - t0)} ms${m.meta.large && level === 'namespace' ? ' — double-click a namespace to open it' : ''}`);
}

function showPanel(p: PanelState): void {
  state.panel = p;
  const m = state.model;
  if (!m) return;
  switch (p.kind) {
    case 'help':
      fill(panel, m.meta.diff ? changesList(m) : null, h('h2', {}, 'How to read it'), h('p', {}, 'Click a control above for its findings, a workload for its findings and fixes, a connection for the policies that allow it. Double-click a namespace to open or close it. "Explain…" picks any two endpoints.'));
      panel.append((byId('legend-template') as HTMLTemplateElement).content.cloneNode(true));
      break;
    case 'findings':
      renderFindings(panel, m, p.control, actions);
      break;
    case 'workload': {
      const w = state.workloads.get(p.id);
      if (!w) { showPanel({ kind: 'help' }); return; }
      renderWorkload(panel, m, w, state.workloadEdges.filter((e) => e.from === w.id || e.to === w.id), actions);
      break;
    }
    case 'namespace': {
      const ns = m.namespaces.find((n) => n.name === p.id);
      if (!ns) { showPanel({ kind: 'help' }); return; }
      renderNamespace(panel, m, ns, state.expanded.has(ns.name), actions);
      break;
    }
    case 'peer': {
      const peer = m.external.find((x) => x.id === p.id);
      if (!peer) { showPanel({ kind: 'help' }); return; }
      renderPeer(panel, peer);
      break;
    }
    case 'entry': {
      const e = m.entryPoints.find((x) => x.id === p.id);
      if (!e) { showPanel({ kind: 'help' }); return; }
      renderEntry(panel, m, e, actions);
      break;
    }
    case 'explain':
      void explain(p.from, p.to, p.port);
      break;
    case 'diagnostics':
      fill(panel, h('h2', {}, 'Input problems'), h('ul', { class: 'diags' }, m.meta.diagnostics.map((d) => h('li', { class: d.severity }, h('b', {}, d.severity), ' ', d.where ? h('code', {}, d.where) : null, ' ', `[${d.code}] ${d.message}`, d.hint ? h('div', { class: 'muted' }, d.hint) : null))));
      break;
  }
  panel.scrollTop = 0;
}

/** Diff mode: every connection the new version adds, removes or changes, each one explained on click. */
function changesList(m: ApiModel): HTMLElement {
  const all = [...(m.workloadEdges ?? state.workloadEdges), ...(m.workloads ? [] : m.namespaceEdges)].filter((e) => e.change);
  const order = { removed: 0, added: 1, changed: 2 } as const;
  all.sort((a, b) => order[a.change!] - order[b.change!] || (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const MAX = 200;
  return h('section', { class: 'changes', id: 'changes' },
    h('h2', {}, `Changes: ${m.meta.diff!.old.join(' ')} → ${m.meta.diff!.new.join(' ')}`),
    all.length === 0 ? h('p', { class: 'muted' }, 'No connection is added, removed or changed.') : h('ul', { class: 'pairs' }, all.slice(0, MAX).map((e) =>
      h('li', { class: `change-${e.change!}` },
        h('b', {}, e.change === 'added' ? '+ added ' : e.change === 'removed' ? '− removed ' : '~ changed '),
        h('button', { type: 'button', class: 'link', onclick: () => void explain(e.from, e.to, e.ports.length === 1 && e.ports[0] !== 'all' ? e.ports[0] : undefined) }, `${e.from} → ${e.to}`),
        ' ', h('span', { class: 'muted' }, e.change === 'changed' && e.before ? `${e.before.join(', ')} ⇒ ${e.ports.join(', ')}` : e.ports.join(', ')),
      ))),
    all.length > MAX ? h('p', { class: 'muted' }, `… and ${all.length - MAX} more`) : null,
  );
}

// ---- actions -------------------------------------------------------------------

async function toggleNamespace(ns: string): Promise<void> {
  if (state.expanded.has(ns)) state.expanded.delete(ns);
  else {
    await loadNamespaces([ns]);
    state.expanded.add(ns);
  }
  await redraw();
  if (state.panel.kind === 'namespace' && state.panel.id === ns) showPanel(state.panel);
}

async function showWorkload(id: string): Promise<void> {
  const ns = namespaceOfId(id);
  if (ns !== undefined && !state.expanded.has(ns)) {
    await loadNamespaces([ns]);
    state.expanded.add(ns);
    await redraw();
  }
  graph.select(id);
  graph.focus([id]);
  showPanel({ kind: 'workload', id });
}

async function explain(from: string, to: string, port?: string, note?: string): Promise<void> {
  state.panel = { kind: 'explain', from, to, ...(port ? { port } : {}) };
  fill(panel, h('p', { class: 'muted' }, `explaining ${from} → ${to}…`));
  try {
    const e = await api.explain(from, to, port);
    renderExplanation(panel, e, actions, note);
    panel.prepend(explainForm(from, to, port ?? ''));
  } catch (err) {
    fill(panel, explainForm(from, to, port ?? ''), h('p', { class: 'error' }, err instanceof Error ? err.message : String(err)));
  }
}

function explainForm(from: string, to: string, port: string): HTMLElement {
  const f = h('form', { class: 'explain-form', id: 'explain-form' },
    h('label', {}, 'from ', h('input', { name: 'from', list: 'endpoint-ids', value: from, size: 28, required: true })),
    h('label', {}, 'to ', h('input', { name: 'to', list: 'endpoint-ids', value: to, size: 28, required: true })),
    h('label', {}, 'port ', h('input', { name: 'port', value: port, size: 9, placeholder: 'e.g. 5432/TCP' })),
    h('button', { type: 'submit' }, 'Explain'),
  );
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = new FormData(f);
    const val = (k: string): string => {
      const v = data.get(k);
      return typeof v === 'string' ? v.trim() : '';
    };
    void explain(val('from'), val('to'), val('port') || undefined);
  });
  return f;
}

function startPicking(from?: string): void {
  state.picking = true;
  state.pickFrom = from;
  graph.setPicked(from ? [from] : []);
  byId('pick').classList.add('active');
  fill(panel, h('h2', {}, 'Explain a connection'), h('p', {}, from ? `From ${from}: now click the destination in the graph, or type it.` : 'Click the source in the graph, then the destination — or type both.'), explainForm(from ?? '', '', ''));
  say(from ? 'pick the destination' : 'pick the source');
}

function stopPicking(): void {
  state.picking = false;
  state.pickFrom = undefined;
  graph.setPicked([]);
  byId('pick').classList.remove('active');
}

async function onNode(kind: NodeKind, id: string): Promise<void> {
  if (state.picking && (kind === 'workload' || kind === 'peer')) {
    if (state.pickFrom === undefined) {
      state.pickFrom = id;
      graph.setPicked([id]);
      startPicking(id);
      return;
    }
    const from = state.pickFrom;
    stopPicking();
    say('');
    await explain(from, id);
    return;
  }
  if (kind === 'workload') showPanel({ kind: 'workload', id });
  else if (kind === 'namespace') showPanel({ kind: 'namespace', id: id.slice(3) });
  else if (kind === 'peer') showPanel({ kind: 'peer', id });
  else if (kind === 'entry') showPanel({ kind: 'entry', id });
}

async function onEdge(info: EdgeInfo): Promise<void> {
  const m = state.model;
  if (!m) return;
  if (info.level === 'route') {
    const entry = m.entryPoints.find((e) => e.id === info.source || e.id === info.target);
    if (entry) showPanel({ kind: 'entry', id: entry.id });
    return;
  }
  let pairs: readonly ApiEdge[] = info.pairs;
  let truncated = false;
  if (info.level === 'namespace') {
    const e = info.pairs[0]!;
    if (m.workloads) pairs = state.workloadEdges.filter((w) => (e.from.startsWith('ip:') ? w.from === e.from : namespaceOfId(w.from) === e.from) && (e.to.startsWith('ip:') ? w.to === e.to : namespaceOfId(w.to) === e.to));
    else {
      const got = await api.pairs(e.from, e.to);
      pairs = got.pairs;
      truncated = got.truncated;
    }
    if (e.change === 'removed' && pairs.length === 0) pairs = info.pairs;
  }
  const removed = pairs.length > 0 && pairs.every((p) => p.change === 'removed');
  const note = removed ? 'This connection is removed by the new version: the explanation below is for the new version.' : undefined;
  if (pairs.length === 1) {
    const p = pairs[0]!;
    await explain(p.from, p.to, singlePort(p), note);
    return;
  }
  renderPairs(panel, `${info.pairs[0]!.from} → ${info.pairs[0]!.to}`, pairs, truncated, (p) => void explain(p.from, p.to, singlePort(p)));
}

async function search(text: string, go: boolean): Promise<void> {
  state.search = text;
  const hits = graph.highlight(text);
  if (!go || !text.trim()) return;
  if (hits.length > 0) {
    graph.focus(hits);
    return;
  }
  const m = state.model;
  if (!m?.meta.large) {
    say(`nothing matches "${text}"`);
    return;
  }
  const { matches } = await api.search(text.trim());
  fill(panel, h('h2', {}, `Workloads matching "${text}"`), matches.length === 0 ? h('p', { class: 'muted' }, 'none') : h('ul', { class: 'pairs' }, matches.map((id) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => void showWorkload(id) }, id)))));
}

// ---- wiring ------------------------------------------------------------------

byId('search').addEventListener('input', (ev) => void search((ev.target as HTMLInputElement).value, false));
byId('search').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter') void search((ev.target as HTMLInputElement).value, true);
});
(byId('ns-filter') as HTMLSelectElement).addEventListener('change', (ev) => {
  state.namespaceFilter = (ev.target as HTMLSelectElement).value;
  const ns = state.namespaceFilter;
  void (async () => {
    if (ns && state.model?.meta.large && !state.expanded.has(ns)) {
      await loadNamespaces([ns]);
      state.expanded.add(ns);
    }
    await redraw();
  })();
});
byId('label-filter').addEventListener('change', (ev) => {
  state.labelFilter = (ev.target as HTMLInputElement).value;
  void redraw();
});
byId('level').addEventListener('click', () => {
  const m = state.model;
  if (!m) return;
  if (state.expanded.size > 0) state.expanded.clear();
  else if (!m.meta.large) for (const n of m.namespaces) if (n.workloads > 0) state.expanded.add(n.name);
  renderHeader(m);
  void redraw();
});
(byId('diff-toggle') as HTMLInputElement).addEventListener('change', (ev) => {
  state.showDiff = (ev.target as HTMLInputElement).checked;
  byId('legend-diff').hidden = !state.showDiff;
  document.body.dataset['diff'] = state.showDiff ? 'on' : 'off';
  void redraw();
});
byId('pick').addEventListener('click', () => {
  if (state.picking) {
    stopPicking();
    say('');
  } else startPicking();
});
byId('fit').addEventListener('click', () => { graph.fit(); });
byId('all-findings').addEventListener('click', () => { showPanel({ kind: 'findings' }); });
byId('source-close').addEventListener('click', () => { (byId('source-dialog') as HTMLDialogElement).close(); });
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape' && state.picking) {
    stopPicking();
    say('');
  }
});

function sayProgress(p: LoadProgress): void {
  if (p.phase === 'parsing') say(`the server is parsing ${p.files} file${p.files === 1 ? '' : 's'} (${(p.bytes / 1e6).toFixed(1)} MB)…`);
  else say(`the server is analysing ${p.documents.toLocaleString('en')} documents…`);
}

async function start(): Promise<void> {
  say('loading the model…');
  // The server says how far a long load is; the page listens before it asks for the model.
  const events = new EventSource('api/events');
  events.addEventListener('progress', (ev: MessageEvent<string>) => {
    const p = JSON.parse(ev.data) as ApiProgress;
    // Late news of a load whose model is already drawn would hide what the page says now.
    if (!state.model || p.generation > state.model.meta.generation) sayProgress(p);
  });
  try {
    // A large cluster's first view is its namespace graph, sent before the audit is done.
    await loadModel('graph');
    // Marks for the browser test, which records where the first view's time goes.
    performance.mark('meshless:model');
    renderHeader(state.model!);
    document.body.dataset['diff'] = state.showDiff ? 'on' : 'off';
    await redraw();
    showPanel({ kind: 'help' });
    if (state.model!.meta.partial) {
      say('checking the controls…');
      await loadModel();
      renderHeader(state.model!);
      await redraw();
    }
  } catch (e) {
    say(`cannot load the model: ${e instanceof Error ? e.message : String(e)}`, 'error');
    return;
  }
  events.addEventListener('reload', () => {
    void (async () => {
      try {
        await loadModel();
        renderHeader(state.model!);
        await redraw();
        if (state.panel.kind !== 'explain') showPanel(state.panel);
        say(`re-loaded at ${new Date().toLocaleTimeString()}: the inputs changed`);
      } catch (e) {
        say(`re-load failed: ${e instanceof Error ? e.message : String(e)}`, 'error');
      }
    })();
  });
}

void start();
