/**
 * The guard's HTTPS server: `POST /validate` for admission.k8s.io/v1
 * AdmissionReviews, `/healthz`, `/readyz` (200 only once the cache has synced) and
 * `/metrics` for Prometheus.
 *
 * - The certificate and key are read from files and reloaded when they change
 *   (cert-manager rewrites the Secret volume): the directories are watched and the
 *   files polled, and `setSecureContext` swaps the certificate for new connections.
 *   A pair that does not match (a rotation caught half-written) is skipped until
 *   the next change; the old one stays in service.
 * - A bad request — not JSON, not an admission.k8s.io/v1 AdmissionReview, without
 *   request or object, or a body over the API server's 3 MiB limit — gets a 400
 *   with a message that says what was wrong. Nothing a client sends crashes it.
 * - A request it cannot decide (the cache has not synced; a bug) follows the
 *   failure policy: `fail` denies with a message, `ignore` allows with a warning.
 * - One JSON log line (pino) per review that is not a plain allow — denied,
 *   would-deny, with warnings, undecided, invalid — at info; plain allows at debug
 *   (`--log-level debug`): the metrics count every verdict, the API server's audit
 *   log records every request, and a line per Pod created is noise at info.
 *   Fields: uid, kind, namespace, name, operation, verdict, reasons, latency.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { admissionResponse, decide, parseAdmissionReview, REVIEWED_KINDS, undecided, type AdmissionRequest, type GuardConfig, type GuardDecision, type GuardSnapshot } from './decide.js';

/** The API server does not send request bodies larger than this (its etcd object limit plus overhead). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** What the server reads its answers from: the watch cache, or anything that looks like it. */
export interface GuardSource {
  readonly snapshot: GuardSnapshot;
  /** True once the cache reflects the cluster; /readyz answers 200 only then. */
  readonly synced: boolean;
  /** Milliseconds since the epoch of the last list or watch event. */
  readonly lastEventAt: number | undefined;
  objectCounts(): Readonly<Record<string, number>>;
  /** One line on what is missing, for /readyz. */
  describeStatus?(): string;
}

export interface GuardServerOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** Default 8443; 0 picks a free port. */
  readonly port?: number;
  /** Address to listen on; default every address. */
  readonly host?: string;
  readonly config: GuardConfig;
  readonly source: GuardSource;
  readonly logger?: Logger;
  /** How often the certificate files are read to catch a change the directory watch missed. Default 10 s. */
  readonly certPollIntervalMs?: number;
}

export interface GuardServer {
  readonly port: number;
  readonly url: string;
  readonly registry: Registry;
  /** Reads the certificate files now; true when a new certificate was put in service. */
  reloadCertificate(): Promise<boolean>;
  close(): Promise<void>;
}

interface Pair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

class BadRequest extends Error {
  override readonly name = 'BadRequest';
}

/** Allowed without a warning, a status or audit annotations: logged at debug only. */
const plainAllow = (d: GuardDecision): boolean => d.verdict === 'allowed' && d.warnings.length === 0 && d.status === undefined && d.auditAnnotations === undefined;

/** Kinds as metric labels: the reviewed ones, everything else as `other` (a label set must stay bounded). */
const KIND_LABELS = new Set(REVIEWED_KINDS);
const kindLabel = (kind: string | undefined): string => (kind === undefined ? 'invalid' : KIND_LABELS.has(kind) ? kind : 'other');

function certificateExpiry(cert: Buffer): number | undefined {
  try {
    return Math.floor(Date.parse(new X509Certificate(cert).validTo) / 1000);
  } catch {
    return undefined;
  }
}

interface Metrics {
  /** The counter child for one kind and verdict (children are cached: prom-client validates labels on every labelled call). */
  requests(kind: string, verdict: string): Counter.Internal;
  latency(kind: string): Histogram.Internal<'kind'>;
  readonly reloads: Counter<'result'>;
  readonly expiry: Gauge;
}

function metricsFor(registry: Registry, source: GuardSource): Metrics {
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'meshless_guard_admission_requests_total', help: 'Admission reviews answered, by object kind and verdict (allowed, denied, would-deny, undecided, invalid).', labelNames: ['kind', 'verdict'] as const, registers: [registry] });
  const latency = new Histogram({
    name: 'meshless_guard_admission_duration_seconds',
    help: 'Time from the request to the answer, by object kind.',
    labelNames: ['kind'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'meshless_guard_cache_age_seconds',
    help: 'Seconds since the cache last heard from the API server (a list or watch event, bookmarks included); grows when the watch stalls.',
    registers: [registry],
    collect() {
      if (source.lastEventAt === undefined) this.reset();
      else this.set(Math.max(0, (Date.now() - source.lastEventAt) / 1000));
    },
  });
  new Gauge({
    name: 'meshless_guard_cache_objects',
    help: 'Objects in the cache, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(source.objectCounts())) this.set({ kind }, n);
    },
  });
  new Gauge({
    name: 'meshless_guard_cache_synced',
    help: '1 once the cache has listed everything it watches (the pod is ready), else 0.',
    registers: [registry],
    collect() {
      this.set(source.synced ? 1 : 0);
    },
  });
  const reloads = new Counter({ name: 'meshless_guard_certificate_reloads_total', help: 'Certificate reloads after a change of the files, by result (ok, error).', labelNames: ['result'] as const, registers: [registry] });
  const expiry = new Gauge({ name: 'meshless_guard_certificate_expiry_timestamp_seconds', help: 'When the certificate in service expires (Unix time).', registers: [registry] });
  const requestChildren = new Map<string, Counter.Internal>();
  const latencyChildren = new Map<string, Histogram.Internal<'kind'>>();
  return {
    requests(kind, verdict) {
      const k = `${kind}\n${verdict}`;
      let c = requestChildren.get(k);
      if (!c) requestChildren.set(k, (c = requests.labels({ kind, verdict })));
      return c;
    },
    latency(kind) {
      let h = latencyChildren.get(kind);
      if (!h) latencyChildren.set(kind, (h = latency.labels({ kind })));
      return h;
    },
    reloads,
    expiry,
  };
}

function send(res: ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** A 400 as a Kubernetes Status, so that the API server's log shows the message. */
function badRequest(res: ServerResponse, message: string, close = false): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'BadRequest', code: 400, message });
  send(res, 400, body, 'application/json', close ? { Connection: 'close' } : {});
}

/**
 * Reads the body up to the limit, then calls `done` in the same turn as its last
 * chunk (no promise per request: the answer goes out with the read). A larger body
 * is drained — up to 4× the limit, then the connection is cut — and refused.
 */
function readBody(req: IncomingMessage, done: (body: Buffer | BadRequest | Error) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (r: Buffer | BadRequest | Error): void => {
    if (finished) return;
    finished = true;
    done(r);
  };
  const tooLarge = (): BadRequest => new BadRequest(`the body is larger than ${MAX_BODY_BYTES} bytes (3 MiB), the most the API server sends in an AdmissionReview`);
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      chunks.length = 0;
      if (size > 4 * MAX_BODY_BYTES) {
        finish(tooLarge());
        req.destroy();
      }
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    finish(size > MAX_BODY_BYTES ? tooLarge() : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
  req.on('error', (e) => {
    finish(e);
  });
}

/** Starts the HTTPS server. Throws when the certificate or key cannot be read or do not match. */
export async function startGuardServer(options: GuardServerOptions): Promise<GuardServer> {
  const { source, config, logger } = options;
  const registry = new Registry();
  const m = metricsFor(registry, source);
  let pair: Pair = { cert: readFileSync(options.certFile), key: readFileSync(options.keyFile) };
  const server = https.createServer({ cert: pair.cert, key: pair.key });
  // The API server keeps connections open: outlive its idle timeout (90 s) so that it closes them, never a request in flight.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const expiry = certificateExpiry(pair.cert);
  if (expiry !== undefined) m.expiry.set(expiry);

  const refuse = (res: ServerResponse, message: string, started: number): void => {
    m.requests('invalid', 'invalid').inc();
    logger?.warn({ verdict: 'invalid', status: 400, err: message, latencyMs: Math.round((performance.now() - started) * 1000) / 1000 }, 'bad request');
    if (!res.destroyed) badRequest(res, message, message.includes('larger than'));
  };

  /** The decision; a bug must not take the cluster down or let everything through unnoticed: the failure policy decides. */
  const decideSafely = (request: AdmissionRequest): GuardDecision => {
    try {
      return decide(request, source.snapshot, config);
    } catch (e) {
      logger?.error({ uid: request.uid, err: e instanceof Error ? (e.stack ?? e.message) : String(e) }, 'decision failed');
      return undecided(request, `internal error: ${e instanceof Error ? e.message : String(e)}`, config);
    }
  };

  /** One review, from the body to the log line. */
  const review = (body: Buffer | Error, res: ServerResponse, started: number): void => {
    if (body instanceof BadRequest) {
      refuse(res, body.message, started);
      return;
    }
    if (body instanceof Error) {
      // The client went away mid-body: nothing to answer.
      logger?.warn({ err: body.message }, 'request body could not be read');
      if (!res.headersSent && !res.destroyed) badRequest(res, `the body could not be read: ${body.message}`, true);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (e) {
      refuse(res, `the body is not valid JSON (${e instanceof Error ? e.message : String(e)}); expected an admission.k8s.io/v1 AdmissionReview`, started);
      return;
    }
    const r = parseAdmissionReview(parsed);
    if ('error' in r) {
      refuse(res, r.error, started);
      return;
    }
    const request = r.request;
    const decision = decideSafely(request);
    send(res, 200, JSON.stringify(admissionResponse(request.uid, decision)), 'application/json');
    const seconds = (performance.now() - started) / 1000;
    const kind = kindLabel(request.kind.kind);
    m.requests(kind, decision.verdict).inc();
    m.latency(kind).observe(seconds);
    if (!logger) return;
    const plain = plainAllow(decision);
    if (plain && !logger.isLevelEnabled('debug')) return;
    const line = {
      uid: request.uid,
      kind: request.kind.kind,
      namespace: decision.object.namespace,
      name: decision.object.name,
      operation: request.operation,
      verdict: decision.verdict,
      ...(plain ? {} : { reasons: decision.reasons.filter((x) => x.effect !== 'info').map((x) => x.code) }),
      ...(request.dryRun === true ? { dryRun: true } : {}),
      latencyMs: Math.round(seconds * 1e6) / 1000,
    };
    if (plain) logger.debug(line, 'review');
    else logger.info(line, 'review');
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/validate') {
      if (req.method !== 'POST') {
        send(res, 405, 'POST an admission.k8s.io/v1 AdmissionReview to /validate\n', 'text/plain', { Allow: 'POST' });
        return;
      }
      readBody(req, (body) => {
        try {
          review(body, res, started);
        } catch (e) {
          // Only a bug gets here (decide's own failures are handled inside): answer, log, keep serving.
          logger?.error({ err: e instanceof Error ? (e.stack ?? e.message) : String(e) }, 'request failed');
          if (!res.headersSent && !res.destroyed) send(res, 500, 'internal error\n', 'text/plain');
        }
      });
      return;
    }
    if (path === '/healthz') {
      send(res, 200, 'ok\n', 'text/plain');
      return;
    }
    if (path === '/readyz') {
      if (source.synced) send(res, 200, 'ok\n', 'text/plain');
      else send(res, 503, `not ready: the cache has not synced with the API server yet${source.describeStatus ? ` (${source.describeStatus()})` : ''}\n`, 'text/plain');
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => {
          send(res, 200, text, registry.contentType);
        },
        (e: unknown) => {
          send(res, 500, `metrics failed: ${String(e)}\n`, 'text/plain');
        },
      );
      return;
    }
    send(res, 404, 'not found: the guard serves POST /validate, /healthz, /readyz and /metrics\n', 'text/plain');
  });
  // A TLS or protocol error from one client must not reach the process.
  server.on('tlsClientError', (e) => logger?.debug({ err: e.message }, 'TLS handshake failed'));
  server.on('clientError', (e, socket) => {
    logger?.debug({ err: e.message }, 'client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  // ---- certificate reloading ------------------------------------------------

  let reloading: Promise<boolean> | undefined;
  const reloadNow = async (): Promise<boolean> => {
    let next: Pair;
    try {
      const [cert, key] = await Promise.all([readFile(options.certFile), readFile(options.keyFile)]);
      next = { cert, key };
    } catch (e) {
      logger?.warn({ err: e instanceof Error ? e.message : String(e) }, 'certificate files could not be read; keeping the one in service');
      return false;
    }
    if (next.cert.equals(pair.cert) && next.key.equals(pair.key)) return false;
    try {
      server.setSecureContext({ cert: next.cert, key: next.key });
    } catch (e) {
      // Typically the certificate was written and the key not yet: the next change or poll picks up the pair.
      m.reloads.inc({ result: 'error' });
      logger?.warn({ err: e instanceof Error ? e.message : String(e) }, 'new certificate and key do not form a usable pair; keeping the one in service');
      return false;
    }
    pair = next;
    m.reloads.inc({ result: 'ok' });
    const exp = certificateExpiry(next.cert);
    if (exp !== undefined) m.expiry.set(exp);
    logger?.info({ notAfter: exp !== undefined ? new Date(exp * 1000).toISOString() : undefined }, 'certificate reloaded');
    return true;
  };
  let queued: Promise<boolean> | undefined;
  const reloadCertificate = (): Promise<boolean> => {
    // One reload at a time. A request during a reload may come after that reload read the
    // files (the key landing after the certificate): one more reload follows it, so the
    // answer always reflects the files as they were when it was asked for.
    if (reloading) {
      queued ??= reloading.then(() => {
        queued = undefined;
        return reloadCertificate();
      });
      return queued;
    }
    reloading = reloadNow().finally(() => {
      reloading = undefined;
    });
    return reloading;
  };
  let debounce: NodeJS.Timeout | undefined;
  const onChange = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void reloadCertificate(), 100);
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(options.certFile), dirname(options.keyFile)])) {
    try {
      // Secret volumes swap a `..data` symlink: watch the directory, not the file.
      const w = watch(dir, onChange);
      w.on('error', () => undefined);
      watchers.push(w);
    } catch (e) {
      logger?.warn({ dir, err: e instanceof Error ? e.message : String(e) }, 'cannot watch the certificate directory; polling only');
    }
  }
  const poll = setInterval(() => void reloadCertificate(), options.certPollIntervalMs ?? 10_000);
  poll.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8443, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger?.info({ port, mode: config.mode, failurePolicy: config.failurePolicy, requireEgress: config.requireEgress, exemptNamespaces: config.exemptNamespaces }, 'meshless guard listening');

  return {
    port,
    url: `https://${options.host !== undefined && options.host.includes(':') ? `[${options.host}]` : (options.host ?? 'localhost')}:${port}`,
    registry,
    reloadCertificate,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(poll);
        clearTimeout(debounce);
        for (const w of watchers) w.close();
        const force = setTimeout(() => {
          server.closeAllConnections();
        }, 5000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
