/**
 * What the web UI is shown: a loaded snapshot turned into the API's JSON. No I/O
 * here (the server reads files and the clock); answers are cached per snapshot
 * because a reload makes a new view.
 *
 * Large clusters: above `maxWorkloads` workloads the model carries the
 * namespace level only (cheap: it comes from role pairs), and the workloads of a
 * namespace are sent when the UI expands it.
 */
import { resolveEndpointRef } from '../netpol/resolve.js';
import { MeshlessError } from '../model/errors.js';
import type { Explanation } from '../netpol/explain.js';
import { formatIp } from '../model/ip.js';
import { PROTOCOLS, type Protocol } from '../model/networkpolicy.js';
import { formatPorts } from '../netpol/ports.js';
import { reach, type Level, type ReachEntry, type ReachResult } from '../netpol/reach.js';
import { TOOL } from '../report/audit-json.js';
import { peerLabel } from '../report/html.js';
import type { Finding } from '../checks/types.js';
import type { ApiDiagnostic, ApiEdge, ApiEntryPoint, ApiFinding, ApiModel, ApiNamespace, ApiPairs, ApiPeer, ApiWorkload, ApiWorkloads } from './api.js';
import { diffConnectivity, type ConnectivityDiff } from '../netpol/diff.js';
import type { Snapshot } from '../load/snapshot.js';

export const DEFAULT_MAX_WORKLOADS = 300;
const MAX_PAIRS = 500;

const KIND_OF: Readonly<Record<string, string>> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  replicaset: 'ReplicaSet',
  replicationcontroller: 'ReplicationController',
  job: 'Job',
  cronjob: 'CronJob',
};
const ROUTE_KINDS = new Set(['Ingress', 'HTTPRoute', 'GRPCRoute', 'IngressRoute', 'TLSRoute', 'TCPRoute']);
/** Labels the controllers add to pods: they tell nothing about the workload. */
const NOISE_LABELS = new Set(['pod-template-hash', 'controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index']);

/** `ns/kind/name` or `ns/name` (a bare Pod) → kind and name. */
export function splitWorkloadId(id: string): { namespace: string; kind: string; name: string } {
  const parts = id.split('/');
  if (parts.length >= 3) return { namespace: parts[0]!, kind: KIND_OF[parts[1]!] ?? parts[1]!, name: parts.slice(2).join('/') };
  return { namespace: parts[0] ?? '', kind: 'Pod', name: parts[1] ?? id };
}

/** The namespace of an endpoint or workload id; undefined for outside peers. */
export function namespaceOf(id: string): string | undefined {
  return id.startsWith('ip:') ? undefined : id.slice(0, id.indexOf('/'));
}

function edges(entries: readonly ReachEntry[]): ApiEdge[] {
  return entries.map((e) => ({ from: e.from, to: e.to, ports: formatPorts(e.ports) }));
}

/** Marks the new version's edges as added/changed and appends the removed ones (those `keep` accepts). */
function applyDiff(list: ApiEdge[], d: ConnectivityDiff, keep: (e: { from: string; to: string }) => boolean = () => true): ApiEdge[] {
  const key = (e: { from: string; to: string }): string => `${e.from}\u0000${e.to}`;
  const added = new Set(d.added.map(key));
  const changed = new Map(d.changed.map((c) => [key(c), formatPorts(c.before)]));
  const out: ApiEdge[] = list.map((e) => {
    const k = key(e);
    if (added.has(k)) return { ...e, change: 'added' };
    const before = changed.get(k);
    return before ? { ...e, change: 'changed', before } : e;
  });
  for (const r of d.removed) if (keep(r)) out.push({ from: r.from, to: r.to, ports: formatPorts(r.ports), change: 'removed' });
  return out;
}

function parsePort(text: string | undefined): { port?: number; protocol?: Protocol } {
  if (text === undefined || text === '') return {};
  const m = /^(\d{1,5})(?:\/([A-Za-z]+))?$/.exec(text.trim());
  const port = m ? Number(m[1]) : NaN;
  const protocol = (m?.[2] ?? 'TCP').toUpperCase() as Protocol;
  if (!m || port < 1 || port > 65535 || !PROTOCOLS.includes(protocol)) throw new MeshlessError('invalid-port', `port must be N or N/PROTOCOL (TCP, UDP, SCTP) with N from 1 to 65535, got ${JSON.stringify(text)}`);
  return { port, protocol };
}

export interface ViewOptions {
  readonly generation: number;
  readonly maxWorkloads?: number;
  /** Diff mode: the old version. */
  readonly old?: Snapshot;
  readonly reloadError?: string;
}

/** One loaded snapshot as the UI sees it; each answer is computed once. */
export class ModelView {
  readonly snap: Snapshot;
  readonly options: ViewOptions;
  readonly large: boolean;
  private cachedModel: ApiModel | undefined;
  private cachedWorkloads: Map<string, ApiWorkload> | undefined;
  private cachedFindings: ApiFinding[] | undefined;
  private cachedNsReach: ReachResult | undefined;
  private cachedIsolation: Map<string, { namespace: string; ingress: boolean; egress: boolean }> | undefined;
  private cachedGraph: ApiModel | undefined;
  private readonly cachedDiff = new Map<Level, ConnectivityDiff>();
  private readonly workloadOfEndpoint = new Map<string, string>();

  constructor(snap: Snapshot, options: ViewOptions) {
    this.snap = snap;
    this.options = options;
    for (const e of snap.loaded.inventory.endpoints) this.workloadOfEndpoint.set(e.id, e.workload);
    this.large = this.workloadOfEndpoint.size > 0 && new Set(this.workloadOfEndpoint.values()).size > (options.maxWorkloads ?? DEFAULT_MAX_WORKLOADS);
  }

  get generation(): number {
    return this.options.generation;
  }

  /** Every file the snapshot read (and the old one, in diff mode): the only files /api/source serves. */
  inputFiles(): Set<string> {
    const files = new Set(this.snap.inputs.map((i) => i.file));
    for (const i of this.options.old?.inputs ?? []) files.add(i.file);
    files.delete('-');
    return files;
  }

  private namespaceReach(): ReachResult {
    return (this.cachedNsReach ??= reach(this.snap.analysis, { level: 'namespace' }));
  }

  /** Diff mode: what the new version allows differently, at a level (cheap: computed on roles). */
  private diff(level: Level): ConnectivityDiff | undefined {
    const old = this.options.old;
    if (!old) return undefined;
    let d = this.cachedDiff.get(level);
    if (!d) this.cachedDiff.set(level, (d = diffConnectivity(old.analysis, this.snap.analysis, { level })));
    return d;
  }

  /** Per workload: isolated for ingress / egress (all its pods), from the engine's classes: no audit needed. */
  private isolation(): Map<string, { namespace: string; ingress: boolean; egress: boolean }> {
    if (this.cachedIsolation) return this.cachedIsolation;
    const out = new Map<string, { namespace: string; ingress: boolean; egress: boolean }>();
    for (const cls of this.snap.analysis.classes) {
      for (const e of cls.endpoints) {
        const w = out.get(e.workload);
        if (w) {
          w.ingress &&= cls.ingressIsolated;
          w.egress &&= cls.egressIsolated;
        } else out.set(e.workload, { namespace: e.namespace, ingress: cls.ingressIsolated, egress: cls.egressIsolated });
      }
    }
    // Host-network pods are outside NetworkPolicy (and outside the classes): not isolated.
    for (const e of this.snap.loaded.inventory.endpoints) if (!out.has(e.workload)) out.set(e.workload, { namespace: e.namespace, ingress: false, egress: false });
    return (this.cachedIsolation = out);
  }

  workloads(): Map<string, ApiWorkload> {
    if (this.cachedWorkloads) return this.cachedWorkloads;
    const iso = this.isolation();
    const rows = new Map(this.snap.audit().workloads.map((w) => [w.id, w]));
    const findingCount = new Map<string, number>();
    for (const f of this.findings()) {
      if (f.suppressed || f.severity === 'info') continue;
      for (const w of f.workloads) findingCount.set(w, (findingCount.get(w) ?? 0) + 1);
    }
    const out = new Map<string, ApiWorkload>();
    const pods = new Map<string, number>();
    for (const e of this.snap.loaded.inventory.endpoints) {
      pods.set(e.workload, (pods.get(e.workload) ?? 0) + 1);
      if (out.has(e.workload)) continue;
      const { kind, name } = splitWorkloadId(e.workload);
      const row = rows.get(e.workload);
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(e.labels)) if (!NOISE_LABELS.has(k)) labels[k] = v;
      out.set(e.workload, {
        id: e.workload,
        namespace: e.namespace,
        kind,
        name,
        labels,
        pods: 0,
        ingressIsolated: iso.get(e.workload)?.ingress ?? false,
        egressIsolated: iso.get(e.workload)?.egress ?? false,
        exposed: row?.exposed ?? false,
        authenticated: row?.authenticated ?? null,
        tls: row?.tls ?? null,
        file: e.source.file,
        line: e.source.line,
        findings: findingCount.get(e.workload) ?? 0,
      });
    }
    for (const [id, w] of out) out.set(id, { ...w, pods: pods.get(id) ?? 0 });
    return (this.cachedWorkloads = out);
  }

  private entryPointWorkloads(route: { kind: string; namespace?: string; name: string }): string[] {
    const out = new Set<string>();
    for (const ep of this.snap.audit().entryPoints) {
      const m = ep.route.object;
      if (m.kind !== route.kind || m.metadata.name !== route.name || (m.metadata.namespace ?? '') !== (route.namespace ?? '')) continue;
      for (const id of ep.endpoints) out.add(this.workloadOfEndpoint.get(id) ?? id);
    }
    return [...out];
  }

  findings(): ApiFinding[] {
    if (this.cachedFindings) return this.cachedFindings;
    const known = new Set(this.workloadOfEndpoint.values());
    return (this.cachedFindings = this.snap.audit().findings.map((f: Finding, i): ApiFinding => {
      const o = f.object;
      let workloads: string[] = [];
      if (o.namespace !== undefined && o.kind === 'Pod') {
        const id = `${o.namespace}/${o.name}`;
        workloads = [this.workloadOfEndpoint.get(id) ?? id];
      } else if (o.namespace !== undefined && KIND_OF[o.kind.toLowerCase()] === o.kind) {
        workloads = [`${o.namespace}/${o.kind.toLowerCase()}/${o.name}`];
      } else if (ROUTE_KINDS.has(o.kind)) {
        workloads = this.entryPointWorkloads(o);
      }
      workloads = workloads.filter((w) => known.has(w));
      const namespace = o.kind === 'Namespace' ? o.name : o.namespace;
      return { id: i, ...f, workloads, ...(namespace !== undefined ? { namespace } : {}) };
    }));
  }

  private external(r: ReachResult): ApiPeer[] {
    return r.external.map((x) => ({ id: x.id, cidrs: x.cidrs, ...peerLabel(x.id) }));
  }

  private entryPoints(): ApiEntryPoint[] {
    const seen = new Map<string, number>();
    return this.snap.audit().entryPoints.map((e) => {
      const base = `entry:${e.host}${e.path ?? ''}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const r = e.route;
      return {
        id: n === 1 ? base : `${base}#${n}`,
        host: e.host,
        ...(e.path !== undefined ? { path: e.path } : {}),
        via: e.via,
        route: { kind: r.object.kind, ...(r.object.metadata.namespace !== undefined ? { namespace: r.object.metadata.namespace } : {}), name: r.object.metadata.name, file: r.source.file, line: r.source.line },
        service: { namespace: e.service.namespace, name: e.service.name },
        workloads: [...new Set(e.endpoints.map((id) => this.workloadOfEndpoint.get(id) ?? id))],
        authenticated: e.authenticated,
        ...(e.authBy !== undefined ? { authBy: e.authBy } : {}),
        ...(e.publicReason !== undefined ? { publicReason: e.publicReason } : {}),
        tls: e.tls,
        ...(e.tlsBy !== undefined ? { tlsBy: e.tlsBy } : {}),
      };
    });
  }

  /** Per namespace: workloads, how many are not isolated; exposure and findings once audited. */
  private namespaces(audited: boolean): ApiNamespace[] {
    const stats = new Map<string, { workloads: number; ingressOpen: number; egressOpen: number; exposed: number; findings: number }>();
    const inv = this.snap.loaded.inventory;
    const fresh = (): { workloads: number; ingressOpen: number; egressOpen: number; exposed: number; findings: number } => ({ workloads: 0, ingressOpen: 0, egressOpen: 0, exposed: 0, findings: 0 });
    for (const ns of inv.namespaces.keys()) stats.set(ns, fresh());
    for (const w of this.isolation().values()) {
      let s = stats.get(w.namespace);
      if (!s) stats.set(w.namespace, (s = fresh()));
      s.workloads++;
      if (!w.ingress) s.ingressOpen++;
      if (!w.egress) s.egressOpen++;
    }
    if (audited) for (const w of this.workloads().values()) if (w.exposed) stats.get(w.namespace)!.exposed++;
    for (const f of audited ? this.findings() : []) {
      if (f.suppressed || f.severity === 'info' || f.namespace === undefined) continue;
      const s = stats.get(f.namespace);
      if (s) s.findings++;
    }
    return [...stats.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, s]) => ({ name, labels: inv.namespaces.get(name)?.labels ?? {}, ...s }));
  }

  private diagnostics(audited: boolean): ApiDiagnostic[] {
    const all = [...this.snap.loaded.inventory.diagnostics, ...this.snap.analysis.diagnostics, ...(audited ? this.snap.audit().errors : [])];
    return all
      .filter((d) => d.severity !== 'info')
      .slice(0, 200)
      .map((d) => ({
        severity: d.severity,
        code: d.code,
        message: d.message,
        ...(d.source ? { where: d.source.line > 0 || d.line !== undefined ? `${d.source.file}:${d.line ?? d.source.line}` : d.source.file } : {}),
        ...(d.hint !== undefined ? { hint: d.hint } : {}),
      }));
  }

  private meta(audited: boolean): ApiModel['meta'] {
    const { snap, options } = this;
    const inv = snap.loaded.inventory;
    return {
      tool: TOOL.name,
      version: TOOL.version,
      source: snap.source,
      inputs: snap.source === 'files' ? snap.inputs : snap.paths.map((p) => ({ file: p, sha256: '', bytes: 0 })),
      loadedAt: snap.loadedAt.toISOString(),
      generation: options.generation,
      partial: !audited,
      objects: { read: inv.summary.read, used: inv.summary.used },
      workloadCount: this.isolation().size,
      policyCount: inv.policies.length,
      large: this.large,
      podNetwork: `${snap.analysis.podCidrs.map((c) => c.text).join(', ')} (${snap.analysis.podCidrSource})`,
      diff: options.old ? { old: options.old.paths, new: snap.paths } : null,
      diagnostics: this.diagnostics(audited),
      ...(options.reloadError !== undefined ? { reloadError: options.reloadError } : {}),
    };
  }

  private namespaceEdges(): ApiEdge[] {
    const list = edges(this.namespaceReach().allowed);
    const d = this.diff('namespace');
    return d ? applyDiff(list, d) : list;
  }

  /**
   * The first view of a large cluster: namespaces and the connections between
   * them, without the audit (controls, findings, entry points come with the full
   * model). For a small cluster this is the full model: it is cheap.
   */
  graphModel(): ApiModel {
    if (!this.large) return this.model();
    if (this.cachedModel) return this.cachedModel;
    return (this.cachedGraph ??= {
      meta: this.meta(false),
      controls: null,
      cni: null,
      namespaces: this.namespaces(false),
      external: this.external(this.namespaceReach()),
      namespaceEdges: this.namespaceEdges(),
      workloads: null,
      workloadEdges: null,
      entryPoints: [],
      findings: [],
    });
  }

  model(): ApiModel {
    if (this.cachedModel) return this.cachedModel;
    const a = this.snap.audit();
    let workloads: ApiWorkload[] | null = null;
    let workloadEdges: ApiEdge[] | null = null;
    if (!this.large) {
      workloads = [...this.workloads().values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      workloadEdges = edges(reach(this.snap.analysis, { level: 'workload' }).allowed);
      const wd = this.diff('workload');
      if (wd) workloadEdges = applyDiff(workloadEdges, wd);
    }
    this.cachedModel = {
      meta: this.meta(true),
      controls: a.controls,
      cni: { ...(a.cni.cni !== undefined ? { cni: a.cni.cni } : {}), encryption: a.cni.encryption, note: a.cni.note },
      namespaces: this.namespaces(true),
      external: this.external(this.namespaceReach()),
      namespaceEdges: this.cachedGraph?.namespaceEdges ?? this.namespaceEdges(),
      workloads,
      workloadEdges,
      entryPoints: this.entryPoints(),
      findings: this.findings(),
    };
    this.cachedGraph = undefined;
    return this.cachedModel;
  }

  /** The workloads of some namespaces and every workload-level connection that touches them. */
  workloadsIn(namespaces: readonly string[]): ApiWorkloads {
    const set = new Set(namespaces);
    const inSet = (id: string): boolean => {
      const ns = namespaceOf(id);
      return ns !== undefined && set.has(ns);
    };
    const a = this.snap.analysis;
    const out = reach(a, { level: 'workload', from: inSet });
    const into = reach(a, { level: 'workload', to: inSet });
    const seen = new Set(out.allowed.map((e) => `${e.from}\u0000${e.to}`));
    const all = [...out.allowed, ...into.allowed.filter((e) => !seen.has(`${e.from}\u0000${e.to}`))];
    const d = this.diff('workload');
    return {
      generation: this.generation,
      namespaces: [...set].sort(),
      workloads: [...this.workloads().values()].filter((w) => set.has(w.namespace)),
      edges: d ? applyDiff(edges(all), d, (e) => inSet(e.from) || inSet(e.to)) : edges(all),
    };
  }

  /** The workload pairs behind a namespace-level connection (either end may be an `ip:` peer). */
  pairs(from: string, to: string): ApiPairs {
    const match = (ref: string) => (id: string): boolean => (ref.startsWith('ip:') ? id === ref : namespaceOf(id) === ref);
    const r = reach(this.snap.analysis, { level: 'workload', from: match(from), to: match(to) });
    return { from, to, pairs: edges(r.allowed.slice(0, MAX_PAIRS)), truncated: r.allowed.length > MAX_PAIRS };
  }

  /** Workload ids containing the text (for search on large clusters). */
  search(text: string, limit = 50): string[] {
    const q = text.toLowerCase();
    const out: string[] = [];
    for (const id of this.workloads().keys()) {
      if (id.toLowerCase().includes(q)) out.push(id);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** An endpoint id, a workload id or an outside peer id → what the engine's explain takes. */
  resolve(ref: string, role: 'source' | 'destination'): string | { ip: string } {
    const a = this.snap.analysis;
    if (a.endpoint(ref)) return ref;
    if (ref.startsWith('ip:')) {
      const atom = a.external.find((x) => x.id === ref);
      if (!atom) throw new MeshlessError('unknown-endpoint', `unknown ${role} ${ref}: no such outside peer in this version (the inputs may have changed; reload the page)`);
      const v4 = atom.set.v4[0];
      const v6 = atom.set.v6[0];
      return { ip: v4 ? formatIp(4, v4[0]) : formatIp(6, v6![0]) };
    }
    // The same short forms as `meshless explain`: namespace/name, a workload's name.
    return resolveEndpointRef(this.snap.loaded.inventory, ref, role);
  }

  explain(from: string, to: string, port?: string): Explanation {
    return this.snap.analysis.explain(this.resolve(from, 'source'), this.resolve(to, 'destination'), parsePort(port));
  }
}
