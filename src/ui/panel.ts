/** Side-panel views for one thing: a workload (its isolation, exposure, connections, findings and fixes), a namespace, an outside peer, an entry point. */
import type { ApiEdge, ApiEntryPoint, ApiModel, ApiNamespace, ApiPeer, ApiWorkload } from '../server/api.js';
import { findingCard, sourceLink, type FindingLinks } from './controls.js';
import { fill, h, type Child } from './dom.js';

export interface PanelActions extends FindingLinks {
  readonly explain: (from: string, to: string, port?: string) => void;
  readonly explainFrom: (from: string) => void;
  readonly toggleNamespace: (ns: string) => void;
}

function yes(v: boolean, good: string, bad: string): HTMLElement {
  return h('span', { class: v ? 'ok' : 'bad' }, v ? `✔ ${good}` : `⚠ ${bad}`);
}

function connectionList(title: string, edges: readonly ApiEdge[], self: string, incoming: boolean, actions: PanelActions): Child {
  if (edges.length === 0) return [h('h3', {}, `${title} (0)`), h('p', { class: 'muted' }, 'none')];
  const MAX = 60;
  return [
    h('h3', {}, `${title} (${edges.length})`),
    h('ul', { class: 'pairs' }, edges.slice(0, MAX).map((e) => {
      const other = incoming ? e.from : e.to;
      const port = e.ports.length === 1 && e.ports[0] !== 'all' ? e.ports[0] : undefined;
      return h('li', {},
        h('button', { type: 'button', class: 'link', title: 'explain this connection', onclick: () => { actions.explain(incoming ? other : self, incoming ? self : other, port); } }, other),
        ' ', h('span', { class: 'muted' }, e.ports.includes('all') ? 'any port' : e.ports.join(', ')),
        e.change ? h('span', { class: 'tag' }, ` ${e.change}`) : null,
      );
    })),
    edges.length > MAX ? h('p', { class: 'muted' }, `… and ${edges.length - MAX} more`) : null,
  ];
}

export function renderWorkload(el: HTMLElement, model: ApiModel, w: ApiWorkload, edges: readonly ApiEdge[], actions: PanelActions): void {
  const mine = model.findings.filter((f) => f.workloads.includes(w.id));
  const nsFindings = model.findings.filter((f) => f.workloads.length === 0 && f.namespace === w.namespace);
  const routes = model.entryPoints.filter((e) => e.workloads.includes(w.id));
  const enc = model.cni?.encryption ?? 'unknown';
  fill(
    el,
    h('h2', { id: 'workload-title' }, w.name),
    h('p', { class: 'muted' }, `${w.kind} in namespace ${w.namespace} · ${w.pods} ${w.pods === 1 ? 'pod' : 'pods'} · `, sourceLink(w.file, w.line, actions)),
    h('ul', { class: 'facts' },
      h('li', {}, yes(w.ingressIsolated, 'isolated for ingress', 'not isolated for ingress: any pod and any address may connect')),
      h('li', {}, yes(w.egressIsolated, 'isolated for egress', 'not isolated for egress: it may connect anywhere')),
      h('li', {}, w.exposed
        ? [h('span', {}, '⇦ exposed through '), routes.map((r, i) => [i ? ', ' : '', `${r.host}${r.path ?? ''} (${r.authenticated ? 'AUTH ✔' : r.publicReason !== undefined ? 'public' : 'AUTH ✘'} · ${r.tls ? 'TLS ✔' : 'TLS ✘'})`])]
        : h('span', { class: 'muted' }, 'not exposed through an entry point')),
      h('li', {}, enc === 'unknown' ? h('span', { class: 'muted' }, '? node-to-node encryption unknown') : yes(enc !== 'none', `node-to-node traffic encrypted (${enc})`, 'node-to-node traffic not encrypted')),
    ),
    Object.keys(w.labels).length ? h('p', { class: 'labels' }, Object.entries(w.labels).map(([k, v]) => h('code', { class: 'label' }, `${k}=${v}`))) : null,
    h('p', {}, h('button', { type: 'button', onclick: () => { actions.explainFrom(w.id); } }, 'Explain a connection from here…')),
    h('h3', {}, `Findings (${mine.length})`),
    mine.length ? h('div', { class: 'findings' }, mine.map((f) => findingCard(f, actions, true))) : h('p', { class: 'muted' }, 'None on this workload or its routes.'),
    nsFindings.length ? [h('h3', {}, `In namespace ${w.namespace} (${nsFindings.length})`), h('div', { class: 'findings' }, nsFindings.map((f) => findingCard(f, actions)))] : null,
    connectionList('May receive from', edges.filter((e) => e.to === w.id), w.id, true, actions),
    connectionList('May connect to', edges.filter((e) => e.from === w.id), w.id, false, actions),
  );
}

export function renderNamespace(el: HTMLElement, model: ApiModel, ns: ApiNamespace, expanded: boolean, actions: PanelActions): void {
  const fs = model.findings.filter((f) => f.namespace === ns.name);
  const inside = model.namespaceEdges.find((e) => e.from === ns.name && e.to === ns.name && e.change !== 'removed');
  const out = model.namespaceEdges.filter((e) => e.from === ns.name && e.to !== ns.name);
  const into = model.namespaceEdges.filter((e) => e.to === ns.name && e.from !== ns.name);
  fill(
    el,
    h('h2', {}, `namespace ${ns.name}`),
    h('p', {}, h('button', { type: 'button', onclick: () => { actions.toggleNamespace(ns.name); } }, expanded ? 'Collapse to one node' : 'Show its workloads')),
    h('ul', { class: 'facts' },
      h('li', {}, `${ns.workloads} workload${ns.workloads === 1 ? '' : 's'}, ${ns.exposed} exposed`),
      h('li', {}, ns.ingressOpen ? h('span', { class: 'bad' }, `⚠ ${ns.ingressOpen} not isolated for ingress`) : h('span', { class: 'ok' }, '✔ all isolated for ingress')),
      h('li', {}, ns.egressOpen ? h('span', { class: 'bad' }, `⚠ ${ns.egressOpen} not isolated for egress`) : h('span', { class: 'ok' }, '✔ all isolated for egress')),
    ),
    h('p', { class: 'labels' }, Object.entries(ns.labels).map(([k, v]) => h('code', { class: 'label' }, `${k}=${v}`))),
    h('p', {}, 'Inside the namespace: ', inside ? (inside.ports.includes('all') ? h('b', {}, 'any port') : inside.ports.join(', ')) : h('span', { class: 'muted' }, 'no connections')),
    h('h3', {}, `Findings (${fs.length})`),
    fs.length ? h('div', { class: 'findings' }, fs.map((f) => findingCard(f, actions))) : h('p', { class: 'muted' }, 'None.'),
    nsList('May receive from', into, true),
    nsList('May connect to', out, false),
  );
}

function nsList(title: string, edges: readonly ApiEdge[], incoming: boolean): Child {
  const MAX = 60;
  return [
    h('h3', {}, `${title} (${edges.length})`),
    edges.length === 0 ? h('p', { class: 'muted' }, 'none') : h('ul', { class: 'pairs' }, edges.slice(0, MAX).map((e) => h('li', {}, incoming ? e.from : e.to, ' ', h('span', { class: 'muted' }, e.ports.includes('all') ? 'any port' : e.ports.join(', ')), e.change ? h('span', { class: 'tag' }, ` ${e.change}`) : null))),
    edges.length > MAX ? h('p', { class: 'muted' }, `… and ${edges.length - MAX} more`) : null,
  ];
}

export function renderPeer(el: HTMLElement, p: ApiPeer): void {
  fill(
    el,
    h('h2', {}, p.label),
    h('p', {}, p.internet ? 'The public address space: what the internet can reach, and be reached by.' : 'Addresses outside the pod network that every ipBlock in the policies treats alike.'),
    h('p', { class: 'muted' }, 'Addresses:'),
    h('ul', { class: 'cidrs' }, p.cidrs.slice(0, 40).map((c) => h('li', {}, h('code', {}, c)))),
    p.cidrs.length > 40 ? h('p', { class: 'muted' }, `… and ${p.cidrs.length - 40} more blocks`) : null,
    h('p', { class: 'muted' }, h('code', {}, p.id)),
  );
}

export function renderEntry(el: HTMLElement, model: ApiModel, e: ApiEntryPoint, actions: PanelActions): void {
  const fs = model.findings.filter((f) => f.object.kind === e.route.kind && f.object.name === e.route.name && f.object.namespace === e.route.namespace);
  fill(
    el,
    h('h2', {}, `${e.host}${e.path ?? ''}`),
    h('p', { class: 'muted' }, `entry point via ${e.via}: ${e.route.kind} ${e.route.namespace ?? ''}/${e.route.name} `, sourceLink(e.route.file, e.route.line, actions)),
    h('ul', { class: 'facts' },
      h('li', {}, e.authenticated ? h('span', { class: 'ok' }, `✔ authenticated by ${e.authBy ?? 'the edge'}`) : e.publicReason !== undefined ? h('span', {}, `public on purpose: ${e.publicReason}`) : h('span', { class: 'bad' }, '✘ not authenticated at the edge')),
      h('li', {}, e.tls ? h('span', { class: 'ok' }, `✔ TLS at the edge (${e.tlsBy ?? 'TLS'})`) : h('span', { class: 'bad' }, '✘ no TLS: served over plain HTTP')),
      h('li', {}, `backend Service ${e.service.namespace}/${e.service.name} → `, e.workloads.length ? e.workloads.map((w, i) => [i ? ', ' : '', h('a', { href: '#', onclick: (ev: Event) => {
        ev.preventDefault();
        actions.showWorkload(w);
      } }, w)]) : 'no workload in the input'),
    ),
    h('h3', {}, `Findings on this route (${fs.length})`),
    fs.length ? h('div', { class: 'findings' }, fs.map((f) => findingCard(f, actions))) : h('p', { class: 'muted' }, 'None.'),
  );
}
