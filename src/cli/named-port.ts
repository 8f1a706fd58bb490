/**
 * `--port NAME` (`--port http`): a container port name, resolved at each destination
 * as NetworkPolicy resolves a named port in an ingress rule — at the pods it selects.
 * A destination without a port of that name cannot be reached on it.
 */
import type { Endpoint } from '../model/workloads.js';
import type { Protocol } from '../model/networkpolicy.js';
import { reach, type Level, type ReachEntry, type ReachResult } from '../netpol/reach.js';
import type { Analysis } from '../netpol/analysis.js';
import { portRange, union } from '../netpol/ports.js';

/** An IANA service name as Kubernetes takes it for a container port: lowercase letters, digits and inner dashes, a letter among them, at most 15. */
export function isPortName(v: string): boolean {
  return v.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(v) && /[a-z]/.test(v) && !v.includes('--');
}

/** The destination's port of that name, if it has one. */
export function namedPortOf(e: Endpoint, name: string): { port: number; protocol: Protocol } | undefined {
  const p = e.ports.find((x) => x.name === name);
  return p ? { port: p.port, protocol: p.protocol } : undefined;
}

export interface NamedReach {
  readonly result: ReachResult;
  /** Destinations (at the level) with no container port of that name: nothing reaches them on it. */
  readonly withoutPort: string[];
  /** How the name resolved: `8080/TCP` → how many destinations (at the level) have it so. */
  readonly resolved: ReadonlyMap<string, number>;
}

/** reach once per number the name resolves to, each over the destinations that give it that number; the answers merged. */
export function reachNamedPort(a: Analysis, name: string, q: { level: Level; from?: (id: string) => boolean; to?: (id: string) => boolean }): NamedReach {
  const keyOf = (e: Endpoint): string => (q.level === 'pod' ? e.id : q.level === 'workload' ? e.workload : e.namespace);
  const groups = new Map<string, { port: number; protocol: Protocol; ids: Set<string>; keys: Set<string> }>();
  const without = new Set<string>();
  for (const e of a.inventory.endpoints) {
    if (q.to && !q.to(e.id)) continue;
    const p = namedPortOf(e, name);
    if (!p) {
      without.add(keyOf(e));
      continue;
    }
    const k = `${p.port}/${p.protocol}`;
    const g = groups.get(k) ?? { ...p, ids: new Set<string>(), keys: new Set<string>() };
    g.ids.add(e.id);
    g.keys.add(keyOf(e));
    groups.set(k, g);
  }
  const byPair = new Map<string, ReachEntry>();
  let base: ReachResult | undefined;
  for (const g of groups.values()) {
    const r = reach(a, { level: q.level, port: { port: g.port, protocol: g.protocol }, ...(q.from ? { from: q.from } : {}), to: (id) => g.ids.has(id) });
    base ??= r;
    for (const e of r.allowed) {
      const key = `${e.from}\u0000${e.to}`;
      const ports = portRange(g.protocol, g.port);
      const prev = byPair.get(key);
      byPair.set(key, prev ? { ...prev, ports: union(prev.ports, ports) } : { from: e.from, to: e.to, ports });
    }
  }
  base ??= reach(a, { level: q.level, to: () => false });
  const allowed = [...byPair.values()].sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : 0));
  // A namespace (at namespace level) can hold both kinds of destination: it is listed as reachable where it is.
  const withPort = new Set([...groups.values()].flatMap((g) => [...g.keys]));
  return {
    result: { ...base, allowed },
    withoutPort: [...without].filter((k) => !withPort.has(k)).sort(),
    resolved: new Map([...groups].map(([k, g]) => [k, g.keys.size])),
  };
}
