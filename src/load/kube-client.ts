/**
 * The one Kubernetes HTTP client: `--cluster` (load/cluster.ts) and the guard's
 * watch cache (guard/cache.ts) both talk to the API server through it.
 *
 * @kubernetes/client-node does the part that is hard to get right: kubeconfig
 * files and contexts, client certificates and CAs, bearer tokens, exec credential
 * plugins (EKS, GKE, AKS), OIDC, proxies and in-cluster service accounts. The
 * requests themselves are plain GETs through its `applyToHTTPSOptions`, so every
 * object arrives as the API server wrote it, one code path serves built-in kinds
 * and CRDs alike, and Secrets can be read as metadata only.
 *
 * What it does:
 * - `get`: one request, bounded by the request timeout (headers and body);
 * - `list`: every page (`limit` + `continue`); a continue token that expires
 *   mid-way (410) restarts the list once, as the API documents;
 * - `watch`: one watch from a resourceVersion, with bookmarks; it reports the last
 *   resourceVersion seen (to resume from) and `gone` for 410 (an ERROR event with a
 *   Status of code 410, or HTTP 410): the caller must list again;
 * - request timeouts as kubectl's `--request-timeout` (0: none);
 * - one error model: every failure is a `KubeError`, a `MeshlessError` whose code
 *   says what happened (`cluster-forbidden`, `cluster-unreachable`, ...), with the
 *   HTTP status when there is one.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { MeshlessError, type ErrorCode } from '../model/errors.js';
import { isRecord } from '../model/json.js';

/** As kubectl's default is none, but an audit that waits forever helps nobody: 30 s unless `--request-timeout` says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Items per page: the API server's usual chunk size (kubectl uses 500 too). */
export const DEFAULT_PAGE_SIZE = 500;

export interface KubeClientOptions {
  /** A kubeconfig file; default: `$KUBECONFIG`, `~/.kube/config`, or the in-cluster service account. */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig; default: its current context. */
  readonly context?: string;
  /** Namespace for namespaced requests; default: the context's namespace, else `default`. */
  readonly namespace?: string;
  /** The longest one request may take, in milliseconds; 0: no limit. Default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly userAgent?: string;
}

/** Codes a KubeError carries; each is a `MeshlessError` code. */
export type KubeErrorCode = Extract<
  ErrorCode,
  | 'kubeconfig-missing' | 'kubeconfig-unreadable' | 'kubeconfig-context' | 'cluster-credentials'
  | 'cluster-unreachable' | 'cluster-timeout' | 'cluster-tls' | 'cluster-unauthorized' | 'cluster-forbidden'
  | 'cluster-not-found' | 'cluster-gone' | 'cluster-error'
>;

/** A failure talking to the API server: what happened (`code`), and the HTTP status when the server answered. */
export class KubeError extends MeshlessError {
  declare readonly code: KubeErrorCode;
  readonly status: number | undefined;

  constructor(code: KubeErrorCode, message: string, options: { readonly hint?: string; readonly status?: number; readonly cause?: unknown } = {}) {
    super(code, message, options);
    this.status = options.status;
  }
}

export interface KubeResponse {
  readonly status: number;
  /** The parsed JSON body, or undefined when it is not JSON. */
  readonly body: unknown;
  /** The raw body (empty when a reviver was given: it may have dropped secret values). */
  readonly text: string;
}

export type Reviver = (key: string, value: unknown) => unknown;

export interface GetOptions {
  readonly accept?: string;
  /** Passed to JSON.parse (e.g. to drop Secret values while parsing). */
  readonly reviver?: Reviver;
}

export interface ListOptions extends GetOptions {
  readonly pageSize?: number;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
}

export interface KubeList {
  readonly items: Record<string, unknown>[];
  /** The list's resourceVersion: where a watch starts. */
  readonly resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: Record<string, unknown>;
}

export interface WatchOptions {
  /** Where to start; undefined: the server sends the current objects as ADDED first. */
  readonly resourceVersion?: string;
  /** Asks the server to end the watch after this long. Default 300. */
  readonly timeoutSeconds?: number;
  readonly allowWatchBookmarks?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * How a watch ended. `closed`: the server or the network ended it (resume from
 * `resourceVersion`); `gone`: 410, the resourceVersion was compacted (list again);
 * `aborted`: the caller's signal.
 */
export interface WatchEnd {
  readonly end: 'closed' | 'gone' | 'aborted';
  /** The last resourceVersion seen (events and bookmarks), or the one the watch started from. */
  readonly resourceVersion: string | undefined;
  readonly events: number;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Parses a `--request-timeout` value as kubectl does: a number with a unit
 * (`500ms`, `5s`, `2m`, `1h`, or several: `1m30s`) or a bare number of seconds;
 * `0` means no timeout. Returns milliseconds, or a message saying what is wrong.
 */
export function parseRequestTimeout(value: string): number | string {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let ms = 0;
  let at = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    ms += Number(m[1]) * unit[m[2]!]!;
    at = re.lastIndex;
  }
  if (v === '' || at !== v.length) return `--request-timeout takes a duration such as 5s, 1m or 0 for none (got ${JSON.stringify(value)})`;
  return Math.round(ms);
}

/** `5 s`, `1.5 s`, `500 ms`: how a timeout is announced and reported. */
export function describeTimeout(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

// ---------------------------------------------------------------------------
// kubeconfig

/**
 * client-node refuses an `http:` server unless the kubeconfig also says
 * `insecure-skip-tls-verify`, which kubectl does not ask for (`kubectl proxy`
 * serves plain HTTP on localhost). Over plain HTTP there is no certificate to
 * verify, so the flag changes nothing but lets the request through.
 */
function allowPlainHttp(kc: KubeConfig, Ctor: new () => KubeConfig): KubeConfig {
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server.startsWith('http:') || cluster.skipTLSVerify) return kc;
  const copy = new Ctor();
  copy.loadFromOptions({
    clusters: kc.getClusters().map((c) => (c === cluster ? { ...c, skipTLSVerify: true } : c)),
    contexts: kc.getContexts(),
    users: kc.getUsers(),
    currentContext: kc.getCurrentContext(),
  });
  return copy;
}

/** A kubeconfig (file or default) with the chosen context; every problem is a KubeError saying what to do. */
async function loadKubeConfig(opts: KubeClientOptions): Promise<KubeConfig> {
  // Imported here: the package takes about half a second to load, which file-only runs should not pay.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig !== undefined) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    const where = opts.kubeconfig ?? process.env['KUBECONFIG'] ?? '~/.kube/config';
    throw new KubeError('kubeconfig-unreadable', `cannot read the kubeconfig ${where}: ${errorText(e)}`, { hint: 'check the path and that the file is a valid kubeconfig (kubectl config view)', cause: e });
  }
  if (opts.kubeconfig === undefined && kc.getCurrentContext() === 'loaded-context' && kc.getCurrentCluster()?.server === 'http://localhost:8080') {
    // client-node's last resort when it finds no configuration at all.
    throw new KubeError('kubeconfig-missing', 'no kubeconfig found: KUBECONFIG is not set, ~/.kube/config does not exist, and this is not a pod with a service account', {
      hint: 'pass --kubeconfig FILE, set KUBECONFIG, or log in to the cluster first (e.g. aws eks update-kubeconfig, gcloud container clusters get-credentials, az aks get-credentials)',
    });
  }
  if (opts.context !== undefined) {
    if (!kc.getContextObject(opts.context)) {
      const names = kc.getContexts().map((c) => c.name);
      throw new KubeError('kubeconfig-context', `context "${opts.context}" is not in the kubeconfig`, { hint: names.length ? `the contexts are: ${names.join(', ')}` : 'the kubeconfig has no contexts' });
    }
    kc.setCurrentContext(opts.context);
  }
  const contextName = kc.getCurrentContext();
  const context = kc.getContextObject(contextName);
  if (!context || !kc.getCurrentCluster()) {
    throw new KubeError('kubeconfig-context', context ? `context "${contextName}" names cluster "${context.cluster}", which the kubeconfig does not define` : 'the kubeconfig has no current context', {
      hint: 'choose one with --context, or set it with kubectl config use-context',
    });
  }
  return allowPlainHttp(kc, KubeConfig);
}

// ---------------------------------------------------------------------------

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL/;

export class KubeClient {
  readonly server: string;
  readonly contextName: string;
  readonly namespace: string;
  /** 0: no limit. */
  readonly requestTimeoutMs: number;
  private readonly kc: KubeConfig;
  private readonly userAgent: string;

  private constructor(kc: KubeConfig, opts: KubeClientOptions) {
    this.kc = kc;
    this.server = kc.getCurrentCluster()?.server ?? '';
    this.contextName = kc.getCurrentContext();
    this.namespace = opts.namespace ?? kc.getContextObject(this.contextName)?.namespace ?? 'default';
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.userAgent = opts.userAgent ?? 'meshless';
  }

  /** Reads the kubeconfig and chooses the context. Throws a KubeError (`kubeconfig-*`) when it cannot. */
  static async connect(opts: KubeClientOptions = {}): Promise<KubeClient> {
    return new KubeClient(await loadKubeConfig(opts), opts);
  }

  /** A client for a kubeconfig already loaded (tests, embedders). */
  static async fromKubeConfig(kc: KubeConfig, opts: KubeClientOptions = {}): Promise<KubeClient> {
    const { KubeConfig: Ctor } = await import('@kubernetes/client-node');
    return new KubeClient(allowPlainHttp(kc, Ctor), opts);
  }

  /** `the API server at URL (context "c")`: how messages name the server. */
  get where(): string {
    return `the API server at ${this.server} (context "${this.contextName}")`;
  }

  /** One GET. Resolves with any HTTP status; throws a KubeError when there is no answer (unreachable, TLS, timeout). */
  async get(path: string, opts: GetOptions = {}): Promise<KubeResponse> {
    const req = await this.open(path, opts.accept ?? 'application/json');
    return new Promise<KubeResponse>((resolve, reject) => {
      let settled = false;
      let timedOut: Error | undefined;
      const timer = this.deadline(req, (e) => {
        timedOut = e;
      });
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(this.transportError(timedOut ?? e));
      };
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(new Error('the connection closed before the answer was complete'));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          chunks.length = 0;
          resolve({ status: res.statusCode ?? 0, body: parseJson(text, opts.reviver), text: opts.reviver ? '' : text });
        });
      });
      req.on('error', fail);
      req.end();
    });
  }

  /** Every page of a list. Throws a KubeError for any answer but 200 (status-mapped: 403 `cluster-forbidden`, 404 `cluster-not-found`...). */
  async list(path: string, opts: ListOptions = {}): Promise<KubeList> {
    const items: Record<string, unknown>[] = [];
    let token: string | undefined;
    let restarted = false;
    for (;;) {
      const q = new URLSearchParams({ limit: String(opts.pageSize ?? DEFAULT_PAGE_SIZE) });
      if (opts.fieldSelector !== undefined) q.set('fieldSelector', opts.fieldSelector);
      if (opts.labelSelector !== undefined) q.set('labelSelector', opts.labelSelector);
      if (token !== undefined) q.set('continue', token);
      const res = await this.get(`${path}?${q.toString()}`, opts);
      if (res.status === 410 && token !== undefined && !restarted) {
        // The snapshot behind the continue token was compacted (a list slower than ~5 minutes): start over, once.
        items.length = 0;
        token = undefined;
        restarted = true;
        continue;
      }
      if (res.status !== 200) throw this.statusError(res, path);
      if (!isRecord(res.body) || !Array.isArray(res.body['items'])) {
        throw new KubeError('cluster-error', `${path}: the response is not a list (${res.text.slice(0, 80) || 'not JSON'})`, { status: res.status });
      }
      for (const item of res.body['items'] as unknown[]) if (isRecord(item)) items.push(item);
      const meta = res.body['metadata'];
      const next = isRecord(meta) && typeof meta['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : undefined;
      if (next === undefined) {
        const resourceVersion = isRecord(meta) && typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '';
        return { items, resourceVersion };
      }
      if (next === token) throw new KubeError('cluster-error', `${path}: the server returned the same continue token twice`, { status: 200 });
      token = next;
    }
  }

  /**
   * One watch, until the server or the network ends it, the resourceVersion turns out
   * compacted (`gone`), or `signal` aborts it. Events go to `onEvent` in order; an
   * ERROR event other than 410 and an HTTP error are thrown as KubeErrors. The request
   * timeout bounds the wait for the response to start, and the whole watch gets
   * `timeoutSeconds` plus that long, so a stalled stream ends too.
   */
  async watch(path: string, opts: WatchOptions, onEvent: (e: WatchEvent) => void): Promise<WatchEnd> {
    let resourceVersion = opts.resourceVersion;
    let events = 0;
    if (opts.signal?.aborted) return { end: 'aborted', resourceVersion, events };
    const timeoutSeconds = opts.timeoutSeconds ?? 300;
    const q = new URLSearchParams({ watch: '1', timeoutSeconds: String(timeoutSeconds) });
    if (opts.allowWatchBookmarks !== false) q.set('allowWatchBookmarks', 'true');
    if (resourceVersion !== undefined) q.set('resourceVersion', resourceVersion);
    const req = await this.open(`${path}?${q.toString()}`, 'application/json');
    // Getting credentials may take a while (exec plugins): the caller may have given up meanwhile.
    if (opts.signal?.aborted) {
      req.on('error', () => undefined);
      req.destroy();
      return { end: 'aborted', resourceVersion, events };
    }
    return new Promise<WatchEnd>((resolve, reject) => {
      let done = false;
      let timer = this.deadline(req);
      const finish = (end: WatchEnd['end'] | Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        req.destroy();
        if (end instanceof Error) reject(end);
        else resolve({ end, resourceVersion, events });
      };
      const onAbort = (): void => {
        finish('aborted');
      };
      opts.signal?.addEventListener('abort', onAbort);
      req.on('error', (e) => {
        finish(opts.signal?.aborted ? 'aborted' : this.transportError(e));
      });
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            finish(res.statusCode === 410 ? 'gone' : this.statusError({ status: res.statusCode ?? 0, body: parseJson(text), text }, path));
          });
          return;
        }
        // The response has started: from now on the watch may last as long as it asked for.
        clearTimeout(timer);
        if (this.requestTimeoutMs > 0) timer = setTimeout(() => { finish('closed'); }, timeoutSeconds * 1000 + this.requestTimeoutMs);
        let buffer = '';
        const line = (text: string): void => {
          if (done || text.trim() === '') return;
          const ev = parseJson(text);
          if (!isRecord(ev) || typeof ev['type'] !== 'string' || !isRecord(ev['object'])) return;
          const object = ev['object'];
          if (ev['type'] === 'ERROR') {
            if (object['code'] === 410) finish('gone');
            else finish(this.statusError({ status: typeof object['code'] === 'number' ? object['code'] : 500, body: object, text }, path));
            return;
          }
          if (!['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK'].includes(ev['type'])) return;
          events++;
          const meta = object['metadata'];
          if (isRecord(meta) && typeof meta['resourceVersion'] === 'string' && meta['resourceVersion'] !== '') resourceVersion = meta['resourceVersion'];
          onEvent({ type: ev['type'] as WatchEventType, object });
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl = buffer.indexOf('\n');
          while (nl >= 0 && !done) {
            line(buffer.slice(0, nl));
            buffer = buffer.slice(nl + 1);
            nl = buffer.indexOf('\n');
          }
        });
        // A dropped connection and a clean end are the same to the caller: resume.
        res.on('error', () => { finish('closed'); });
        res.on('aborted', () => { finish('closed'); });
        res.on('close', () => {
          line(buffer);
          finish('closed');
        });
      });
      req.end();
    });
  }

  /** The error for an answer that is not 200, by status. */
  statusError(res: KubeResponse, path: string): KubeError {
    const message = statusMessage(res);
    const status = res.status;
    if (status === 401) {
      return new KubeError('cluster-unauthorized', `${this.where} rejected the credentials (401 Unauthorized)`, {
        status,
        hint: 'the token or certificate has expired or is wrong: log in again (or refresh the exec plugin\'s login), then check with kubectl get ns',
      });
    }
    if (status === 403) return new KubeError('cluster-forbidden', message, { status, hint: `context "${this.contextName}" may not read ${path}; kubectl auth can-i shows what it may do` });
    if (status === 404) return new KubeError('cluster-not-found', message, { status, hint: 'the cluster does not serve this resource (kubectl api-resources shows what it serves)' });
    if (status === 410) return new KubeError('cluster-gone', message, { status, hint: 'the resourceVersion was compacted: list again' });
    return new KubeError('cluster-error', message, { status, hint: 'run the command again; if it persists, look at the API server' });
  }

  // ---- transport --------------------------------------------------------------

  private async open(path: string, accept: string): Promise<http.ClientRequest> {
    const options: https.RequestOptions = { method: 'GET', headers: { Accept: accept, 'User-Agent': this.userAgent } };
    try {
      await this.kc.applyToHTTPSOptions(options);
    } catch (e) {
      throw new KubeError('cluster-credentials', `cannot get credentials for context "${this.contextName}": ${errorText(e)}`, {
        hint: 'check the user entry of the kubeconfig (an exec plugin such as aws, gcloud or kubelogin must be installed and logged in); kubectl get ns shows the same problem',
        cause: e,
      });
    }
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    const request = url.protocol === 'http:' ? http.request : https.request;
    return request(url, options);
  }

  /**
   * Ends the request when the timeout passes, however the server behaves: a socket
   * idle timeout alone would let a server that trickles bytes (or a TLS handshake
   * that stalls) run far past the limit announced.
   */
  private deadline(req: http.ClientRequest, onTimeout?: (e: Error) => void): NodeJS.Timeout | undefined {
    if (this.requestTimeoutMs <= 0) return undefined;
    const ms = this.requestTimeoutMs;
    return setTimeout(() => {
      const e = Object.assign(new Error(`no answer within ${describeTimeout(ms)}`), { code: 'ETIMEDOUT', meshlessTimeout: true });
      onTimeout?.(e);
      req.destroy(e);
    }, ms);
  }

  /** One error for a server that cannot be talked to, saying what to check. */
  private transportError(e: Error): KubeError {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const check = 'check that the cluster is running and that this is the right context (kubectl config current-context); a VPN, bastion or tunnel may be needed';
    if ((e as { meshlessTimeout?: boolean }).meshlessTimeout === true) {
      return new KubeError('cluster-timeout', `no answer from ${this.where} within ${describeTimeout(this.requestTimeoutMs)}`, {
        hint: `${check}; a firewall may drop the traffic; --request-timeout sets the limit (0: none)`,
        cause: e,
      });
    }
    if (code === 'ECONNREFUSED') return new KubeError('cluster-unreachable', `cannot connect to ${this.where}: connection refused`, { hint: check, cause: e });
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new KubeError('cluster-unreachable', `cannot resolve the host of ${this.where}`, { hint: `check the server address in the kubeconfig and your DNS; ${check}`, cause: e });
    if (code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
      return new KubeError('cluster-unreachable', `no answer from ${this.where}: ${e.message}`, { hint: `${check}; a firewall may drop the traffic`, cause: e });
    }
    if (TLS_CODES.test(code)) {
      return new KubeError('cluster-tls', `the TLS connection to ${this.where} failed: ${e.message}`, {
        hint: 'check certificate-authority(-data) and tls-server-name for this cluster in the kubeconfig; the server certificate must be signed by that CA and name the host',
        cause: e,
      });
    }
    return new KubeError('cluster-unreachable', `cannot talk to ${this.where}: ${e.message}`, { hint: check, cause: e });
  }
}

function parseJson(text: string, reviver?: Reviver): unknown {
  try {
    return JSON.parse(text, reviver) as unknown;
  } catch {
    return undefined;
  }
}

/** The Status message of an answer, else its first bytes, else `HTTP n`. */
function statusMessage(res: KubeResponse): string {
  if (isRecord(res.body) && typeof res.body['message'] === 'string') return res.body['message'];
  const text = res.text.trim().slice(0, 200);
  return text !== '' ? text : `HTTP ${res.status}`;
}

/** `/api/v1/pods`, `/apis/apps/v1/namespaces/shop/deployments`: the path of a collection. */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace === undefined ? `${base}/${plural}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}
