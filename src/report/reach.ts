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

/** `a, b, c` → `a (+2)`: the first of a list and how many more. */
function firstAndCount(list: readonly string[]): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list[0]!} (+${list.length - 1})`;
}

/**
 * Short names for outside peers, for a terminal: `internet` for the public address
 * space (0.0.0.0/0 or ::/0 less some blocks, or everything no policy names), and
 * `10.0.0.0/8 (+2)` for a list of blocks. Names that would collide keep their
 * exceptions, then their whole id. `-o wide` and JSON print the ids whole.
 */
export function outsideNames(ids: readonly string[]): Map<string, string> {
  const short = (id: string, withExcept: boolean): string => {
    if (id === 'ip:other') return 'internet';
    const [include = '', except] = id.slice('ip:'.length).split(' except ');
    const blocks = include.split(', ');
    const head = blocks.some((b) => b === '0.0.0.0/0' || b === '::/0') ? 'internet' : firstAndCount(blocks);
    return withExcept && except !== undefined ? `${head} except ${firstAndCount(except.split(', '))}` : head;
  };
  const names = new Map<string, string>();
  const pass = (todo: readonly string[], name: (id: string) => string): string[] => {
    const counts = new Map<string, number>();
    for (const id of todo) counts.set(name(id), (counts.get(name(id)) ?? 0) + 1);
    const clash: string[] = [];
    for (const id of todo) {
      if (counts.get(name(id)) === 1) names.set(id, name(id));
      else clash.push(id);
    }
    return clash;
  };
  const outside = [...new Set(ids.filter((id) => id.startsWith('ip:')))];
  for (const id of pass(pass(outside, (i) => short(i, false)), (i) => short(i, true))) names.set(id, id);
  return names;
}

/** kubectl's short names for the kinds in endpoint ids. */
const SHORT_KINDS: Readonly<Record<string, string>> = { deployment: 'deploy', statefulset: 'sts', daemonset: 'ds', replicaset: 'rs', cronjob: 'cj', replicationcontroller: 'rc' };

/** `shop/deployment/web` → `shop/deploy/web`; other ids unchanged. */
function shortKind(id: string): string {
  const parts = id.split('/');
  const kind = parts.length === 3 ? SHORT_KINDS[parts[1]!] : undefined;
  return kind === undefined ? id : `${parts[0]!}/${kind}/${parts[2]!}`;
}

/** Cuts the middle out of a name that is longer than `width`: `envoy-gateway-sy…/envoy-shop-public`. */
function fit(s: string, width: number): string {
  if (s.length <= width) return s;
  const tail = Math.ceil((width - 1) / 2);
  return `${s.slice(0, width - 1 - tail)}…${s.slice(s.length - tail)}`;
}

export interface ReachTableOptions {
  /**
   * Fit the table in this many columns (the terminal view: 100): outside peers by
   * short names, long port lists as `80/TCP, 443/TCP (+3)`, and, if still too wide,
   * long ids cut in the middle. Absent: everything whole (`-o wide`).
   */
  readonly maxWidth?: number;
}

export function reachTable(r: ReachResult, port?: { port: number; protocol: string }, opts: ReachTableOptions = {}): string {
  if (r.allowed.length === 0) return '(no allowed connections)';
  const max = opts.maxWidth;
  const names = max !== undefined ? outsideNames(r.allowed.flatMap((e) => [e.from, e.to])) : new Map<string, string>();
  const name = (id: string): string => names.get(id) ?? id;
  const portsText = (list: readonly string[]): string => {
    const all = list.join(', ');
    if (max === undefined || all.length <= 30) return all;
    let n = list.length - 1;
    while (n > 1 && `${list.slice(0, n).join(', ')} (+${list.length - n})`.length > 30) n--;
    return `${list.slice(0, n).join(', ')} (+${list.length - n})`;
  };
  const body = r.allowed.map((e) => [name(e.from), name(e.to), port ? `${port.port}/${port.protocol}` : portsText(formatPorts(e.ports))]);
  const head = ['FROM', 'TO', port ? 'PORT' : 'PORTS'];
  let rows = [head, ...body];
  let cut = false;
  if (max !== undefined) {
    const width = (i: number): number => Math.max(...rows.map((row) => row[i]!.length));
    const over = (): boolean => width(0) + width(1) + width(2) + 4 > max;
    if (over()) {
      // First kubectl's short names for the controller kinds (`shop/deploy/web`)…
      rows = [head, ...body.map(([f, t, p]) => [shortKind(f!), shortKind(t!), p!])];
      cut = true;
    }
    if (over()) {
      // …then the middle of the longest ids.
      // Share what is left after the ports between FROM and TO; the narrower keeps its width.
      const room = max - width(2) - 4;
      const narrow = Math.min(width(0), width(1));
      const cap = narrow <= room / 2 ? room - narrow : Math.floor(room / 2);
      rows = rows.map((row) => [fit(row[0]!, Math.max(cap, 12)), fit(row[1]!, Math.max(cap, 12)), row[2]!]);
    }
  }
  const out = table(rows);
  const shortened = names.size > 0 && [...names].some(([id, n]) => id !== n);
  return cut || shortened ? `${out}\n\n(${cut ? `names shortened to fit ${String(max)} columns` : 'outside peers by short name'}; -o wide prints them whole)` : out;
}

/** Breaks a line longer than `width` at spaces; continuation lines are indented by `indent`. */
export function wrapLine(line: string, width: number, indent = '    '): string[] {
  if (line.length <= width) return [line];
  const lead = /^ */.exec(line)![0];
  const out: string[] = [];
  let cur = lead;
  for (const word of line.slice(lead.length).split(' ')) {
    const next = cur.trim() === '' ? `${cur}${word}` : `${cur} ${word}`;
    if (next.length > width && cur.trim() !== '') {
      out.push(cur);
      cur = `${lead}${indent}${word}`;
    } else cur = next;
  }
  if (cur !== '') out.push(cur);
  return out;
}
