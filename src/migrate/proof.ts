/**
 * The round-trip proof: the migrated set, audited and compared with the input.
 *
 * 1. Authentication and edge TLS: every host that was authenticated (or public
 *    with a reason) and had TLS on ingress-nginx still has them on the new edge,
 *    by the same exposure model `audit` uses, and the audit of the migrated set
 *    reports no authentication or edge-TLS finding on the objects written.
 * 2. Routing: every host and path goes to the same Service and port.
 * 3. Segregation: the engine's diff of old vs new opens no connection to an
 *    application pod, except from the new edge where the controller had it.
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { Endpoint } from '../model/workloads.js';
import { ALL_CHECKS } from '../checks/index.js';
import { runAudit } from '../checks/run.js';
import { DEFAULT_CONFIG, type EntryPoint } from '../checks/types.js';
import { entryPoints, servicePortNumber } from '../exposure/index.js';
import { analyze, type Analysis } from '../netpol/analysis.js';
import { diffConnectivity, openedConnections, subtractPorts } from '../netpol/diff.js';
import { EMPTY_PORTS, formatPorts, isEmpty, union, type PortSet } from '../netpol/ports.js';
import { MIGRATED_FROM } from './types.js';

export type AuthState = 'authenticated' | 'public' | 'none';

export interface HostProof {
  readonly host: string;
  readonly authBefore: AuthState;
  readonly authAfter: AuthState;
  readonly tlsBefore: boolean;
  readonly tlsAfter: boolean;
  /** Open authentication / edge-TLS findings of the migrated set on the objects written for this host. */
  readonly findings: readonly string[];
  readonly ok: boolean;
}

export interface RouteProof {
  readonly host: string;
  readonly path: string;
  readonly before: string;
  /** null when the migrated set does not route it. */
  readonly after: string | null;
  readonly ok: boolean;
}

export interface ConnectionProof {
  readonly from: string;
  readonly to: string;
  readonly ports: readonly string[];
  readonly ok: boolean;
  readonly why: string;
}

export interface Proof {
  readonly ok: boolean;
  readonly hosts: readonly HostProof[];
  readonly routes: readonly RouteProof[];
  /** Connections the migrated set opens (each judged). */
  readonly opened: readonly ConnectionProof[];
  /** Connections it closes (for the reviewer). */
  readonly closed: number;
  /** Open authentication / edge-TLS findings on the objects written, for hosts that lacked the control before too (carried over, not a regression). */
  readonly carriedOver: readonly string[];
}

const RANK: Record<AuthState, number> = { none: 0, public: 1, authenticated: 2 };

function authOf(eps: readonly EntryPoint[]): AuthState {
  if (eps.length === 0) return 'none';
  if (eps.every((e) => e.authenticated)) return 'authenticated';
  if (eps.every((e) => e.authenticated || e.publicReason !== undefined)) return 'public';
  return 'none';
}

function target(inv: Inventory, ep: EntryPoint): string {
  const port = servicePortNumber(inv, ep.service.namespace, ep.service.name, ep.service.port);
  return `${ep.service.namespace}/${ep.service.name}:${port ?? String(ep.service.port ?? '?')}`;
}

const norm = (p: string | undefined): string => (p === undefined || p === '' ? '/' : p);

export interface ProofInput {
  readonly before: Inventory;
  readonly after: Inventory;
  /** The Ingresses migrated. */
  readonly migrated: ReadonlySet<LoadedObject>;
  /** The controller's endpoints (before) and the new edge's workload id (after). */
  readonly controller: readonly Endpoint[];
  readonly edgeWorkload: string;
  readonly edgeNamespace: string;
}

export function prove(input: ProofInput): Proof {
  const { before, after } = input;
  const beforeEps = entryPoints({ inventory: before }).filter((e) => input.migrated.has(e.route));
  const afterEps = entryPoints({ inventory: after }).filter((e) => e.route.object.metadata.annotations?.[MIGRATED_FROM] !== undefined);
  const afterA = analyze(after);
  const beforeA = analyze(before);
  const audit = runAudit(after, afterA, { config: DEFAULT_CONFIG, checks: ALL_CHECKS });
  const generated = (f: { object: { kind: string; namespace?: string; name: string } }): LoadedObject | undefined =>
    after.objects.find((o) => o.object.kind === f.object.kind && o.object.metadata.name === f.object.name && (o.object.metadata.namespace ?? '') === (f.object.namespace ?? '') && o.object.metadata.annotations?.[MIGRATED_FROM] !== undefined);
  const failures = audit.findings.filter((f) => !f.suppressed && f.severity !== 'info' && (f.control === 'authentication' || f.control === 'ingress-encryption') && generated(f));
  const carried = new Set<string>();

  const hosts: HostProof[] = [];
  for (const host of [...new Set(beforeEps.map((e) => e.host))].sort()) {
    const b = beforeEps.filter((e) => e.host === host);
    const a = afterEps.filter((e) => e.host === host);
    const authBefore = authOf(b);
    const authAfter = authOf(a);
    const tlsBefore = b.every((e) => e.tls);
    const tlsAfter = a.length > 0 && a.every((e) => e.tls);
    const routeObjects = new Set(a.map((e) => e.route));
    const mine = failures.filter((f) => {
      const o = generated(f);
      return o !== undefined && (routeObjects.has(o) || f.message.includes(host));
    });
    // Only the controls the host had before must hold after; the others are carried over as they were.
    const had = (f: (typeof failures)[number]): boolean => (f.control === 'authentication' ? authBefore !== 'none' : tlsBefore);
    const findings = mine.filter(had).map((f) => `${f.check}: ${f.message}`);
    for (const f of mine) if (!had(f)) carried.add(`${f.check}: ${f.message}`);
    const ok = a.length > 0 && RANK[authAfter] >= RANK[authBefore] && (!tlsBefore || tlsAfter) && findings.length === 0;
    hosts.push({ host, authBefore, authAfter, tlsBefore, tlsAfter, findings, ok });
  }

  const routes: RouteProof[] = [];
  const seen = new Set<string>();
  for (const e of beforeEps) {
    const key = `${e.host} ${norm(e.path)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const want = target(before, e);
    const got = afterEps.filter((x) => x.host === e.host && norm(x.path) === norm(e.path)).map((x) => target(after, x));
    routes.push({ host: e.host, path: norm(e.path), before: want, after: got[0] ?? null, ok: got.length > 0 && got.every((g) => g === want) });
  }
  routes.sort((x, y) => (`${x.host} ${x.path}` < `${y.host} ${y.path}` ? -1 : 1));

  const opened = judgeOpened(beforeA, afterA, input);
  const d = diffConnectivity(beforeA, afterA, { level: 'workload' });
  const closed = d.removed.length + d.changed.filter((c) => !isEmpty(c.closed)).length;
  const ok = hosts.every((h) => h.ok) && routes.every((r) => r.ok) && opened.every((o) => o.ok);
  return { ok, hosts, routes, opened, closed, carriedOver: [...carried].sort() };
}

function judgeOpened(beforeA: Analysis, afterA: Analysis, input: ProofInput): ConnectionProof[] {
  const d = diffConnectivity(beforeA, afterA, { level: 'workload' });
  const out: ConnectionProof[] = [];
  const workloadEndpoints = (inv: Inventory, w: string): Endpoint[] => inv.endpoints.filter((e) => e.workload === w);
  for (const o of openedConnections(d)) {
    const ports = formatPorts(o.ports);
    if (o.to === input.edgeWorkload || o.to.startsWith('ip:') || o.to.startsWith(`${input.edgeNamespace}/`)) {
      out.push({ from: o.from, to: o.to, ports, ok: true, why: 'not an application pod (the new edge and its control plane, or outside the cluster)' });
      continue;
    }
    if (o.from !== input.edgeWorkload) {
      out.push({ from: o.from, to: o.to, ports, ok: false, why: 'opened to an application pod by a source other than the new edge' });
      continue;
    }
    let had: PortSet = EMPTY_PORTS;
    for (const c of input.controller) {
      const cp = beforeA.peer(c.id);
      if (!cp) continue;
      for (const t of workloadEndpoints(input.before, o.to)) {
        const tp = beforeA.peer(t.id);
        if (tp) had = union(had, beforeA.allowedPorts(cp, tp));
      }
    }
    const extra = subtractPorts(o.ports, had);
    out.push(
      isEmpty(extra)
        ? { from: o.from, to: o.to, ports, ok: true, why: 'the ingress-nginx controller reached it on these ports before' }
        : { from: o.from, to: o.to, ports, ok: false, why: `the controller did not reach it on ${formatPorts(extra).join(', ')}` },
    );
  }
  return out;
}

/** The proof as lines of text, for the end of the output. */
export function proofText(p: Proof): string[] {
  const lines: string[] = [`Round-trip proof: ${p.ok ? 'PASSED' : 'FAILED'}`];
  const mark = (ok: boolean): string => (ok ? 'ok  ' : 'FAIL');
  lines.push('  authentication and edge TLS, per host (before → after):');
  for (const h of p.hosts) {
    lines.push(`    ${mark(h.ok)} ${h.host}: ${h.authBefore} → ${h.authAfter}, TLS ${h.tlsBefore ? 'yes' : 'no'} → ${h.tlsAfter ? 'yes' : 'no'}`);
    for (const f of h.findings) lines.push(`           ${f}`);
  }
  lines.push('  routing, per host and path (Service:port before → after):');
  for (const r of p.routes) lines.push(`    ${mark(r.ok)} ${r.host}${r.path}: ${r.before} → ${r.after ?? 'not routed'}`);
  lines.push(`  connectivity (NetworkPolicy diff, workload level): ${p.opened.length} opened, ${p.closed} closed`);
  for (const o of p.opened) lines.push(`    ${mark(o.ok)} ${o.from} → ${o.to} ${o.ports.join(', ')}: ${o.why}`);
  if (p.carriedOver.length > 0) {
    lines.push('  carried over as they were (the host lacked the control before too):');
    for (const f of p.carriedOver) lines.push(`    ${f}`);
  }
  return lines;
}
