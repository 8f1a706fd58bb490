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
import type { Logger } from 'pino';
import { KubeClient, KubeError, type WatchEvent } from '../load/kube-client.js';
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
  /** Timeout of one LIST request (`--request-timeout`); 0: none. Default 30 s. */
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

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function basePath(r: WatchedResource): string {
  return r.apiVersion.includes('/') ? `/apis/${r.apiVersion}/${r.plural}` : `/api/${r.apiVersion}/${r.plural}`;
}

export class GuardCache {
  readonly index: PolicyIndex;
  readonly stats: CacheStats = { lists: 0, relists: 0, watches: 0, events: 0, gone: 0, errors: 0 };
  /** Milliseconds since the epoch of the last list or watch event. */
  lastEventAt: number | undefined;
  private readonly options: CacheOptions;
  private readonly states: State[];
  private client: KubeClient | undefined;
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

  /** Starts listing and watching; returns at once. Kubeconfig problems are thrown here (KubeError), cluster problems retried. */
  async start(client?: KubeClient): Promise<void> {
    const o = this.options;
    this.client = client ?? (await KubeClient.connect({
      ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}),
      ...(o.context !== undefined ? { context: o.context } : {}),
      ...(o.requestTimeoutMs !== undefined ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
      userAgent: 'meshless-guard',
    }));
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
          const status = e instanceof KubeError ? e.status : undefined;
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

  /** `stopped`, read through a call: stop() may have run during an await, which narrowing cannot know. */
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

  /** Lists every page (the client restarts a list whose continue token expired), then replaces the kind in the index in one step. */
  private async list(s: State): Promise<void> {
    const r = s.resource;
    let list;
    try {
      list = await this.client!.list(basePath(r), { pageSize: this.options.pageSize ?? 500 });
    } catch (e) {
      if (!(e instanceof KubeError) || e.status === undefined) throw e;
      throw new KubeError(e.code, `listing ${r.plural}: ${e.message}${e.status === 403 ? ` (grant get, list and watch on ${qualifiedResource(r)})` : ''}`, { status: e.status, cause: e });
    }
    const items: KubeObject[] = [];
    for (const item of list.items) {
      const o = this.normalize(item, r);
      if (o) items.push(o);
    }
    const resourceVersion = list.resourceVersion;
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
    const r = s.resource;
    this.stats.watches++;
    const controller = new AbortController();
    s.abort = () => {
      controller.abort();
    };
    const onEvent = (ev: WatchEvent): void => {
      this.stats.events++;
      this.touch();
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
        const o = this.normalize(ev.object, r);
        if (o) this.index.set(o);
      } else if (ev.type === 'DELETED') {
        const o = this.normalize(ev.object, r);
        if (o) this.index.delete(r.kind, o.metadata.namespace, o.metadata.name, r.apiVersion);
      }
      const rv = (ev.object['metadata'] as Record<string, unknown> | undefined)?.['resourceVersion'];
      if (typeof rv === 'string' && rv !== '') s.resourceVersion = rv;
    };
    try {
      const got = await this.client!.watch(basePath(r), {
        ...(s.resourceVersion !== undefined ? { resourceVersion: s.resourceVersion } : {}),
        allowWatchBookmarks: true,
        timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
        signal: controller.signal,
      }, onEvent);
      if (this.halted() || got.end === 'aborted') return 'stopped';
      return got.end;
    } catch (e) {
      if (this.halted()) return 'stopped';
      s.lastError = `watch ${r.plural}: ${errorText(e)}`;
      return 'error';
    } finally {
      s.abort = undefined;
    }
  }
}
