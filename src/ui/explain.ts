/** The explain answer: verdict, both sides, every policy and rule with a link to its file and line. */
import type { ApiEdge } from '../server/api.js';
import type { Explanation, PolicyVerdict, SideVerdict } from './api.js';
import { sourceLink, type FindingLinks } from './controls.js';
import { fill, h } from './dom.js';

function policyBlock(p: PolicyVerdict, dir: string, links: FindingLinks): HTMLElement {
  return h(
    'div',
    { class: 'policy', 'data-policy': `${p.namespace}/${p.name}` },
    h('p', {}, 'policy ', h('b', {}, `${p.namespace}/${p.name}`), ' ', sourceLink(p.file, p.line, links), p.typesDefaulted ? h('span', { class: 'tag' }, ' policyTypes defaulted') : null),
    p.rules.length === 0
      ? h('p', { class: 'muted rule' }, `no ${dir} rules: denies all ${dir}`)
      : h('ul', { class: 'rules' }, p.rules.map((r) =>
          h('li', { class: r.allows ? 'allows' : 'no' },
            h('span', { class: 'mark' }, r.allows ? '✔ allows' : '✘ no match'),
            ' ',
            h('code', {}, `${dir}[${r.index}]`),
            ' ',
            sourceLink(r.file, r.line, links),
            h('div', { class: 'why' }, `peers: ${r.peerReason}`),
            h('div', { class: 'why' }, `ports: ${r.portReason}`),
          ),
        )),
  );
}

function layersBlock(s: SideVerdict, links: FindingLinks): HTMLElement | null {
  if (!s.layers) return null;
  return h(
    'div',
    { class: 'layers' },
    s.layers.tiers.map((t) =>
      h('div', { class: 'tier', 'data-tier': t.tier },
        h('p', {}, h('b', {}, t.tier), ` — ${t.summary.slice(t.tier.length + 2)}`),
        h('ul', { class: 'rules' }, t.rules.map((r) =>
          h('li', { class: r.decided.length > 0 ? (r.action === 'allow' ? 'allows' : 'denies') : 'no' },
            h('span', { class: 'mark' }, r.decided.length > 0 ? `${r.action === 'allow' ? '✔' : r.action === 'deny' ? '✘' : '→'} ${r.action}` : '· no match'),
            ' ', h('code', {}, `${r.policy} ${r.rule}`), ' ', sourceLink(r.file, r.line, links),
            h('div', { class: 'why' }, `peers: ${r.peerReason}`),
            h('div', { class: 'why' }, `ports: ${r.ports.join(', ') || 'none'}${r.decided.length > 0 ? `; decided ${r.decided.join(', ')}` : ''}`),
            r.note ? h('div', { class: 'why' }, `note: ${r.note}`) : null,
          ),
        )),
      ),
    ),
    s.layers.fallthrough.length > 0 ? h('p', { class: 'muted' }, `no tier decided ${s.layers.fallthrough.join(', ')}: allowed`) : null,
  );
}

function sideBlock(s: SideVerdict, links: FindingLinks): HTMLElement {
  if (s.layers) {
    return h(
      'section',
      { class: `side ${s.allowed ? 'allowed' : 'denied'}` },
      h('h3', {}, `${s.direction === 'egress' ? 'Egress from' : 'Ingress to'} ${s.subject}: `, h('span', { class: 'verdict-small' }, s.allowed ? '✔ allowed' : '✘ DENIED')),
      h('p', {}, s.summary),
      layersBlock(s, links),
    );
  }
  return h(
    'section',
    { class: `side ${s.allowed ? 'allowed' : 'denied'}` },
    h('h3', {}, `${s.direction === 'egress' ? 'Egress from' : 'Ingress to'} ${s.subject}: `, h('span', { class: 'verdict-small' }, s.allowed ? '✔ allowed' : '✘ DENIED')),
    h('p', {}, s.summary),
    // The policies that allow it first, then those that do not match.
    [...s.policies].sort((a, b) => Number(b.rules.some((r) => r.allows)) - Number(a.rules.some((r) => r.allows))).map((p) => policyBlock(p, s.direction, links)),
  );
}

export function renderExplanation(el: HTMLElement, e: Explanation, links: FindingLinks, note?: string): void {
  fill(
    el,
    h('h2', {}, 'Explain'),
    h('p', { class: `verdict ${e.allowed ? 'allowed' : 'denied'}`, id: 'verdict' }, e.allowed ? '✔ ALLOWED' : '✘ DENIED'),
    h('p', { class: 'summary', id: 'explain-summary' }, e.summary),
    note ? h('p', { class: 'muted' }, note) : null,
    h('p', { class: 'muted' }, `${e.from} → ${e.to}${e.port !== undefined ? ` on ${e.port}/${e.protocol ?? 'TCP'}` : ''}; allowed end to end: ${e.allowedPorts.length ? e.allowedPorts.join(', ') : 'nothing'}`),
    sideBlock(e.egress, links),
    sideBlock(e.ingress, links),
  );
}

/** Several connections behind one edge: pick one to explain. */
export function renderPairs(el: HTMLElement, title: string, pairs: readonly ApiEdge[], truncated: boolean, onExplain: (p: ApiEdge) => void): void {
  fill(
    el,
    h('h2', {}, title),
    h('p', { class: 'muted' }, `${pairs.length}${truncated ? '+' : ''} connection${pairs.length === 1 ? '' : 's'}; pick one to see why.`),
    h('ul', { class: 'pairs' }, pairs.map((p) =>
      h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => { onExplain(p); } }, `${p.change ? `${p.change}: ` : ''}${p.from} → ${p.to}`), ' ', h('span', { class: 'muted' }, p.ports.includes('all') ? 'any port' : p.ports.join(', '))),
    )),
  );
}

/** The port to ask about for one connection: its single port, if it has exactly one. */
export function singlePort(p: ApiEdge): string | undefined {
  return p.ports.length === 1 && /^\d+\/[A-Z]+$/.test(p.ports[0]!) ? p.ports[0] : undefined;
}
