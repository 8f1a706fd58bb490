/**
 * What a change does to connectivity: the connections two analyses allow
 * differently, at the level a reviewer reads (workload or namespace pairs).
 *
 * The comparison is on the engine's exact answers, never on the YAML: for every
 * pair of endpoints at the chosen level, the ports `reach` would list before and
 * after (the union over their pods' role pairs). Moving a policy to another file,
 * reordering rules or renaming a policy without changing its effect changes
 * nothing here.
 *
 * It is cheap even when `reach` at the level lists millions of pairs, because it
 * works on roles. Each endpoint has a source and a destination role in each
 * version; endpoints that share both (before, after) roles form one *joint role*
 * and get identical answers in both versions. Only joint role pairs whose ports
 * differ can make a level pair differ, so only those are expanded to level keys,
 * and for each such key pair the before and after ports are recomputed exactly
 * over all the role pairs under it (a workload whose other pods still allow the
 * ports shows no change). Pure: the CLI and the UI both call it.
 */
import type { Analysis, RolePairs } from './analysis.js';
import type { ExternalAtom, IpSet } from './ipset.js';
import { describeIpSet, isEmptyIp, OTHER_ID } from './ipset.js';
import { rangeToCidrs } from '../model/ip.js';
import type { Level, ReachQuery } from './reach.js';
import { EMPTY_PORTS, equals, hasPort, intersect, isEmpty, MAX_PORT, MIN_PORT, union, type PortSet } from './ports.js';

export type DiffQuery = ReachQuery;

export interface DiffEntry {
  readonly from: string;
  readonly to: string;
  readonly ports: PortSet;
}

export interface ChangedEntry {
  readonly from: string;
  readonly to: string;
  readonly before: PortSet;
  readonly after: PortSet;
  /** Allowed after, not before. */
  readonly opened: PortSet;
  /** Allowed before, not after. */
  readonly closed: PortSet;
}

/** A piece of the address space outside the cluster on which both versions agree (see `externalPieces`). */
export interface ExternalPiece {
  readonly id: string;
  readonly cidrs: string[];
  /** The external peer (reach id) it belongs to in each version; absent when inside the cluster there. */
  readonly before?: string;
  readonly after?: string;
}

export interface ConnectivityDiff {
  readonly level: Level;
  /** Pairs with no connection before and some after. */
  readonly added: DiffEntry[];
  /** Pairs with some connection before and none after. */
  readonly removed: DiffEntry[];
  /** Pairs connected in both versions on different ports. */
  readonly changed: ChangedEntry[];
  /** Endpoints (at the level) found in only one version. */
  readonly endpoints: { readonly added: string[]; readonly removed: string[] };
  /** The outside peers the entries may name. */
  readonly external: ExternalPiece[];
  /** How much work the comparison did: joint roles and role pairs. */
  readonly stats: { readonly jointSourceRoles: number; readonly jointDestinationRoles: number; readonly rolePairsCompared: number; readonly rolePairsChanged: number; readonly levelPairsCompared: number };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ---- ports ------------------------------------------------------------------

function complementRanges(r: readonly number[]): number[] {
  const out: number[] = [];
  let next = MIN_PORT;
  for (let i = 0; i < r.length; i += 2) {
    if (r[i]! > next) out.push(next, r[i]! - 1);
    next = r[i + 1]! + 1;
  }
  if (next <= MAX_PORT) out.push(next, MAX_PORT);
  return out;
}

/** The ports in `a` and not in `b`. */
export function subtractPorts(a: PortSet, b: PortSet): PortSet {
  if (isEmpty(b) || isEmpty(a)) return a;
  const notB: PortSet = { TCP: complementRanges(b.TCP), UDP: complementRanges(b.UDP), SCTP: complementRanges(b.SCTP) };
  const r = intersect(a, notB);
  return isEmpty(r) ? EMPTY_PORTS : r;
}

// ---- external peers -----------------------------------------------------------

type Interval = readonly [bigint, bigint];

/**
 * The common refinement of both versions' external peers: when an ipBlock changes,
 * the pieces of the outside world change too, so the two versions are compared on
 * the pieces on which both agree. A piece equal to a peer of either version keeps
 * that peer's id; one that is a part of both is named by its blocks.
 */
export function externalPieces(before: readonly ExternalAtom[], after: readonly ExternalAtom[]): { id: string; set: IpSet; before?: ExternalAtom; after?: ExternalAtom }[] {
  const pieces = new Map<string, { v4: [bigint, bigint][]; v6: [bigint, bigint][]; before?: ExternalAtom; after?: ExternalAtom }>();
  for (const fam of ['v4', 'v6'] as const) {
    const spans = (atoms: readonly ExternalAtom[]): { s: bigint; e: bigint; atom: ExternalAtom }[] =>
      atoms.flatMap((atom) => atom.set[fam].map(([s, e]: Interval) => ({ s, e, atom }))).sort((x, y) => (x.s < y.s ? -1 : x.s > y.s ? 1 : 0));
    const bs = spans(before);
    const as = spans(after);
    const bounds = new Set<bigint>();
    for (const x of [...bs, ...as]) {
      bounds.add(x.s);
      bounds.add(x.e + 1n);
    }
    const sorted = [...bounds].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    let bi = 0;
    let ai = 0;
    for (let i = 0; i + 1 < sorted.length; i++) {
      const s = sorted[i]!;
      const e = sorted[i + 1]! - 1n;
      while (bi < bs.length && bs[bi]!.e < s) bi++;
      while (ai < as.length && as[ai]!.e < s) ai++;
      const b = bi < bs.length && bs[bi]!.s <= s ? bs[bi]!.atom : undefined;
      const a = ai < as.length && as[ai]!.s <= s ? as[ai]!.atom : undefined;
      if (!a && !b) continue;
      const key = `${b?.index ?? -1},${a?.index ?? -1}`;
      let p = pieces.get(key);
      if (!p) pieces.set(key, (p = { v4: [], v6: [], ...(b ? { before: b } : {}), ...(a ? { after: a } : {}) }));
      const list = p[fam];
      const last = list[list.length - 1];
      if (last && last[1] + 1n === s) last[1] = e;
      else list.push([s, e]);
    }
  }
  const sameSet = (x: IpSet, y: IpSet): boolean =>
    (['v4', 'v6'] as const).every((f) => x[f].length === y[f].length && x[f].every(([s, e], i) => s === y[f][i]![0] && e === y[f][i]![1]));
  const out: { id: string; set: IpSet; before?: ExternalAtom; after?: ExternalAtom }[] = [];
  for (const p of pieces.values()) {
    const set: IpSet = { v4: p.v4, v6: p.v6 };
    if (isEmptyIp(set)) continue;
    let id: string;
    if (p.before && p.after && p.before.id === p.after.id) id = p.after.id;
    else if (p.after && sameSet(p.after.set, set)) id = p.after.id;
    else if (p.before && sameSet(p.before.set, set)) id = p.before.id;
    else id = `ip:${describeIpSet(set)}`;
    out.push({ id, set, ...(p.before ? { before: p.before } : {}), ...(p.after ? { after: p.after } : {}) });
  }
  // Two pieces never share an id unless both versions call them `ip:other` in part.
  const seen = new Map<string, number>();
  for (const p of out) seen.set(p.id, (seen.get(p.id) ?? 0) + 1);
  return out
    .map((p) => ((seen.get(p.id) ?? 0) > 1 && p.id === OTHER_ID ? { ...p, id: `ip:${describeIpSet(p.set)}` } : p))
    .sort((x, y) => cmp(x.id, y.id));
}

function cidrsOf(set: IpSet): string[] {
  return [...set.v4.flatMap(([s, e]) => rangeToCidrs(4, s, e)), ...set.v6.flatMap(([s, e]) => rangeToCidrs(6, s, e))].map((c) => c.text);
}

// ---- roles ------------------------------------------------------------------

interface Side {
  readonly rp: RolePairs;
  /** Role of each class, per direction. */
  readonly srcRoleOfClass: Int32Array;
  readonly dstRoleOfClass: Int32Array;
  /** Role of each external atom (by atom index), per direction. */
  readonly srcRoleOfAtom: Int32Array;
  readonly dstRoleOfAtom: Int32Array;
}

function side(a: Analysis): Side {
  const rp = a.rolePairs();
  const srcRoleOfClass = new Int32Array(a.classes.length).fill(-1);
  const dstRoleOfClass = new Int32Array(a.classes.length).fill(-1);
  const srcRoleOfAtom = new Int32Array(a.external.length).fill(-1);
  const dstRoleOfAtom = new Int32Array(a.external.length).fill(-1);
  rp.srcRoles.forEach((r, i) => {
    if (r.atom) srcRoleOfAtom[r.atom.index] = i;
    else for (const c of r.classes) srcRoleOfClass[c] = i;
  });
  rp.dstRoles.forEach((r, i) => {
    if (r.atom) dstRoleOfAtom[r.atom.index] = i;
    else for (const c of r.classes) dstRoleOfClass[c] = i;
  });
  return { rp, srcRoleOfClass, dstRoleOfClass, srcRoleOfAtom, dstRoleOfAtom };
}

/** An endpoint (or outside piece) as both versions see it: its key at the level and its roles (-1: absent). */
interface Unit {
  readonly id: string;
  readonly key: string;
  readonly srcB: number;
  readonly dstB: number;
  readonly srcA: number;
  readonly dstA: number;
}

interface JointRole {
  readonly b: number;
  readonly a: number;
  readonly keys: Set<string>;
}

function units(before: Analysis, after: Analysis, sb: Side, sa: Side, level: Level): { list: Unit[]; external: ExternalPiece[] } {
  const keyOf = (e: { id: string; workload: string; namespace: string }): string => (level === 'pod' ? e.id : level === 'workload' ? e.workload : e.namespace);
  const seen = new Map<string, { key: string; src: number; dst: number }>();
  for (const c of before.classes) {
    const src = sb.srcRoleOfClass[c.id]!;
    const dst = sb.dstRoleOfClass[c.id]!;
    for (const e of c.endpoints) seen.set(e.id, { key: keyOf(e), src, dst });
  }
  const list: Unit[] = [];
  for (const c of after.classes) {
    const src = sa.srcRoleOfClass[c.id]!;
    const dst = sa.dstRoleOfClass[c.id]!;
    for (const e of c.endpoints) {
      const key = keyOf(e);
      const b = seen.get(e.id);
      if (b) seen.delete(e.id);
      if (b && b.key !== key) {
        // Its workload changed: to each version it is a different key.
        list.push({ id: e.id, key: b.key, srcB: b.src, dstB: b.dst, srcA: -1, dstA: -1 });
        list.push({ id: e.id, key, srcB: -1, dstB: -1, srcA: src, dstA: dst });
      } else list.push({ id: e.id, key, srcB: b?.src ?? -1, dstB: b?.dst ?? -1, srcA: src, dstA: dst });
    }
  }
  for (const [id, b] of seen) list.push({ id, key: b.key, srcB: b.src, dstB: b.dst, srcA: -1, dstA: -1 });
  const external: ExternalPiece[] = [];
  for (const p of externalPieces(before.external, after.external)) {
    list.push({
      id: p.id,
      key: p.id,
      srcB: p.before ? sb.srcRoleOfAtom[p.before.index]! : -1,
      dstB: p.before ? sb.dstRoleOfAtom[p.before.index]! : -1,
      srcA: p.after ? sa.srcRoleOfAtom[p.after.index]! : -1,
      dstA: p.after ? sa.dstRoleOfAtom[p.after.index]! : -1,
    });
    external.push({ id: p.id, cidrs: cidrsOf(p.set), ...(p.before ? { before: p.before.id } : {}), ...(p.after ? { after: p.after.id } : {}) });
  }
  return { list, external };
}

function jointRoles(list: readonly Unit[], pick: (u: Unit) => [number, number], filter: ((id: string) => boolean) | undefined, nA: number): { roles: JointRole[]; byKey: Map<string, number[]> } {
  const index = new Map<number, number>();
  const roles: JointRole[] = [];
  const byKey = new Map<string, number[]>();
  for (const u of list) {
    if (filter && !filter(u.id)) continue;
    const [b, a] = pick(u);
    if (b < 0 && a < 0) continue;
    const k = (b + 1) * (nA + 1) + (a + 1);
    let j = index.get(k);
    if (j === undefined) {
      j = roles.length;
      index.set(k, j);
      roles.push({ b, a, keys: new Set() });
    }
    const r = roles[j]!;
    if (!r.keys.has(u.key)) {
      r.keys.add(u.key);
      let l = byKey.get(u.key);
      if (!l) byKey.set(u.key, (l = []));
      l.push(j);
    }
  }
  return { roles, byKey };
}

/** Ports of a role pair (binary search: each source role's destinations are sorted). */
function portsOf(rp: RolePairs, src: number, dst: number): PortSet {
  if (src < 0 || dst < 0) return EMPTY_PORTS;
  const row = rp.reach[src]!;
  let lo = 0;
  let hi = row.dst.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const d = row.dst[mid]!;
    if (d === dst) return row.ports[mid]!;
    if (d < dst) lo = mid + 1;
    else hi = mid - 1;
  }
  return EMPTY_PORTS;
}

/**
 * The connections `after` allows differently from `before`, at `q.level`, with the
 * same `port`/`from`/`to` semantics as `reach` (filters see endpoint ids; with a
 * port, a pair counts when some role pair under it allows that port, and lists
 * every port those role pairs allow).
 */
export function diffConnectivity(before: Analysis, after: Analysis, q: DiffQuery): ConnectivityDiff {
  const sb = side(before);
  const sa = side(after);
  const { list, external } = units(before, after, sb, sa, q.level);
  const src = jointRoles(list, (u) => [u.srcB, u.srcA], q.from, sa.rp.srcRoles.length);
  const dst = jointRoles(list, (u) => [u.dstB, u.dstA], q.to, sa.rp.dstRoles.length);
  const effective = (p: PortSet): PortSet => (q.port && !hasPort(p, q.port.protocol, q.port.port) ? EMPTY_PORTS : p);

  // Joint destination roles by their role in each version.
  const dstByB = new Map<number, number[]>();
  const dstByA = new Map<number, number[]>();
  dst.roles.forEach((r, k) => {
    if (r.b >= 0) {
      let l = dstByB.get(r.b);
      if (!l) dstByB.set(r.b, (l = []));
      l.push(k);
    }
    if (r.a >= 0) {
      let l = dstByA.get(r.a);
      if (!l) dstByA.set(r.a, (l = []));
      l.push(k);
    }
  });

  // 1. Joint role pairs whose ports differ, found through each version's sparse reach rows.
  const stampA = new Int32Array(sa.rp.dstRoles.length).fill(-1);
  const portsA: PortSet[] = new Array<PortSet>(sa.rp.dstRoles.length);
  const visited = new Int32Array(dst.roles.length).fill(-1);
  const candidates = new Map<string, Set<string>>();
  let compared = 0;
  let changedPairs = 0;
  const mark = (j: number, k: number): void => {
    changedPairs++;
    for (const s of src.roles[j]!.keys) {
      let row = candidates.get(s);
      if (!row) candidates.set(s, (row = new Set()));
      for (const d of dst.roles[k]!.keys) row.add(d);
    }
  };
  src.roles.forEach((J, j) => {
    if (J.a >= 0) {
      const rowA = sa.rp.reach[J.a]!;
      for (let i = 0; i < rowA.dst.length; i++) {
        stampA[rowA.dst[i]!] = j;
        portsA[rowA.dst[i]!] = rowA.ports[i]!;
      }
    }
    if (J.b >= 0) {
      const rowB = sb.rp.reach[J.b]!;
      for (let i = 0; i < rowB.dst.length; i++) {
        const pB = effective(rowB.ports[i]!);
        for (const k of dstByB.get(rowB.dst[i]!) ?? []) {
          visited[k] = j;
          compared++;
          const K = dst.roles[k]!;
          const pA = J.a >= 0 && K.a >= 0 && stampA[K.a] === j ? effective(portsA[K.a]!) : EMPTY_PORTS;
          if (!equals(pB, pA)) mark(j, k);
        }
      }
    }
    if (J.a >= 0) {
      const rowA = sa.rp.reach[J.a]!;
      for (let i = 0; i < rowA.dst.length; i++) {
        const pA = effective(rowA.ports[i]!);
        if (isEmpty(pA)) continue;
        for (const k of dstByA.get(rowA.dst[i]!) ?? []) {
          if (visited[k] === j) continue;
          compared++;
          // Not in the before row: nothing was allowed before.
          mark(j, k);
        }
      }
    }
  });

  // 2. Each candidate level pair, recomputed exactly over every role pair under it.
  const added: DiffEntry[] = [];
  const removed: DiffEntry[] = [];
  const changed: ChangedEntry[] = [];
  const rolesOf = (roles: JointRole[], idx: readonly number[], which: 'a' | 'b'): number[] => [...new Set(idx.map((i) => roles[i]![which]).filter((r) => r >= 0))];
  let levelPairs = 0;
  for (const s of [...candidates.keys()].sort(cmp)) {
    const sj = src.byKey.get(s)!;
    const sB = rolesOf(src.roles, sj, 'b');
    const sA = rolesOf(src.roles, sj, 'a');
    for (const d of [...candidates.get(s)!].sort(cmp)) {
      levelPairs++;
      const dj = dst.byKey.get(d)!;
      const dB = rolesOf(dst.roles, dj, 'b');
      const dA = rolesOf(dst.roles, dj, 'a');
      let pb = EMPTY_PORTS;
      for (const x of sB) for (const y of dB) pb = union(pb, effective(portsOf(sb.rp, x, y)));
      let pa = EMPTY_PORTS;
      for (const x of sA) for (const y of dA) pa = union(pa, effective(portsOf(sa.rp, x, y)));
      if (equals(pb, pa)) continue;
      if (isEmpty(pb)) added.push({ from: s, to: d, ports: pa });
      else if (isEmpty(pa)) removed.push({ from: s, to: d, ports: pb });
      else changed.push({ from: s, to: d, before: pb, after: pa, opened: subtractPorts(pa, pb), closed: subtractPorts(pb, pa) });
    }
  }

  // Endpoints at the level that only one version has.
  const keys = (a: Analysis): Set<string> => {
    const out = new Set<string>();
    for (const e of a.inventory.endpoints) out.add(q.level === 'pod' ? e.id : q.level === 'workload' ? e.workload : e.namespace);
    if (q.level === 'namespace') for (const n of a.inventory.namespaces.keys()) out.add(n);
    return out;
  };
  const kb = keys(before);
  const ka = keys(after);
  return {
    level: q.level,
    added,
    removed,
    changed,
    endpoints: { added: [...ka].filter((k) => !kb.has(k)).sort(cmp), removed: [...kb].filter((k) => !ka.has(k)).sort(cmp) },
    external,
    stats: { jointSourceRoles: src.roles.length, jointDestinationRoles: dst.roles.length, rolePairsCompared: compared, rolePairsChanged: changedPairs, levelPairsCompared: levelPairs },
  };
}

/** Ports a diff opened and closed, summed up namespace → namespace (outside peers stay as they are). */
export interface NamespaceChange {
  readonly from: string;
  readonly to: string;
  readonly opened: PortSet;
  readonly closed: PortSet;
  /** Level pairs under it that were added, removed, or changed. */
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

/** The namespace of a level key: `ns/...` → `ns`; `ip:...` and namespace keys stay. */
export function namespaceOfKey(key: string): string {
  if (key.startsWith('ip:')) return key;
  const i = key.indexOf('/');
  return i < 0 ? key : key.slice(0, i);
}

export function byNamespace(d: ConnectivityDiff): NamespaceChange[] {
  const acc = new Map<string, { from: string; to: string; opened: PortSet; closed: PortSet; added: number; removed: number; changed: number }>();
  const at = (from: string, to: string): { from: string; to: string; opened: PortSet; closed: PortSet; added: number; removed: number; changed: number } => {
    const f = namespaceOfKey(from);
    const t = namespaceOfKey(to);
    const k = `${f}\u0000${t}`;
    let r = acc.get(k);
    if (!r) acc.set(k, (r = { from: f, to: t, opened: EMPTY_PORTS, closed: EMPTY_PORTS, added: 0, removed: 0, changed: 0 }));
    return r;
  };
  for (const e of d.added) {
    const r = at(e.from, e.to);
    r.opened = union(r.opened, e.ports);
    r.added++;
  }
  for (const e of d.removed) {
    const r = at(e.from, e.to);
    r.closed = union(r.closed, e.ports);
    r.removed++;
  }
  for (const e of d.changed) {
    const r = at(e.from, e.to);
    r.opened = union(r.opened, e.opened);
    r.closed = union(r.closed, e.closed);
    r.changed++;
  }
  return [...acc.values()].sort((x, y) => cmp(x.from, y.from) || cmp(x.to, y.to));
}

/** What the change opened: pairs added, and the ports opened on pairs that were already connected. */
export function openedConnections(d: ConnectivityDiff): DiffEntry[] {
  const out: DiffEntry[] = [...d.added];
  for (const e of d.changed) if (!isEmpty(e.opened)) out.push({ from: e.from, to: e.to, ports: e.opened });
  return out.sort((x, y) => cmp(x.from, y.from) || cmp(x.to, y.to));
}
