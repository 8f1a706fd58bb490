/**
 * IP address sets as sorted, disjoint, inclusive bigint intervals per family, and
 * the partition of the address space outside the cluster into "external peers":
 * the coarsest pieces on which every ipBlock of every policy agrees.
 */
import { allOf, FAMILY_BITS, rangeToCidrs, type Cidr, type IpFamily } from '../model/ip.js';

type Interval = readonly [bigint, bigint];

export interface IpSet {
  readonly v4: readonly Interval[];
  readonly v6: readonly Interval[];
}

export const EMPTY_IPSET: IpSet = { v4: [], v6: [] };

const key = (f: IpFamily): 'v4' | 'v6' => (f === 4 ? 'v4' : 'v6');

function normalise(list: Interval[]): Interval[] {
  list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [s, e] of list) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1n) {
      if (e > last[1]) last[1] = e;
    } else out.push([s, e]);
  }
  return out;
}

export function ipSetOf(cidrs: readonly Cidr[]): IpSet {
  const v4: Interval[] = [];
  const v6: Interval[] = [];
  for (const c of cidrs) (c.family === 4 ? v4 : v6).push([c.start, c.end]);
  return { v4: normalise(v4), v6: normalise(v6) };
}

function subtractList(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [s0, e] of a) {
    let s = s0;
    for (const [bs, be] of b) {
      if (be < s || bs > e) continue;
      if (bs > s) out.push([s, bs - 1n]);
      s = be + 1n;
      if (s > e) break;
    }
    if (s <= e) out.push([s, e]);
  }
  return out;
}

export function subtract(a: IpSet, b: IpSet): IpSet {
  return { v4: subtractList(a.v4, b.v4), v6: subtractList(a.v6, b.v6) };
}

export function unionIp(a: IpSet, b: IpSet): IpSet {
  return { v4: normalise([...a.v4, ...b.v4]), v6: normalise([...a.v6, ...b.v6]) };
}

/** The set an ipBlock stands for: cidr minus every except. */
export function ipBlockSet(cidr: Cidr, except: readonly Cidr[]): IpSet {
  return subtract(ipSetOf([cidr]), ipSetOf(except));
}

/** The set as the fewest CIDRs that cover exactly it, IPv4 first. */
export function cidrsOf(set: IpSet): string[] {
  return [...set.v4.flatMap(([s, e]) => rangeToCidrs(4, s, e)), ...set.v6.flatMap(([s, e]) => rangeToCidrs(6, s, e))].map((c) => c.text);
}

export function containsIp(set: IpSet, family: IpFamily, value: bigint): boolean {
  for (const [s, e] of set[key(family)]) {
    if (value < s) return false;
    if (value <= e) return true;
  }
  return false;
}

export function isEmptyIp(set: IpSet): boolean {
  return set.v4.length === 0 && set.v6.length === 0;
}

/** Is `inner` entirely inside `outer`? */
export function coversIp(outer: IpSet, inner: IpSet): boolean {
  return isEmptyIp(subtract(inner, outer));
}


/**
 * Describes the set with blocks the user wrote: the largest vocabulary blocks
 * that lie mostly inside it, minus holes that are vocabulary blocks themselves.
 * `10.0.0.0/8, 172.16.0.0/12 except 10.244.0.0/16`. Undefined when it cannot.
 */
function describeWithVocabulary(family: IpFamily, list: readonly Interval[], vocabulary: readonly Cidr[]): string | undefined {
  const vocab = vocabulary.filter((c) => c.family === family);
  const inside = (c: Cidr, within: readonly Interval[]): boolean => subtractList([[c.start, c.end]], within).length === 0;
  const expressible = (holes: readonly Interval[]): Cidr[] | undefined => {
    if (holes.length === 0) return [];
    const parts = vocab.filter((v) => inside(v, holes));
    const maximal = parts.filter((p) => !parts.some((q) => q !== p && q.prefix < p.prefix && p.start >= q.start && p.end <= q.end));
    const unique = maximal.filter((p, i) => maximal.findIndex((q) => q.text === p.text) === i);
    const covered = normalise(unique.map((c) => [c.start, c.end] as const));
    return subtractList(holes, covered).length === 0 ? unique : undefined;
  };
  const qualifying: { c: Cidr; holes: Cidr[] }[] = [];
  for (const c of vocab) {
    if (subtractList([[c.start, c.end]], subtractList([[c.start, c.end]], list)).length === 0) continue; // no overlap
    const holes = expressible(subtractList([[c.start, c.end]], list));
    if (holes) qualifying.push({ c, holes });
  }
  const maximal = qualifying.filter((q) => !qualifying.some((o) => o !== q && o.c.prefix < q.c.prefix && q.c.start >= o.c.start && q.c.end <= o.c.end));
  const unique = maximal.filter((q, i) => maximal.findIndex((o) => o.c.text === q.c.text) === i).sort((a, b) => (a.c.start < b.c.start ? -1 : 1));
  if (unique.length === 0) return undefined;
  const cover = normalise(unique.map((q) => [q.c.start, q.c.end] as const));
  if (subtractList(list, cover).length > 0) return undefined;
  const holes = unique.flatMap((q) => q.holes).filter((h, i, all) => all.findIndex((o) => o.text === h.text) === i);
  return `${unique.map((q) => q.c.text).join(', ')}${holes.length ? ` except ${holes.map((h) => h.text).join(', ')}` : ''}`;
}

/** Shortest exact description: `10.0.0.0/8`, `0.0.0.0/0 except 10.0.0.0/8, 192.168.0.0/16`. */
export function describeIpSet(set: IpSet, vocabulary: readonly Cidr[] = []): string {
  const parts: string[] = [];
  for (const family of [4, 6] as const) {
    const list = set[key(family)];
    if (list.length === 0) continue;
    const direct = list.flatMap(([s, e]) => rangeToCidrs(family, s, e));
    if (direct.length > 2) {
      const v = describeWithVocabulary(family, list, [...vocabulary, allOf(family)]);
      if (v !== undefined) {
        parts.push(v);
        continue;
      }
    }
    // Try "base except holes": the smallest block covering the set, minus the gaps.
    const lo = list[0]![0];
    const hi = list[list.length - 1]![1];
    let base: Cidr = allOf(family);
    for (let prefix = FAMILY_BITS[family]; prefix >= 0; prefix--) {
      const hostBits = BigInt(FAMILY_BITS[family] - prefix);
      const start = (lo >> hostBits) << hostBits;
      const end = start + (1n << hostBits) - 1n;
      if (start <= lo && end >= hi) {
        base = { ...allOf(family), prefix, start, end, text: rangeToCidrs(family, start, end)[0]!.text };
        break;
      }
    }
    const holes = subtractList([[base.start, base.end]], list).flatMap(([s, e]) => rangeToCidrs(family, s, e));
    if (holes.length + 1 < direct.length) {
      parts.push(holes.length === 0 ? base.text : `${base.text} except ${holes.map((c) => c.text).join(', ')}`);
    } else {
      parts.push(direct.map((c) => c.text).join(', '));
    }
  }
  return parts.length === 0 ? '(none)' : parts.join(' + ');
}

/** The external peer no ipBlock names: every address outside the cluster that no rule singles out. */
export const OTHER_ID = 'ip:other';

export interface ExternalAtom {
  /** Index in the atom list. */
  readonly index: number;
  readonly set: IpSet;
  /** `ip:0.0.0.0/0 except 10.0.0.0/8` */
  readonly id: string;
  /** Which of the given blocks contain this atom (by index). */
  readonly inBlocks: readonly number[];
}

/**
 * Partitions the address space outside `cluster` into atoms: two addresses are in
 * the same atom when every block contains both or neither. Every block is then a
 * union of atoms, so "does this rule allow that external peer" is exact.
 */
export function externalAtoms(blocks: readonly IpSet[], cluster: IpSet, vocabulary: readonly Cidr[] = []): ExternalAtom[] {
  const bySig = new Map<string, { v4: Interval[]; v6: Interval[]; inBlocks: number[] }>();
  for (const family of [4, 6] as const) {
    const k = key(family);
    const bounds = new Set<bigint>([0n, 1n << BigInt(FAMILY_BITS[family])]);
    for (const b of [...blocks, cluster]) for (const [s, e] of b[k]) { bounds.add(s); bounds.add(e + 1n); }
    const sorted = [...bounds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i + 1 < sorted.length; i++) {
      const s = sorted[i]!;
      const e = sorted[i + 1]! - 1n;
      if (containsIp(cluster, family, s)) continue;
      const inBlocks: number[] = [];
      blocks.forEach((b, bi) => { if (containsIp(b, family, s)) inBlocks.push(bi); });
      const sig = inBlocks.join(',');
      let entry = bySig.get(sig);
      if (!entry) bySig.set(sig, (entry = { v4: [], v6: [], inBlocks }));
      entry[k].push([s, e]);
    }
  }
  const atoms: ExternalAtom[] = [];
  for (const entry of bySig.values()) {
    const set: IpSet = { v4: normalise(entry.v4), v6: normalise(entry.v6) };
    // The addresses no ipBlock names are "the rest of the world": naming them by
    // their CIDRs would list the holes every other block and the pod network cut.
    const id = entry.inBlocks.length === 0 ? OTHER_ID : `ip:${describeIpSet(set, vocabulary)}`;
    atoms.push({ index: atoms.length, set, id, inBlocks: entry.inBlocks });
  }
  // Stable order: by description.
  atoms.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return atoms.map((a, index) => ({ ...a, index }));
}
