/** Renderers for `reach`: a table for people, JSON for tools (format in docs/output-formats.md). */
import type { ReachResult } from '../netpol/reach.js';
import { formatPorts } from '../netpol/ports.js';
import type { NotJudged } from '../netpol/unjudged.js';
import { inputJson, type InputFacts, type InputJson } from './input-json.js';

export interface ReachJson {
  readonly level: string;
  readonly port?: number;
  readonly protocol?: string;
  readonly endpoints: string[];
  readonly external: { id: string; cidrs: string[] }[];
  readonly allowed: ({ from: string; to: string } | { from: string; to: string; ports: string[] })[];
  /** Rules whose peers cannot be judged from manifests (node IPs, domain names…): the answers they could change. Absent when none. */
  readonly notJudged?: readonly NotJudged[];
  /** What was read: objects, skipped, diagnostics with file:line. */
  readonly input?: InputJson;
}

export function reachJson(r: ReachResult, port?: { port: number; protocol: string }, notJudged: readonly NotJudged[] = [], input?: InputFacts): ReachJson {
  return {
    ...(port ? { port: port.port, protocol: port.protocol } : {}),
    level: r.level,
    endpoints: r.endpoints,
    external: r.external,
    allowed: r.allowed.map((e) => (port ? { from: e.from, to: e.to } : { from: e.from, to: e.to, ports: formatPorts(e.ports) })),
    ...(notJudged.length > 0 ? { notJudged } : {}),
    ...(input ? { input: inputJson(input) } : {}),
  };
}

/** Lines that say which rules were not judged, for people. */
export function notJudgedText(list: readonly NotJudged[]): string[] {
  if (list.length === 0) return [];
  return [
    `${list.length} rule${list.length === 1 ? '' : 's'} depend${list.length === 1 ? 's' : ''} on what manifests do not show and ${list.length === 1 ? 'is' : 'are'} not judged (they match nothing above):`,
    ...list.map((n) => `  ${n.policy} ${n.rule} (${n.action}) depends on ${n.dependsOn.join(', ')} (${n.file}:${n.line})`),
  ];
}

// eslint-disable-next-line no-control-regex -- the escape character is what an SGR colour code starts with
const SGR = /\u001b\[[0-9;]*m/g;

/** How wide a cell shows on a terminal: colour codes take no columns. */
export function visibleWidth(s: string): number {
  return s.replace(SGR, '').length;
}

/** Pads columns (measured without colour codes); the last column is left ragged. */
export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => visibleWidth(r[i] ?? ''))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(Math.max(0, widths[i]! - visibleWidth(c))))).join('  ').trimEnd()).join('\n');
}

export function reachTable(r: ReachResult, port?: { port: number; protocol: string }): string {
  const rows: string[][] = [['FROM', 'TO', port ? 'PORT' : 'PORTS']];
  for (const e of r.allowed) rows.push([e.from, e.to, port ? `${port.port}/${port.protocol}` : formatPorts(e.ports).join(', ')]);
  return rows.length === 1 ? '(no allowed connections)' : table(rows);
}
