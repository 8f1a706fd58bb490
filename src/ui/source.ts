/** A modal that shows an input file with one line marked: where a policy or finding points. */
import { api } from './api.js';
import { byId, fill, h } from './dom.js';

export async function openSource(file: string, line: number): Promise<void> {
  const dialog = (byId('source-dialog') as HTMLDialogElement);
  const body = byId('source-body');
  fill(byId('source-title'), `${file}:${line}`);
  fill(body, h('p', { class: 'muted' }, 'loading…'));
  if (!dialog.open) dialog.showModal();
  try {
    const src = await api.source(file);
    const lines = src.text.split('\n');
    const width = String(lines.length).length;
    fill(body, h('pre', { class: 'source' }, lines.map((text, i) =>
      h('span', { class: i + 1 === line ? 'line hit' : 'line', id: i + 1 === line ? 'source-hit' : undefined }, h('span', { class: 'ln' }, String(i + 1).padStart(width)), ' ', text, '\n'),
    )));
    document.getElementById('source-hit')?.scrollIntoView({ block: 'center' });
  } catch (e) {
    fill(body, h('p', { class: 'error' }, e instanceof Error ? e.message : String(e)));
  }
}
