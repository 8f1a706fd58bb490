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
 * ports shows no change). Pieces of the outside world are compared on the
 * refinement of both versions' external peers, per IP family.
 *
 * Pure: the CLI and the UI both call it, with two Analyses, or with snapshots
 * (`snapshot(analysis)`) when a version must not stay in memory whole.
 */
import type { Analysis, Peer, RolePairs } from './analysis.js';
import type { ExternalAtom, IpSet } from './ipset.js';
import { cidrsOf, describeIpSet, isEmptyIp } from './ipset.js';
import type { IpFamily } from '../model/ip.js';
import type { Level, ReachQuery } from './reach.js';
import { EMPTY_PORTS, equals, hasPort, isEmpty, subtract, union, type PortSet } from './ports.js';

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

/** The ports in `a` and not in `b` (ports.ts `subtract`, under the name diff reports use). */
export const subtractPorts = subtract;

// ---- external peers -----------------------------------------------------------

type Interval = readonly [bigint, bigint];

/**
 * The common refinement of both versions' external peers: when an ipBlock changes,
 * the pieces of the outside world change too, so the two versions are compared on
 * the pieces on which both agree. A piece equal to a peer of either version keeps
 * that peer's id; one that is a part of both is named by its blocks.
 */
interface PieceAcc {
  readonly v4: [bigint, bigint][];
  readonly v6: [bigint, bigint][];
  readonly before?: ExternalAtom;
  readonly after?: ExternalAtom;
}

const byStart = (x: { s: bigint }, y: { s: bigint }): number => (x.s < y.s ? -1 : x.s > y.s ? 1 : 0);

/** Cuts one family's address space where either version's atoms begin or end, grouping the cuts by (before atom, after atom). */
function refine(fam: 'v4' | 'v6', before: readonly ExternalAtom[], after: readonly ExternalAtom[], pieces: Map<string, PieceAcc>): void {
  const spans = (atoms: readonly ExternalAtom[]): { s: bigint; e: bigint; atom: ExternalAtom }[] =>
    atoms.flatMap((atom) => atom.set[fam].map(([s, e]: Interval) => ({ s, e, atom }))).sort(byStart);
  const bs = spans(before);
  const as = spans(after);
  const bounds = new Set<bigint>();
  for (const x of [...bs, ...as]) {
    bounds.add(x.s);
    bounds.add(x.e + 1n);
  }
  const sorted = [...bounds].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const cursor = (list: readonly { s: bigint; e: bigint; atom: ExternalAtom }[]): ((s: bigint) => ExternalAtom | undefined) => {
    let i = 0;
    return (s) => {
      while (i < list.length && list[i]!.e < s) i++;
      return i < list.length && list[i]!.s <= s ? list[i]!.atom : undefined;
    };
  };
  const atB = cursor(bs);
  const atA = cursor(as);
  for (let i = 0; i + 1 < sorted.length; i++) {
    const s = sorted[i]!;
    const e = sorted[i + 1]! - 1n;
    const b = atB(s);
    const a = atA(s);
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

function pieceId(p: PieceAcc, set: IpSet): string {
  if (p.before && p.after && p.before.id === p.after.id) return p.after.id;
  if (p.after && sameSet(p.after.set, set)) return p.after.id;
  if (p.before && sameSet(p.before.set, set)) return p.before.id;
  return `ip:${describeIpSet(set)}`;
}

/**
 * The common refinement of both versions' external peers: when an ipBlock changes,
 * the pieces of the outside world change too, so the two versions are compared on
 * the pieces on which both agree. A piece equal to a peer of either version keeps
 * that peer's id; one that is a part of both is named by its blocks.
 */
export function externalPieces(before: readonly ExternalAtom[], after: readonly ExternalAtom[]): { id: string; set: IpSet; before?: ExternalAtom; after?: ExternalAtom }[] {
  const pieces = new Map<string, PieceAcc>();
  refine('v4', before, after, pieces);
  refine('v6', before, after, pieces);
  const out: { id: string; set: IpSet; before?: ExternalAtom; after?: ExternalAtom }[] = [];
  for (const p of pieces.values()) {
    const set: IpSet = { v4: p.v4, v6: p.v6 };
    if (isEmptyIp(set)) continue;
    out.push({ id: pieceId(p, set), set, ...(p.before ? { before: p.before } : {}), ...(p.after ? { after: p.after } : {}) });
  }
  // `ip:other` in both versions but not the same addresses: each part is named by its blocks.
  const count = new Map<string, number>();
  for (const p of out) count.set(p.id, (count.get(p.id) ?? 0) + 1);
  return out
    .map((p) => ((count.get(p.id) ?? 0) > 1 ? { ...p, id: `ip:${describeIpSet(p.set)}` } : p))
    .sort((x, y) => cmp(x.id, y.id));
}

// ---- one version ----------------------------------------------------------------

/**
 * What the comparison needs from one analysis, and nothing else: each endpoint's
 * roles, the role pairs' ports, and the ports to and from each outside piece. A
 * version can be compared after its inventory and analysis are gone, so a CLI holds
 * one large cluster in memory at a time, not two.
 */
export interface ConnectivitySnapshot {
  readonly kind: 'connectivity-snapshot';
  /** Every endpoint with its keys and the source and destination role of its class. */
  readonly endpoints: readonly SnapshotEndpoint[];
  readonly namespaces: readonly string[];
  /** For each source role, its destination roles (sorted) and the ports: `rolePairs().reach`. */
  readonly reach: RolePairs['reach'];
  /** Source and destination roles of classes; atom roles follow them in `reach`. */
  readonly srcClassRoles: number;
  readonly dstClassRoles: number;
  /** All roles, atoms included: external codes start here. */
  readonly srcRoles: number;
  readonly dstRoles: number;
  readonly external: readonly ExternalAtom[];
  /** `toExternal[code][srcClassRole]`: ports from a source role to an outside piece (code = 2 × atom + 1 for IPv6). */
  readonly toExternal: readonly (readonly PortSet[] | undefined)[];
  /** `fromExternal[code][dstClassRole]`: ports from an outside piece to a destination role. */
  readonly fromExternal: readonly (readonly PortSet[] | undefined)[];
}

export interface SnapshotEndpoint {
  readonly id: string;
  readonly workload: string;
  readonly namespace: string;
  readonly src: number;
  readonly dst: number;
}

/**
 * Takes what diffConnectivity needs from an analysis (computing its role pairs if not
 * done yet). With `within`, only the endpoints of those namespaces (and the outside
 * world) are kept, and only the connections that touch the `core` namespaces: the
 * slice a change can act on (diff-scope.ts).
 */
export function snapshot(a: Analysis, within?: { readonly namespaces: ReadonlySet<string>; readonly core: ReadonlySet<string> }): ConnectivitySnapshot {
  const rp = within ? a.rolePairsWithin(within.namespaces, within.core) : a.rolePairs();
  const srcRoleOfClass = new Int32Array(a.classes.length).fill(-1);
  const dstRoleOfClass = new Int32Array(a.classes.length).fill(-1);
  rp.srcRoles.forEach((r, i) => {
    for (const c of r.classes) srcRoleOfClass[c] = i;
  });
  rp.dstRoles.forEach((r, i) => {
    for (const c of r.classes) dstRoleOfClass[c] = i;
  });
  const endpoints: SnapshotEndpoint[] = [];
  for (const c of a.classes) {
    const src = srcRoleOfClass[c.id]!;
    const dst = dstRoleOfClass[c.id]!;
    if (src < 0) continue; // outside the slice
    for (const e of c.endpoints) endpoints.push({ id: e.id, workload: e.workload, namespace: e.namespace, src, dst });
  }
  const srcClassRoles = rp.srcRoles.length - a.external.length;
  const dstClassRoles = rp.dstRoles.length - a.external.length;
  const srcRep = rp.srcRoles.slice(0, srcClassRoles).map((r): Peer => ({ kind: 'class', cls: a.classes[r.classes[0]!]! }));
  const dstRep = rp.dstRoles.slice(0, dstClassRoles).map((r): Peer => ({ kind: 'class', cls: a.classes[r.classes[0]!]! }));
  const toExternal: (PortSet[] | undefined)[] = [];
  const fromExternal: (PortSet[] | undefined)[] = [];
  for (const atom of a.external) {
    for (const family of [4, 6] as const) {
      const code = 2 * atom.index + (family === 6 ? 1 : 0);
      if (atom.set[family === 4 ? 'v4' : 'v6'].length === 0) continue;
      const peer: Peer = { kind: 'external', atom, family };
      toExternal[code] = srcRep.map((s) => a.allowedPorts(s, peer));
      fromExternal[code] = dstRep.map((d) => a.allowedPorts(peer, d));
    }
  }
  return {
    kind: 'connectivity-snapshot',
    endpoints,
    namespaces: [...a.inventory.namespaces.keys()],
    reach: rp.reach,
    srcClassRoles,
    dstClassRoles,
    srcRoles: rp.srcRoles.length,
    dstRoles: rp.dstRoles.length,
    external: a.external,
    toExternal,
    fromExternal,
  };
}

/**
 * One version's answers on "role codes": a class role's index in `rolePairs()`, or,
 * for a piece of the outside world, `roles + 2 * atom + (family === 6 ? 1 : 0)`
 * (an outside peer answers per IP family: a pod with IPv4 addresses only reaches
 * no IPv6 address, so `ip:other`, which spans both, is split by family).
 */
class Version {
  readonly s: ConnectivitySnapshot;
  /** First external code on each side. */
  readonly srcExternal: number;
  readonly dstExternal: number;

  constructor(s: ConnectivitySnapshot) {
    this.s = s;
    this.srcExternal = s.srcRoles;
    this.dstExternal = s.dstRoles;
  }

  externalCode(side: 'src' | 'dst', atom: ExternalAtom, family: IpFamily): number {
    return (side === 'src' ? this.srcExternal : this.dstExternal) + 2 * atom.index + (family === 6 ? 1 : 0);
  }

  /** Ports from src code to dst code (-1: absent in this version). */
  ports(src: number, dst: number): PortSet {
    if (src < 0 || dst < 0) return EMPTY_PORTS;
    const s = this.s;
    if (src < s.srcClassRoles && dst < s.dstClassRoles) return rowPorts(s.reach, src, dst);
    if (src >= this.srcExternal && dst >= this.dstExternal) return EMPTY_PORTS;
    if (dst >= this.dstExternal) return s.toExternal[dst - this.dstExternal]?.[src] ?? EMPTY_PORTS;
    if (src >= this.srcExternal) return s.fromExternal[src - this.srcExternal]?.[dst] ?? EMPTY_PORTS;
    return EMPTY_PORTS;
  }
}

/** Ports of a class role pair (binary search: each source role's destinations are sorted). */
function rowPorts(reach: RolePairs['reach'], src: number, dst: number): PortSet {
  const row = reach[src]!;
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

/** Endpoints (or pieces of the outside world) with the same roles in both versions, on one side of a connection. */
interface JointRole {
  readonly b: number;
  readonly a: number;
  readonly external: boolean;
  /** Their keys at the level. */
  readonly keys: Set<string>;
}

/** The joint roles of one side (sources or destinations), built endpoint by endpoint. */
class JointRoles {
  readonly roles: JointRole[] = [];
  /** For each level key, its joint roles. */
  readonly byKey = new Map<string, number[]>();
  private readonly index = new Map<number, number>();
  private readonly width: number;
  private readonly filter: ((id: string) => boolean) | undefined;

  constructor(codesAfter: number, filter: ((id: string) => boolean) | undefined) {
    this.width = codesAfter + 1;
    this.filter = filter;
  }

  add(id: string, key: string, b: number, a: number, external: boolean): void {
    if ((b < 0 && a < 0) || (this.filter && !this.filter(id))) return;
    const k = (b + 1) * this.width + (a + 1);
    let j = this.index.get(k);
    if (j === undefined) {
      j = this.roles.length;
      this.index.set(k, j);
      this.roles.push({ b, a, external, keys: new Set() });
    }
    const r = this.roles[j]!;
    if (r.keys.has(key)) return;
    r.keys.add(key);
    const l = this.byKey.get(key);
    if (l) l.push(j);
    else this.byKey.set(key, [j]);
  }

  /** Joint roles by their role in one version (endpoints only). */
  by(which: 'a' | 'b'): Map<number, number[]> {
    const out = new Map<number, number[]>();
    this.roles.forEach((r, k) => {
      const v = r[which];
      if (v < 0 || r.external) return;
      const l = out.get(v);
      if (l) l.push(k);
      else out.set(v, [k]);
    });
    return out;
  }

  /** The role codes of a key in one version (cached: a key is asked about once per pair). */
  private readonly codeCache = new Map<string, { b: number[]; a: number[] }>();
  codes(key: string): { b: number[]; a: number[] } {
    let c = this.codeCache.get(key);
    if (!c) {
      const js = this.byKey.get(key) ?? [];
      const b = [...new Set(js.map((j) => this.roles[j]!.b).filter((x) => x >= 0))];
      const a = [...new Set(js.map((j) => this.roles[j]!.a).filter((x) => x >= 0))];
      this.codeCache.set(key, (c = { b, a }));
    }
    return c;
  }
}

/**
 * Sorts every endpoint of either version, and every piece of the outside world in
 * each IP family, into joint roles. An endpoint whose key differs between the
 * versions (its controller changed) counts as two, one per version.
 */
function buildJointRoles(vb: Version, va: Version, q: DiffQuery): { src: JointRoles; dst: JointRoles; external: ExternalPiece[]; oneSided: { before: string[]; after: string[] } } {
  const before = vb.s;
  const after = va.s;
  const src = new JointRoles(va.srcExternal + 2 * after.external.length, q.from);
  const dst = new JointRoles(va.dstExternal + 2 * after.external.length, q.to);
  const keyOf = (e: SnapshotEndpoint): string => (q.level === 'pod' ? e.id : q.level === 'workload' ? e.workload : e.namespace);
  const oneSided = { before: [] as string[], after: [] as string[] };
  const afterIndex = new Map<string, number>();
  after.endpoints.forEach((e, i) => afterIndex.set(e.id, i));
  const matched = new Uint8Array(after.endpoints.length);
  for (const e of before.endpoints) {
    const key = keyOf(e);
    const i = afterIndex.get(e.id);
    if (i === undefined) {
      oneSided.before.push(key);
      src.add(e.id, key, e.src, -1, false);
      dst.add(e.id, key, e.dst, -1, false);
      continue;
    }
    matched[i] = 1;
    const ea = after.endpoints[i]!;
    const keyA = keyOf(ea);
    if (keyA === key) {
      src.add(e.id, key, e.src, ea.src, false);
      dst.add(e.id, key, e.dst, ea.dst, false);
      continue;
    }
    // Its workload changed: to each version it is a different key.
    src.add(e.id, key, e.src, -1, false);
    dst.add(e.id, key, e.dst, -1, false);
    src.add(e.id, keyA, -1, ea.src, false);
    dst.add(e.id, keyA, -1, ea.dst, false);
    oneSided.before.push(key);
    oneSided.after.push(keyA);
  }
  after.endpoints.forEach((e, i) => {
    if (matched[i] === 1) return;
    const key = keyOf(e);
    oneSided.after.push(key);
    src.add(e.id, key, -1, e.src, false);
    dst.add(e.id, key, -1, e.dst, false);
  });
  const external: ExternalPiece[] = [];
  for (const p of externalPieces(before.external, after.external)) {
    for (const family of [4, 6] as const) {
      if (p.set[family === 4 ? 'v4' : 'v6'].length === 0) continue;
      src.add(p.id, p.id, p.before ? vb.externalCode('src', p.before, family) : -1, p.after ? va.externalCode('src', p.after, family) : -1, true);
      dst.add(p.id, p.id, p.before ? vb.externalCode('dst', p.before, family) : -1, p.after ? va.externalCode('dst', p.after, family) : -1, true);
    }
    external.push({ id: p.id, cidrs: cidrsOf(p.set), ...(p.before ? { before: p.before.id } : {}), ...(p.after ? { after: p.after.id } : {}) });
  }
  return { src, dst, external, oneSided };
}

/** Keys at the level that only one version has: checked only for endpoints that only one version has. */
function levelKeysOnlyIn(mine: readonly string[], other: ConnectivitySnapshot, level: Level): string[] {
  if (mine.length === 0) return [];
  const theirs = new Set<string>();
  for (const e of other.endpoints) theirs.add(level === 'pod' ? e.id : level === 'workload' ? e.workload : e.namespace);
  if (level === 'namespace') for (const n of other.namespaces) theirs.add(n);
  return [...new Set(mine)].filter((k) => !theirs.has(k)).sort(cmp);
}

const asSnapshot = (x: Analysis | ConnectivitySnapshot): ConnectivitySnapshot => ('toExternal' in x ? x : snapshot(x));

/**
 * The connections `after` allows differently from `before`, at `q.level`, with the
 * same `port`/`from`/`to` semantics as `reach` (filters see endpoint ids; with a
 * port, a pair counts when some role pair under it allows that port, and lists
 * every port those role pairs allow).
 */
export function diffConnectivity(before: Analysis | ConnectivitySnapshot, after: Analysis | ConnectivitySnapshot, q: DiffQuery): ConnectivityDiff {
  const vb = new Version(asSnapshot(before));
  const va = new Version(asSnapshot(after));
  const { src, dst, external, oneSided } = buildJointRoles(vb, va, q);
  const effective = (p: PortSet): PortSet => (q.port && !hasPort(p, q.port.protocol, q.port.port) ? EMPTY_PORTS : p);
  const dstByB = dst.by('b');
  const dstByA = dst.by('a');
  const externalDst = dst.roles.flatMap((r, k) => (r.external ? [k] : []));
  const NONE: readonly number[] = [];

  // 1. Joint role pairs whose ports differ. Between endpoints, through each
  // version's sparse reach rows; with a piece of the outside world, one by one.
  const stampA = new Int32Array(va.dstExternal).fill(-1);
  const portsA: PortSet[] = new Array<PortSet>(va.dstExternal);
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
  const compare = (j: number, k: number): void => {
    compared++;
    const J = src.roles[j]!;
    const K = dst.roles[k]!;
    if (!equals(effective(vb.ports(J.b, K.b)), effective(va.ports(J.a, K.a)))) mark(j, k);
  };
  src.roles.forEach((J, j) => {
    if (J.external) {
      for (let k = 0; k < dst.roles.length; k++) if (!dst.roles[k]!.external) compare(j, k);
      return;
    }
    for (const k of externalDst) compare(j, k);
    if (J.a >= 0) {
      const rowA = va.s.reach[J.a]!;
      for (let i = 0; i < rowA.dst.length; i++) {
        stampA[rowA.dst[i]!] = j;
        portsA[rowA.dst[i]!] = rowA.ports[i]!;
      }
    }
    if (J.b >= 0) {
      const rowB = vb.s.reach[J.b]!;
      for (let i = 0; i < rowB.dst.length; i++) {
        const pB = effective(rowB.ports[i]!);
        for (const k of dstByB.get(rowB.dst[i]!) ?? NONE) {
          visited[k] = j;
          compared++;
          const K = dst.roles[k]!;
          const pA = J.a >= 0 && K.a >= 0 && stampA[K.a] === j ? effective(portsA[K.a]!) : EMPTY_PORTS;
          if (!equals(pB, pA)) mark(j, k);
        }
      }
    }
    if (J.a >= 0) {
      const rowA = va.s.reach[J.a]!;
      for (let i = 0; i < rowA.dst.length; i++) {
        if (isEmpty(effective(rowA.ports[i]!))) continue;
        for (const k of dstByA.get(rowA.dst[i]!) ?? NONE) {
          if (visited[k] === j) continue;
          // Not in the before row: nothing was allowed before.
          compared++;
          mark(j, k);
        }
      }
    }
  });

  // 2. Each candidate level pair, recomputed exactly over every role pair under it.
  const added: DiffEntry[] = [];
  const removed: DiffEntry[] = [];
  const changed: ChangedEntry[] = [];
  const sum = (v: Version, ss: readonly number[], ds: readonly number[]): PortSet => {
    let p = EMPTY_PORTS;
    for (const x of ss) for (const y of ds) p = union(p, effective(v.ports(x, y)));
    return p;
  };
  let levelPairs = 0;
  for (const s of [...candidates.keys()].sort(cmp)) {
    const sc = src.codes(s);
    for (const d of [...candidates.get(s)!].sort(cmp)) {
      levelPairs++;
      const dc = dst.codes(d);
      const pb = sum(vb, sc.b, dc.b);
      const pa = sum(va, sc.a, dc.a);
      if (equals(pb, pa)) continue;
      if (isEmpty(pb)) added.push({ from: s, to: d, ports: pa });
      else if (isEmpty(pa)) removed.push({ from: s, to: d, ports: pb });
      else changed.push({ from: s, to: d, before: pb, after: pa, opened: subtractPorts(pa, pb), closed: subtractPorts(pb, pa) });
    }
  }

  return {
    level: q.level,
    added,
    removed,
    changed,
    endpoints: { added: levelKeysOnlyIn(oneSided.after, vb.s, q.level), removed: levelKeysOnlyIn(oneSided.before, va.s, q.level) },
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
