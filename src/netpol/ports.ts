/**
 * Sets of (protocol, port) as sorted, disjoint, inclusive intervals per protocol.
 * Immutable values; the empty and full sets are shared constants.
 */
import { PROTOCOLS, type Protocol } from '../model/networkpolicy.js';

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

type Ranges = readonly number[]; // [start0, end0, start1, end1, ...]

export interface PortSet {
  readonly TCP: Ranges;
  readonly UDP: Ranges;
  readonly SCTP: Ranges;
}

const NONE: Ranges = Object.freeze([]);
const ALL: Ranges = Object.freeze([MIN_PORT, MAX_PORT]);

export const EMPTY_PORTS: PortSet = Object.freeze({ TCP: NONE, UDP: NONE, SCTP: NONE });
export const ALL_PORTS: PortSet = Object.freeze({ TCP: ALL, UDP: ALL, SCTP: ALL });

export function portRange(protocol: Protocol, start: number, end: number = start): PortSet {
  return { ...EMPTY_PORTS, [protocol]: [start, end] };
}

export function allOfProtocol(protocol: Protocol): PortSet {
  return { ...EMPTY_PORTS, [protocol]: ALL };
}

function unionRanges(a: Ranges, b: Ranges): Ranges {
  if (a.length === 0) return b;
  if (b.length === 0 || a === b) return a;
  if (a === ALL || b === ALL) return ALL;
  const pairs: [number, number][] = [];
  for (let i = 0; i < a.length; i += 2) pairs.push([a[i]!, a[i + 1]!]);
  for (let i = 0; i < b.length; i += 2) pairs.push([b[i]!, b[i + 1]!]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const n = out.length;
    if (n > 0 && s <= out[n - 1]! + 1) {
      if (e > out[n - 1]!) out[n - 1] = e;
    } else out.push(s, e);
  }
  return out.length === 2 && out[0] === MIN_PORT && out[1] === MAX_PORT ? ALL : out;
}

function intersectRanges(a: Ranges, b: Ranges): Ranges {
  if (a.length === 0 || b.length === 0) return NONE;
  if (a === ALL) return b;
  if (b === ALL) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i]!, b[j]!);
    const e = Math.min(a[i + 1]!, b[j + 1]!);
    if (s <= e) out.push(s, e);
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return out.length === 0 ? NONE : out;
}

export function union(a: PortSet, b: PortSet): PortSet {
  if (a === b || b === EMPTY_PORTS || a === ALL_PORTS) return a;
  if (a === EMPTY_PORTS || b === ALL_PORTS) return b;
  const r = { TCP: unionRanges(a.TCP, b.TCP), UDP: unionRanges(a.UDP, b.UDP), SCTP: unionRanges(a.SCTP, b.SCTP) };
  return canonical(r);
}

export function intersect(a: PortSet, b: PortSet): PortSet {
  if (a === b || b === ALL_PORTS) return a;
  if (a === ALL_PORTS) return b;
  if (a === EMPTY_PORTS || b === EMPTY_PORTS) return EMPTY_PORTS;
  return canonical({ TCP: intersectRanges(a.TCP, b.TCP), UDP: intersectRanges(a.UDP, b.UDP), SCTP: intersectRanges(a.SCTP, b.SCTP) });
}

function complementRanges(a: Ranges): Ranges {
  if (a.length === 0) return ALL;
  if (a === ALL) return NONE;
  const out: number[] = [];
  let next = MIN_PORT;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i]! > next) out.push(next, a[i]! - 1);
    next = a[i + 1]! + 1;
  }
  if (next <= MAX_PORT) out.push(next, MAX_PORT);
  return out.length === 0 ? NONE : out;
}

/** The ports of `a` that are not in `b`. */
export function subtract(a: PortSet, b: PortSet): PortSet {
  if (b === EMPTY_PORTS || a === EMPTY_PORTS) return a;
  if (b === ALL_PORTS || a === b) return EMPTY_PORTS;
  return canonical({
    TCP: intersectRanges(a.TCP, complementRanges(b.TCP)),
    UDP: intersectRanges(a.UDP, complementRanges(b.UDP)),
    SCTP: intersectRanges(a.SCTP, complementRanges(b.SCTP)),
  });
}

function canonical(p: PortSet): PortSet {
  if (p.TCP.length === 0 && p.UDP.length === 0 && p.SCTP.length === 0) return EMPTY_PORTS;
  if (p.TCP === ALL && p.UDP === ALL && p.SCTP === ALL) return ALL_PORTS;
  return p;
}

export function isEmpty(p: PortSet): boolean {
  return p.TCP.length === 0 && p.UDP.length === 0 && p.SCTP.length === 0;
}

export function isAll(p: PortSet): boolean {
  return p === ALL_PORTS || (isAllRanges(p.TCP) && isAllRanges(p.UDP) && isAllRanges(p.SCTP));
}

function isAllRanges(r: Ranges): boolean {
  return r.length === 2 && r[0] === MIN_PORT && r[1] === MAX_PORT;
}

export function hasPort(p: PortSet, protocol: Protocol, port: number): boolean {
  const r = p[protocol];
  for (let i = 0; i < r.length; i += 2) {
    if (port < r[i]!) return false;
    if (port <= r[i + 1]!) return true;
  }
  return false;
}

export function equals(a: PortSet, b: PortSet): boolean {
  if (a === b) return true;
  for (const proto of PROTOCOLS) {
    const x = a[proto];
    const y = b[proto];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

/** `["80/TCP", "8000-8080/TCP", "53/UDP"]`, `["all"]` for every port of every protocol, `["TCP"]` for every TCP port. */
export function formatPorts(p: PortSet): string[] {
  if (isAll(p)) return ['all'];
  const out: string[] = [];
  for (const proto of PROTOCOLS) {
    const r = p[proto];
    if (isAllRanges(r)) {
      out.push(proto);
      continue;
    }
    for (let i = 0; i < r.length; i += 2) {
      out.push(r[i] === r[i + 1] ? `${r[i]!}/${proto}` : `${r[i]!}-${r[i + 1]!}/${proto}`);
    }
  }
  return out;
}

/** A stable key for use in maps. */
export function portsKey(p: PortSet): string {
  return `${p.TCP.join(',')}|${p.UDP.join(',')}|${p.SCTP.join(',')}`;
}
