/**
 * Allowed connections at a chosen level of detail: pods (endpoints as found),
 * workloads (pods grouped under their controller) or namespaces. Computed from
 * role pairs, so the namespace level stays cheap when pod pairs number in the
 * billions.
 */
import type { Protocol } from '../model/networkpolicy.js';
import type { Analysis } from './analysis.js';
import { hasPort, union, type PortSet } from './ports.js';
import { cidrsOf } from './ipset.js';

export type Level = 'pod' | 'workload' | 'namespace';
export const LEVELS: readonly Level[] = ['pod', 'workload', 'namespace'];

export interface ReachQuery {
  readonly level: Level;
  /** Only connections to this destination port (and protocol, TCP by default). */
  readonly port?: { readonly port: number; readonly protocol: Protocol };
  /** Keep only sources (destinations) whose endpoint id passes; external peers pass when `external` is true. */
  readonly from?: (id: string) => boolean;
  readonly to?: (id: string) => boolean;
}

export interface ReachEntry {
  readonly from: string;
  readonly to: string;
  readonly ports: PortSet;
}

export interface ReachResult {
  readonly level: Level;
  /** Every endpoint (at the level) found in the input, sorted. */
  readonly endpoints: string[];
  /** The peers outside the cluster: `ip:…` ids and the address blocks each stands for. */
  readonly external: { readonly id: string; readonly cidrs: string[] }[];
  /** Allowed connections, sorted by from then to. */
  readonly allowed: ReachEntry[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function reach(a: Analysis, q: ReachQuery): ReachResult {
  const keyOf = (e: { id: string; workload: string; namespace: string }): string =>
    q.level === 'pod' ? e.id : q.level === 'workload' ? e.workload : e.namespace;
  const { srcRoles, dstRoles, reach: pairs } = a.rolePairs();

  const keysOfRole = (role: { classes: readonly number[]; atom?: { id: string } }, filter: ((id: string) => boolean) | undefined): string[] => {
    if (role.atom) return !filter || filter(role.atom.id) ? [role.atom.id] : [];
    const set = new Set<string>();
    for (const c of role.classes) {
      const cls = a.classes[c]!;
      if (q.level === 'namespace') {
        // A class lives in one namespace: one endpoint that passes the filter is enough.
        if (!filter || cls.endpoints.some((e) => filter(e.id))) set.add(cls.namespace.name);
        continue;
      }
      for (const e of cls.endpoints) if (!filter || filter(e.id)) set.add(keyOf(e));
    }
    return [...set];
  };
  const srcKeys = srcRoles.map((r) => keysOfRole(r, q.from));
  const dstKeys = dstRoles.map((r) => keysOfRole(r, q.to));

  const acc = new Map<string, Map<string, PortSet>>();
  pairs.forEach((p, si) => {
    const sk = srcKeys[si]!;
    if (sk.length === 0) return;
    for (let i = 0; i < p.dst.length; i++) {
      const ports = p.ports[i]!;
      if (q.port && !hasPort(ports, q.port.protocol, q.port.port)) continue;
      const dk = dstKeys[p.dst[i]!]!;
      if (dk.length === 0) continue;
      for (const s of sk) {
        let row = acc.get(s);
        if (!row) {
          row = new Map<string, PortSet>();
          acc.set(s, row);
        }
        for (const d of dk) {
          const prev = row.get(d);
          row.set(d, prev ? union(prev, ports) : ports);
        }
      }
    }
  });
  const allowed: ReachEntry[] = [];
  for (const s of [...acc.keys()].sort(cmp)) {
    const row = acc.get(s)!;
    for (const d of [...row.keys()].sort(cmp)) allowed.push({ from: s, to: d, ports: row.get(d)! });
  }
  const endpoints = new Set<string>();
  for (const e of a.inventory.endpoints) endpoints.add(keyOf(e));
  if (q.level === 'namespace') for (const ns of a.inventory.namespaces.keys()) endpoints.add(ns);
  return { level: q.level, endpoints: [...endpoints].sort(cmp), external: a.external.map((x) => ({ id: x.id, cidrs: cidrsOf(x.set) })), allowed };
}

/** Endpoints not isolated in a direction: anyone may reach them (ingress) or they may reach anyone (egress). */
export function unisolated(a: Analysis): { ingress: string[]; egress: string[] } {
  const ingress: string[] = [];
  const egress: string[] = [];
  for (const c of a.classes) {
    for (const e of c.endpoints) {
      if (!c.ingressIsolated) ingress.push(e.id);
      if (!c.egressIsolated) egress.push(e.id);
    }
  }
  return { ingress: ingress.sort(cmp), egress: egress.sort(cmp) };
}
