/** The four controls at the top (status and open findings, clickable) and the findings lists. */
import type { ApiFinding, ApiModel, ControlId, ControlState } from '../server/api.js';
import { fill, h, type Child } from './dom.js';

export const CONTROL_ORDER: readonly ControlId[] = ['authentication', 'ingress-encryption', 'in-cluster-encryption', 'segregation'];

export const CONTROL_NAME: Readonly<Record<ControlId, string>> = {
  authentication: 'Authentication',
  'ingress-encryption': 'Ingress encryption',
  'in-cluster-encryption': 'In-cluster encryption',
  segregation: 'Segregation',
};

const STATUS: Readonly<Record<ControlState, { mark: string; text: string }>> = {
  pass: { mark: '✔', text: 'PASS' },
  partial: { mark: '◐', text: 'PARTIAL' },
  fail: { mark: '✘', text: 'FAIL' },
  unknown: { mark: '?', text: 'UNKNOWN' },
};

export function statusBadge(s: ControlState): HTMLElement {
  return h('span', { class: `status ${s}` }, `${STATUS[s].mark} ${STATUS[s].text}`);
}

export interface FindingLinks {
  /** Opens the source viewer at file:line. */
  readonly openSource: (file: string, line: number) => void;
  /** Shows a workload in the graph and its panel. */
  readonly showWorkload: (id: string) => void;
}

export function renderControls(el: HTMLElement, model: ApiModel, onPick: (c: ControlId) => void): void {
  const controls = model.controls;
  if (!controls) {
    // The first view of a large cluster comes before the audit.
    fill(el, CONTROL_ORDER.map((c) => h('button', { class: 'control pending', type: 'button', 'data-control': c, 'data-status': 'pending', disabled: true }, h('span', { class: 'control-name' }, CONTROL_NAME[c]), h('span', { class: 'status unknown' }, '… checking'), h('span', { class: 'control-count' }, ''))));
    return;
  }
  fill(
    el,
    CONTROL_ORDER.map((c) => {
      const s = controls[c];
      return h(
        'button',
        { class: `control ${s.status}`, type: 'button', 'data-control': c, 'data-status': s.status, title: `${s.note}\nServes: ${s.requirements.join('; ')}`, onclick: () => { onPick(c); } },
        h('span', { class: 'control-name' }, CONTROL_NAME[c]),
        statusBadge(s.status),
        h('span', { class: 'control-count', 'data-count': s.findings }, `${s.findings} finding${s.findings === 1 ? '' : 's'}${s.suppressed ? ` (+${s.suppressed} suppressed)` : ''}`),
      );
    }),
  );
}

export function sourceLink(file: string | undefined, line: number | undefined, links: FindingLinks): Child {
  if (file === undefined) return null;
  const text = `${file}${line !== undefined ? `:${line}` : ''}`;
  return h('a', { class: 'src', href: '#', 'data-file': file, 'data-line': line ?? 1, title: 'show the file at this line', onclick: (ev: Event) => {
    ev.preventDefault();
    links.openSource(file, line ?? 1);
  } }, text);
}

export function findingCard(f: ApiFinding, links: FindingLinks, open = false): HTMLElement {
  const o = f.object;
  return h(
    'article',
    { class: `finding sev-${f.severity}${f.suppressed ? ' suppressed' : ''}`, 'data-check': f.check },
    h('header', {},
      h('span', { class: `sev ${f.severity}` }, f.severity.toUpperCase()),
      ' ',
      h('code', {}, f.check),
      f.suppressed ? h('span', { class: 'tag' }, ` suppressed by ${f.suppressed.by}: ${f.suppressed.reason}`) : null,
    ),
    h('p', { class: 'obj' }, `${o.kind} ${o.namespace !== undefined ? `${o.namespace}/` : ''}${o.name} `, sourceLink(o.file, o.line, links)),
    h('p', {}, f.message),
    h('details', { open }, h('summary', {}, 'Why it matters and the fix'), h('p', {}, f.why), f.requirements.length ? h('p', { class: 'muted' }, `Serves ${f.requirements.join(', ')}`) : null, h('pre', { class: 'fix' }, f.fix.trimEnd())),
    f.workloads.length
      ? h('p', { class: 'muted' }, 'Workloads: ', f.workloads.map((w, i) => [i ? ', ' : '', h('a', { href: '#', onclick: (ev: Event) => {
          ev.preventDefault();
          links.showWorkload(w);
        } }, w)]))
      : null,
  );
}

/** The findings of one control (or all), open first, then suppressed. */
export function renderFindings(el: HTMLElement, model: ApiModel, control: ControlId | undefined, links: FindingLinks): void {
  const list = model.findings.filter((f) => control === undefined || f.control === control);
  const open = list.filter((f) => !f.suppressed);
  const sup = list.filter((f) => f.suppressed);
  const s = control ? model.controls?.[control] : undefined;
  fill(
    el,
    h('h2', {}, control ? CONTROL_NAME[control] : 'All findings', ' ', s ? statusBadge(s.status) : null),
    s ? h('p', { class: 'muted' }, s.note) : null,
    s ? h('p', { class: 'muted' }, `Serves: ${s.requirements.join('; ')}`) : null,
    control === 'in-cluster-encryption' && model.cni ? h('p', {}, `CNI: ${model.cni.cni ?? 'not shown by the input'} — encryption: ${model.cni.encryption}. ${model.cni.note}`) : null,
    h('h3', {}, `Open findings (${open.length})`),
    open.length === 0 ? h('p', { class: 'muted' }, 'None.') : h('div', { class: 'findings', id: 'findings-list' }, open.map((f) => findingCard(f, links))),
    sup.length ? [h('h3', {}, `Suppressed (${sup.length})`), h('div', { class: 'findings' }, sup.map((f) => findingCard(f, links)))] : null,
  );
}
