/**
 * The guard's watch cache: what the decision needs from the cluster (its
 * NetworkPolicies and Namespaces, and the context of the edge checks: IngressClasses,
 * Gateways, SecurityPolicies, Issuers...), kept current with the API server's
 * list-then-watch protocol.
 *
 * For each resource: a paginated LIST (`limit` + `continue`), then a WATCH from
 * the list's resourceVersion with bookmarks. A watch that ends (the server's
 * `timeoutSeconds`, a dropped connection) resumes from the last resourceVersion
 * seen; one refused with 410 Gone (the resourceVersion was compacted: an ERROR
 * event carrying a Status with code 410, or an HTTP 410) lists again. Errors
 * (unreachable server, 403, 5xx) are retried with exponential backoff and never
 * thrown. The index is replaced atomically at the end of each list, so a review
 * never sees half a list.
 *
 * `synced` turns true once every resource has been listed; `/readyz` answers 200
 * only then. A context kind the cluster does not serve (404) or the guard may not
 * read (403) is marked unavailable instead, does not hold readiness up, and is asked
 * for again at the longest backoff; the index records it so that decisions needing
 * it warn, naming it. `lastEventAt` moves with every list and watch event, bookmarks
 * included, so a growing cache age on /metrics means the watch has stalled.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeObject } from '../model/kube.js';
import { GUARD_RESOURCES, PolicyIndex, qualifiedResource, type GuardSnapshot, type WatchedResource } from './decide.js';
import { isRecord } from '../model/json.js';

export { GUARD_RESOURCES, qualifiedResource, type WatchedResource } from './decide.js';

export interface CacheOptions {
  /** A kubeconfig file; default: `$KUBECONFIG`, `~/.kube/config`, or the pod's service account. */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig; default: its current context. */
  readonly context?: string;
  readonly resources?: readonly WatchedResource[];
  /** The index to fill (default: a new one). */
  readonly index?: PolicyIndex;
  readonly logger?: Logger;
  /** Items per LIST page. Default 500, as kubectl. */
  readonly pageSize?: number;
  /** Asks the server to end each watch after this long (it is then resumed). Default 300. */
  readonly watchTimeoutSeconds?: number;
  /** Retry delays after errors: doubling from `initialMs` to `maxMs`. Default 250 ms to 30 s. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Timeout of one LIST request. Default 30 s. */
  readonly requestTimeoutMs?: number;
}

/** Where one resource stands, for /readyz and the logs. */
export interface ResourceStatus {
  readonly kind: string;
  readonly listed: boolean;
  /** A context kind the cluster does not serve (404) or the guard may not read (403). */
  readonly unavailable?: 'not served' | 'forbidden';
  readonly resourceVersion?: string;
  readonly lastError?: string;
}

export interface CacheStats {
  lists: number;
  /** Lists after the first: after 410 Gone. */
  relists: number;
  watches: number;
  events: number;
  gone: number;
  errors: number;
}

interface State {
  readonly resource: WatchedResource;
  listed: boolean;
  unavailable: 'not served' | 'forbidden' | undefined;
  resourceVersion: string | undefined;
  lastError: string | undefined;
  abort: (() => void) | undefined;
}

type WatchEnd = 'closed' | 'gone' | 'error' | 'stopped';

/** A LIST refused with an HTTP status. */
class ListError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}


const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function basePath(r: WatchedResource): string {
  return r.apiVersion.includes('/') ? `/apis/${r.apiVersion}/${r.plural}` : `/api/${r.apiVersion}/${r.plural}`;
}

/** A kubeconfig (file or default), the chosen context, and plain-http servers allowed (kubectl proxy). */
export async function loadKubeConfig(opts: { kubeconfig?: string; context?: string }): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (opts.kubeconfig !== undefined) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context !== undefined) {
    if (!kc.getContextObject(opts.context)) {
      throw new Error(`context "${opts.context}" is not in the kubeconfig (its contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster: choose a context with --context');
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    // client-node refuses an http: server unless TLS verification is off; over plain HTTP there is nothing to verify.
    const copy = new KubeConfig();
    copy.loadFromOptions({ clusters: kc.getClusters().map((c) => (c === cluster ? { ...c, skipTLSVerify: true } : c)), contexts: kc.getContexts(), users: kc.getUsers(), currentContext: kc.getCurrentContext() });
    return copy;
  }
  return kc;
}

export class GuardCache {
  readonly index: PolicyIndex;
  readonly stats: CacheStats = { lists: 0, relists: 0, watches: 0, events: 0, gone: 0, errors: 0 };
  /** Milliseconds since the epoch of the last list or watch event. */
  lastEventAt: number | undefined;
  private readonly options: CacheOptions;
  private readonly states: State[];
  private kc: KubeConfig | undefined;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();
  private readonly syncWaiters = new Set<() => void>();

  constructor(options: CacheOptions = {}) {
    this.options = options;
    this.index = options.index ?? new PolicyIndex();
    this.states = (options.resources ?? GUARD_RESOURCES).map((resource) => ({ resource, listed: false, unavailable: undefined, resourceVersion: undefined, lastError: undefined, abort: undefined }));
  }

  /** What the decision reads (the server's source). */
  get snapshot(): GuardSnapshot {
    return this.index;
  }

  /**
   * True once every served resource has been listed (context kinds not served or forbidden
   * do not count). It stays true while a 410 re-list runs: the old list is served meanwhile.
   */
  get synced(): boolean {
    return this.index.synced;
  }

  /** Starts listing and watching; returns at once. Kubeconfig problems are thrown here, cluster problems retried. */
  async start(kubeConfig?: KubeConfig): Promise<void> {
    this.kc = kubeConfig ?? (await loadKubeConfig(this.options));
    this.loops = this.states.map((s) => this.run(s));
  }

  /** Resolves once synced; rejects after `timeoutMs` with what is still missing. */
  waitForSync(timeoutMs = 30_000): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.syncWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.syncWaiters.delete(done);
        reject(new Error(`the cache did not sync within ${timeoutMs} ms: ${this.describeStatus()}`));
      }, timeoutMs);
      this.syncWaiters.add(done);
    });
  }

  /** Stops every watch and retry, and waits for the loops to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.states) s.abort?.();
    for (const wake of [...this.sleepers]) wake();
    await Promise.all(this.loops);
  }

  status(): ResourceStatus[] {
    return this.states.map((s) => ({
      kind: s.resource.kind,
      listed: s.listed,
      ...(s.unavailable !== undefined ? { unavailable: s.unavailable } : {}),
      ...(s.resourceVersion !== undefined ? { resourceVersion: s.resourceVersion } : {}),
      ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
    }));
  }

  /** One line: what is synced and what is failing. */
  describeStatus(): string {
    return this.status()
      .map((s) => `${s.kind}: ${s.listed ? 'listed' : (s.unavailable ?? 'not listed yet')}${s.lastError !== undefined ? ` (last error: ${s.lastError})` : ''}`)
      .join('; ');
  }

  objectCounts(): Record<string, number> {
    return this.index.counts();
  }

  // ---- the loop -------------------------------------------------------------

  private async run(s: State): Promise<void> {
    const backoff = this.options.backoff ?? { initialMs: 250, maxMs: 30_000 };
    let delay = backoff.initialMs;
    const pause = async (): Promise<void> => {
      await this.sleep(delay * (0.75 + Math.random() * 0.5));
      delay = Math.min(delay * 2, backoff.maxMs);
    };
    while (!this.stopped) {
      if (s.resourceVersion === undefined) {
        try {
          await this.list(s);
          delay = backoff.initialMs;
        } catch (e) {
          s.lastError = errorText(e);
          this.stats.errors++;
          const status = e instanceof ListError ? e.status : undefined;
          if (s.resource.context === true && (status === 404 || status === 403)) {
            this.markUnavailable(s, status === 404 ? 'not served' : 'forbidden');
            // Asked again now and then: the CRDs may be installed, the RBAC granted, later.
            delay = backoff.maxMs;
          } else {
            this.options.logger?.warn({ kind: s.resource.kind, err: s.lastError, retryInMs: Math.round(delay) }, 'list failed; retrying');
          }
          await pause();
          continue;
        }
      }
      const started = performance.now();
      const eventsBefore = this.stats.events;
      const end = await this.watch(s);
      if (end === 'stopped') break;
      if (end === 'gone') {
        // The resourceVersion was compacted away: only a fresh list is consistent again.
        this.stats.gone++;
        this.options.logger?.info({ kind: s.resource.kind, resourceVersion: s.resourceVersion }, 'watch expired (410 Gone); listing again');
        s.resourceVersion = undefined;
        continue;
      }
      if (end === 'error' || (this.stats.events === eventsBefore && performance.now() - started < 1000)) {
        // A failed watch, or one that closed at once with nothing in it: do not hammer the server.
        if (end === 'error') this.stats.errors++;
        this.options.logger?.warn({ kind: s.resource.kind, err: s.lastError, retryInMs: Math.round(delay) }, 'watch ended; resuming');
        await pause();
      } else {
        delay = backoff.initialMs;
      }
    }
  }

  private halted(): boolean {
    return this.stopped;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private touch(): void {
    this.lastEventAt = Date.now();
  }

  /** Lists every page, then replaces the kind in the index in one step. */
  private async list(s: State): Promise<void> {
    const r = s.resource;
    const items: KubeObject[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    let restarted = false;
    for (;;) {
      const q = new URLSearchParams({ limit: String(this.options.pageSize ?? 500) });
      if (token !== undefined) q.set('continue', token);
      const res = await this.get(`${basePath(r)}?${q.toString()}`);
      if (res.status === 410 && token !== undefined && !restarted) {
        // The snapshot behind the continue token was compacted mid-list: start over, once.
        items.length = 0;
        token = undefined;
        restarted = true;
        continue;
      }
      if (res.status !== 200 || !isRecord(res.body) || !Array.isArray(res.body['items'])) {
        const message = isRecord(res.body) && typeof res.body['message'] === 'string' ? res.body['message'] : `HTTP ${res.status}`;
        throw new ListError(`listing ${r.plural}: ${message}${res.status === 403 ? ` (grant get, list and watch on ${qualifiedResource(r)})` : ''}`, res.status);
      }
      for (const item of res.body['items'] as unknown[]) {
        const o = this.normalize(item, r);
        if (o) items.push(o);
      }
      const meta = res.body['metadata'];
      if (isRecord(meta) && typeof meta['resourceVersion'] === 'string') resourceVersion = meta['resourceVersion'];
      const next = isRecord(meta) && typeof meta['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : undefined;
      if (next === undefined) break;
      token = next;
    }
    if (this.stopped) return;
    this.index.replaceKind(r.kind, items, undefined, r.apiVersion);
    this.index.setUnavailable(r.kind, undefined);
    const first = !s.listed;
    s.listed = true;
    s.unavailable = undefined;
    s.resourceVersion = resourceVersion;
    s.lastError = undefined;
    this.stats.lists++;
    if (!first) this.stats.relists++;
    this.touch();
    this.options.logger?.info({ kind: r.kind, items: items.length, resourceVersion }, first ? 'listed' : 'listed again');
    this.checkSynced();
  }

  /** Synced once every resource is listed or, for a context kind, known to be unavailable. */
  private checkSynced(): void {
    if (this.index.synced || !this.states.every((x) => x.listed || x.unavailable !== undefined)) return;
    this.index.synced = true;
    this.options.logger?.info({ counts: this.index.counts(), unavailable: this.states.filter((x) => x.unavailable !== undefined).map((x) => `${x.resource.kind} (${x.unavailable!})`) }, 'cache synced');
    for (const wake of [...this.syncWaiters]) wake();
  }

  /** A context kind the cluster does not serve, or the guard may not read: decisions that need it warn instead of deciding. */
  private markUnavailable(s: State, why: 'not served' | 'forbidden'): void {
    const r = s.resource;
    if (s.unavailable !== why) {
      if (why === 'forbidden') {
        this.options.logger?.warn(
          { kind: r.kind, err: s.lastError },
          `cannot read ${qualifiedResource(r)}: grant get, list and watch on ${qualifiedResource(r)} to the guard's ClusterRole (meshless guard manifests prints it); until then ${r.kind} is not checked`,
        );
      } else {
        this.options.logger?.info({ kind: r.kind, apiVersion: r.apiVersion }, `${r.apiVersion} ${r.kind} is not served by this cluster; decisions that need it warn instead`);
      }
    }
    s.unavailable = why;
    s.listed = false;
    s.resourceVersion = undefined;
    this.index.replaceKind(r.kind, [], undefined, r.apiVersion);
    this.index.setUnavailable(r.kind, why === 'not served' ? `${r.apiVersion} ${r.kind} is not served by the API server` : `meshless guard may not read ${qualifiedResource(r)} (grant get, list and watch on it)`);
    this.checkSynced();
  }

  /** An item as the rest of meshless sees it: apiVersion and kind set (list items of built-in kinds carry neither), managedFields gone. */
  private normalize(item: unknown, r: WatchedResource): KubeObject | undefined {
    if (!isRecord(item) || !isRecord(item['metadata']) || typeof item['metadata']['name'] !== 'string') return undefined;
    const metadata: Record<string, unknown> = { ...item['metadata'] };
    delete metadata['managedFields'];
    return { ...item, apiVersion: r.apiVersion, kind: r.kind, metadata } as unknown as KubeObject;
  }

  /** One watch, from the current resourceVersion, until it ends; applies every event to the index. */
  private async watch(s: State): Promise<WatchEnd> {
    if (this.stopped) return 'stopped';
    const { Watch } = await import('@kubernetes/client-node');
    // stop() may have run during the import.
    if (this.halted()) return 'stopped';
    const r = s.resource;
    this.stats.watches++;
    return new Promise<WatchEnd>((resolve) => {
      let settled = false;
      let verdict: WatchEnd | undefined;
      let controller: AbortController | undefined;
      const finish = (end: WatchEnd): void => {
        if (settled) return;
        settled = true;
        s.abort = undefined;
        controller?.abort();
        resolve(this.stopped ? 'stopped' : end);
      };
      s.abort = () => {
        verdict = 'stopped';
        if (controller) controller.abort();
        else finish('stopped');
      };
      const onEvent = (type: string, obj: unknown): void => {
        if (settled) return;
        this.stats.events++;
        this.touch();
        const rv = isRecord(obj) && isRecord(obj['metadata']) && typeof obj['metadata']['resourceVersion'] === 'string' ? obj['metadata']['resourceVersion'] : undefined;
        switch (type) {
          case 'ADDED':
          case 'MODIFIED': {
            const o = this.normalize(obj, r);
            if (o) this.index.set(o);
            break;
          }
          case 'DELETED': {
            const o = this.normalize(obj, r);
            if (o) this.index.delete(r.kind, o.metadata.namespace, o.metadata.name, r.apiVersion);
            break;
          }
          case 'BOOKMARK':
            break;
          case 'ERROR': {
            const code = isRecord(obj) ? obj['code'] : undefined;
            const message = isRecord(obj) && typeof obj['message'] === 'string' ? obj['message'] : 'watch error';
            if (code === 410) verdict = 'gone';
            else {
              verdict = 'error';
              s.lastError = `watch ${r.plural}: ${message}`;
            }
            controller?.abort();
            return;
          }
          default:
            return;
        }
        if (rv !== undefined) s.resourceVersion = rv;
      };
      const onDone = (err: unknown): void => {
        if (verdict !== undefined) {
          finish(verdict);
          return;
        }
        const status = isRecord(err) ? err['statusCode'] : undefined;
        if (status === 410) finish('gone');
        else if (err) {
          s.lastError = `watch ${r.plural}: ${errorText(err)}`;
          finish('error');
        } else finish('closed');
      };
      new Watch(this.kc!)
        .watch(basePath(r), { resourceVersion: s.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.options.watchTimeoutSeconds ?? 300 }, onEvent, onDone)
        .then(
          (c) => {
            controller = c;
            if (settled || verdict === 'stopped') c.abort();
          },
          (e: unknown) => {
            onDone(e ?? new Error('watch failed'));
          },
        );
    });
  }

  private async get(path: string): Promise<{ status: number; body: unknown }> {
    const kc = this.kc!;
    const cluster = kc.getCurrentCluster()!;
    const options: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json', 'User-Agent': 'meshless-guard' } };
    await kc.applyToHTTPSOptions(options);
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    const request = url.protocol === 'http:' ? http.request : https.request;
    const timeout = this.options.requestTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const req = request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.setTimeout(timeout, () => req.destroy(new Error(`no answer from ${cluster.server} within ${timeout / 1000} s`)));
      req.on('error', (e) => {
        reject(new Error(`cannot reach the API server at ${cluster.server}: ${e.message}`));
      });
      req.end();
    });
  }
}
