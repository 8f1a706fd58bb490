/**
 * Input, end to end: files and directories (`-` for standard input), the same
 * paths at a git revision, or a live cluster → an Inventory with its
 * diagnostics. The CLI, the server and the library all load through here; each
 * turns its own arguments into an InputSource first.
 */
import { webcrypto } from 'node:crypto';
import { MeshlessError } from '../model/errors.js';
import { buildInventory, type Inventory, type InventoryMemo } from '../model/inventory.js';
import { readInputs, type ReadResult } from './files.js';
import { inventoryFromParsed, type ParsedInputs } from './text.js';
import type { ParsedDocuments } from './yaml.js';
import { parseInputsParallel } from './parallel.js';
import { Stopwatch } from './progress.js';
import type { InputDigest, LoadProgress } from './types.js';

export type { InputDigest };
import type { ClusterOptions } from './cluster.js';

/** Where the objects come from. */
export type InputSource =
  /** Files and directories as given; `-` reads standard input. */
  | { readonly kind: 'files'; readonly paths: readonly string[] }
  /** The paths (default `.`) at a git revision (a branch, tag or SHA), with git run in `cwd`. */
  | { readonly kind: 'git'; readonly rev: string; readonly paths: readonly string[]; readonly cwd?: string }
  /** A live cluster through the kubeconfig. */
  | ({ readonly kind: 'cluster' } & ClusterOptions);


export interface LoadOptions {
  /** Namespace for namespaced objects that name none (`-n`); files and git only. */
  readonly defaultNamespace?: string;
  /** Compute each input's SHA-256 (report and serve show them). */
  readonly digests?: boolean;
  /** Called as loading goes from one phase to the next. */
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Laps read, parse and inventory on this stopwatch. */
  readonly watch?: Stopwatch;
  /** Documents parsed before, by their text (see parseTextReusing): those are not parsed again. */
  readonly known?: ParsedDocuments;
  /** Called with the parsed documents before the Inventory is built (diff remembers them for the next version). */
  readonly onParsed?: (parsed: ParsedInputs) => void;
  /** What the inventory of an earlier version derived from the documents this one shares with it (diff). */
  readonly memo?: InventoryMemo;
}

export interface Loaded {
  readonly inventory: Inventory;
  /** Input files read (0 for a cluster). */
  readonly files: number;
  /** Kinds a live cluster would not list (403/404): their checks become unknown. */
  readonly unavailableKinds: readonly string[];
  /** Each file's digest when asked for (`digests`), else empty. */
  readonly inputs: readonly InputDigest[];
  /** `cluster:<context>` for a cluster. */
  readonly clusterName?: string;
}

/** Lets the event loop answer requests (a page's assets) between long synchronous phases. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Each input's size and SHA-256, of its UTF-8 bytes (the file's bytes for any valid
 * UTF-8 file: `sha256sum FILE` agrees). The sizes are known at once; WebCrypto
 * digests on libuv's thread pool, beside the parse instead of before it (~40 ms
 * for 18.5 MB).
 */
export function hashInputs(inputs: readonly { file: string; text: string }[]): { bytes: number; inputs: Promise<InputDigest[]> } {
  const encoded = inputs.map((i) => ({ file: i.file, data: Buffer.from(i.text, 'utf8') }));
  return {
    bytes: encoded.reduce((n, e) => n + e.data.length, 0),
    inputs: Promise.all(encoded.map(async (e) => ({ file: e.file, sha256: Buffer.from(await webcrypto.subtle.digest('SHA-256', e.data)).toString('hex'), bytes: e.data.length }))),
  };
}

/** Reads, parses (on worker threads when large) and builds the Inventory. Input problems are diagnostics in it; a revision or cluster that cannot be read throws a MeshlessError. */
export async function loadInput(source: InputSource, options: LoadOptions = {}): Promise<Loaded> {
  const watch = options.watch ?? new Stopwatch();
  if (source.kind === 'cluster') return loadFromCluster(source, watch);
  let read: ReadResult;
  if (source.kind === 'git') {
    // Loaded on demand: only --git needs it.
    const { loadGitRevision } = await import('./git.js');
    read = await loadGitRevision(source.rev, source.paths.length > 0 ? source.paths : ['.'], source.cwd !== undefined ? { cwd: source.cwd } : {});
  } else {
    if (source.paths.length === 0) throw new MeshlessError('usage', 'no input: give one or more files or directories, or - for standard input');
    read = await readInputs(source.paths);
  }
  watch.lap('read');
  const loaded = await loadRead(read, { ...options, watch });
  if (loaded.inventory.objects.length === 0) throw noObjects(source.kind === 'git' ? source.paths.map((p) => `${p} at ${source.rev}`) : source.paths, loaded);
  return loaded;
}

/**
 * Input that yields no object — a missing path, a folder without manifests, empty
 * standard input (a failed `helm template` before the pipe) — would pass every check:
 * it is an input error, never an empty result.
 */
function noObjects(paths: readonly string[], loaded: Loaded): MeshlessError {
  const names = paths.map((p) => (p === '-' ? 'standard input' : p)).join(', ');
  const problems = loaded.inventory.diagnostics.filter((d) => d.severity !== 'info' || d.code === 'not-a-cluster-object').map((d) => `${d.source ? `${d.source.file}: ` : ''}${d.message}`);
  const stdin = paths.includes('-') ? 'if a command feeds the pipe (helm template, kustomize build), check that it succeeded; ' : '';
  return new MeshlessError('input-invalid', `no objects read from ${names}${problems.length > 0 ? ` (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''})` : ''}`, {
    hint: `${stdin}point at the files or folders that hold the Kubernetes manifests (.yaml, .yml, .json)`,
  });
}

/** The second half of a load: files already read (by readInputs, git, or a caller such as diff) → parsed → Inventory. */
export async function loadRead(read: ReadResult, options: LoadOptions = {}): Promise<Loaded> {
  const watch = options.watch ?? new Stopwatch();
  await breathe();
  const hashing = options.digests === true ? hashInputs(read.inputs) : undefined;
  if (options.onProgress) {
    const bytes = hashing?.bytes ?? read.inputs.reduce((n, i) => n + Buffer.byteLength(i.text, 'utf8'), 0);
    options.onProgress({ phase: 'parsing', files: read.inputs.length, bytes });
  }
  const parsed = await parseInputsParallel(read.inputs, undefined, undefined, options.known);
  options.onParsed?.(parsed);
  const inputs = hashing ? await hashing.inputs : [];
  watch.lap('parse');
  options.onProgress?.({ phase: 'analysing', documents: parsed.docs.length });
  await breathe();
  const ns = options.defaultNamespace;
  const inventory = inventoryFromParsed(parsed, { diagnostics: read.diagnostics, ...(ns ? { defaultNamespace: ns } : {}), ...(options.memo ? { memo: options.memo } : {}) });
  watch.lap('inventory');
  return { inventory, files: read.inputs.length, unavailableKinds: [], inputs };
}

async function loadFromCluster(options: ClusterOptions, watch: Stopwatch): Promise<Loaded> {
  // Loaded on demand: the cluster client is only needed here.
  const { loadCluster } = await import('./cluster.js');
  const got = await loadCluster({
    ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
    allNamespaces: options.allNamespaces === true,
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  watch.lap('read');
  const inventory = buildInventory(got.docs, { diagnostics: got.diagnostics });
  watch.lap('inventory');
  if (inventory.objects.length === 0) {
    // Why nothing came (a timeout, a 403) is the message; the empty answer is its consequence.
    const where = `the cluster (context ${got.contextName}${options.namespace ? `, namespace ${options.namespace}` : ''})`;
    const problems = inventory.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    const hints = [...new Set(inventory.diagnostics.filter((d) => d.severity === 'error' && d.hint !== undefined).map((d) => d.hint!))];
    throw new MeshlessError('input-invalid', `no objects read from ${where}${problems.length > 0 ? `: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}` : ''}`, {
      hint: hints.length > 0 ? hints.slice(0, 2).join('\n') : 'check the context and namespace (-n, -A), and that your credentials may list pods, namespaces and NetworkPolicies (kubectl auth can-i list pods)',
    });
  }
  return { inventory, files: 0, unavailableKinds: got.unavailable.map((u) => u.kind), inputs: [], clusterName: `cluster:${got.contextName}` };
}
