/**
 * Loading for `serve` and `report`: input → Inventory → Analysis → AuditResult,
 * keeping what an auditor needs to trust the result (each input file's SHA-256,
 * when it was read). An adapter: it reads files and the clock.
 */
import { webcrypto } from 'node:crypto';
import { readInputs } from '../load/files.js';
import { inventoryFromParsed } from '../load/text.js';
import { parseInputsParallel } from '../load/parallel.js';
import { analyze, type Analysis } from '../netpol/analysis.js';
import { runAudit, type AuditResult, type Baseline } from '../checks/run.js';
import type { AuditConfig, Check } from '../checks/types.js';
import { loadFromArgs, Stopwatch, type Loaded, type Options } from '../cli/common.js';
import type { ApiInput, LoadProgress } from './api.js';

export interface AuditSettings {
  readonly config: AuditConfig;
  readonly checks: readonly Check[];
  readonly baseline?: Baseline;
}

/** What to load: paths (files, directories, `-`) or `--cluster` with its options in `values`. */
export interface InputSpec {
  readonly paths: readonly string[];
  /** Read the paths at this git revision (a commit SHA) instead of the working tree, with git run in `cwd`. */
  readonly rev?: { readonly sha: string; readonly cwd: string };
  /** Parsed command-line options: cluster, context, kubeconfig, namespace, all-namespaces. */
  readonly values: Options;
  readonly podCidrs?: readonly string[];
  readonly audit: AuditSettings;
  /** Called once, when the audit has run (on first use): where a command reports checks that failed. */
  readonly onAudited?: (result: AuditResult) => void;
  /** Called as loading goes from one phase to the next (serve shows it on the page). */
  readonly onProgress?: (progress: LoadProgress) => void;
}


export interface Snapshot {
  readonly source: 'files' | 'cluster';
  /** The paths as given (or `cluster:<context>`). */
  readonly paths: readonly string[];
  readonly inputs: readonly ApiInput[];
  readonly loadedAt: Date;
  readonly loaded: Loaded;
  readonly analysis: Analysis;
  /** The audit, computed on first use and kept: the namespace graph does not need it, so it can be drawn first. */
  audit(): AuditResult;
  /** Milliseconds per phase: read, parse, inventory, classes (and evaluate, once audited). */
  readonly phases: Readonly<Record<string, number>>;
}

/** Lets the event loop answer requests (the page's assets) between long synchronous phases. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Each input's size and SHA-256, of its UTF-8 bytes (the file's bytes for any valid
 * UTF-8 file: `sha256sum FILE` agrees). The sizes are known at once; WebCrypto
 * digests on libuv's thread pool, beside the parse instead of before it (~40 ms
 * for 18.5 MB).
 */
export function hashInputs(inputs: readonly { file: string; text: string }[]): { bytes: number; inputs: Promise<ApiInput[]> } {
  const encoded = inputs.map((i) => ({ file: i.file, data: Buffer.from(i.text, 'utf8') }));
  return {
    bytes: encoded.reduce((n, e) => n + e.data.length, 0),
    inputs: Promise.all(encoded.map(async (e) => ({ file: e.file, sha256: Buffer.from(await webcrypto.subtle.digest('SHA-256', e.data)).toString('hex'), bytes: e.data.length }))),
  };
}

async function loadFiles(paths: readonly string[], values: Options, watch: Stopwatch, rev?: InputSpec['rev'], onProgress?: InputSpec['onProgress']): Promise<{ loaded: Loaded; inputs: ApiInput[] }> {
  const read = rev === undefined ? await readInputs(paths) : await (await import('../load/git.js')).loadGitRevision(rev.sha, paths, { cwd: rev.cwd });
  watch.lap('read');
  await breathe();
  const hashing = hashInputs(read.inputs);
  onProgress?.({ phase: 'parsing', files: read.inputs.length, bytes: hashing.bytes });
  const parsed = await parseInputsParallel(read.inputs);
  const inputs = await hashing.inputs;
  watch.lap('parse');
  onProgress?.({ phase: 'analysing', documents: parsed.docs.length });
  await breathe();
  const ns = typeof values['namespace'] === 'string' ? values['namespace'] : undefined;
  const inventory = inventoryFromParsed(parsed, { diagnostics: read.diagnostics, ...(ns ? { defaultNamespace: ns } : {}) });
  watch.lap('inventory');
  return { loaded: { inventory, files: read.inputs.length, unavailableKinds: [] }, inputs };
}

/** Loads and analyses; the audit runs on first use. Input problems are diagnostics in the result, never thrown. */
export async function loadSnapshot(spec: InputSpec): Promise<Snapshot> {
  const watch = new Stopwatch();
  const cluster = spec.values['cluster'] === true;
  const { loaded, inputs } = cluster ? { loaded: await loadFromArgs([], spec.values, watch), inputs: [] } : await loadFiles(spec.paths, spec.values, watch, spec.rev, spec.onProgress);
  const loadedAt = new Date();
  await breathe();
  const analysis = analyze(loaded.inventory, spec.podCidrs ? { podCidrs: spec.podCidrs } : {});
  watch.lap('classes');
  let audit: AuditResult | undefined;
  const clusterName = loaded.inventory.objects[0]?.source.file;
  return {
    source: cluster ? 'cluster' : 'files',
    paths: cluster ? [clusterName?.startsWith('cluster:') ? clusterName : 'cluster'] : spec.paths,
    inputs,
    loadedAt,
    loaded,
    analysis,
    phases: watch.phases,
    audit: () => {
      if (!audit) {
        const started = performance.now();
        audit = runAudit(loaded.inventory, analysis, {
          config: spec.audit.config,
          checks: spec.audit.checks,
          ...(spec.audit.baseline ? { baseline: spec.audit.baseline } : {}),
          unavailableKinds: loaded.unavailableKinds,
        });
        watch.phases['evaluate'] = Math.round(performance.now() - started);
        spec.onAudited?.(audit);
      }
      return audit;
    },
  };
}
