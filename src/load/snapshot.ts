/**
 * A loaded input with its analysis and (on first use) its audit, and what an
 * auditor needs to trust the result (each input file's SHA-256, when it was
 * read): what `serve` serves and `report` writes. An adapter: it reads files
 * and the clock.
 */
import { analyze, type Analysis } from '../netpol/analysis.js';
import { runAudit, type AuditResult, type AuditSettings } from '../checks/run.js';
import { loadInput, type InputDigest, type InputSource, type Loaded } from './input.js';
import { Stopwatch, type LoadProgress } from './progress.js';

/** What to load and how to audit it. */
export interface SnapshotSpec {
  readonly source: InputSource;
  /** Namespace for namespaced objects that name none (`-n`). */
  readonly defaultNamespace?: string;
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
  readonly inputs: readonly InputDigest[];
  readonly loadedAt: Date;
  readonly loaded: Loaded;
  readonly analysis: Analysis;
  /** The audit, computed on first use and kept: the namespace graph does not need it, so it can be drawn first. */
  audit(): AuditResult;
  /** Milliseconds per phase: read, parse, inventory, classes (and evaluate, once audited). */
  readonly phases: Readonly<Record<string, number>>;
}

const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Loads and analyses; the audit runs on first use. Input problems are diagnostics in the result, never thrown. */
export async function loadSnapshot(spec: SnapshotSpec): Promise<Snapshot> {
  const watch = new Stopwatch();
  const cluster = spec.source.kind === 'cluster';
  const loaded = await loadInput(spec.source, {
    watch,
    digests: !cluster,
    ...(spec.defaultNamespace ? { defaultNamespace: spec.defaultNamespace } : {}),
    ...(spec.onProgress ? { onProgress: spec.onProgress } : {}),
  });
  const loadedAt = new Date();
  await breathe();
  const analysis = analyze(loaded.inventory, spec.podCidrs ? { podCidrs: spec.podCidrs } : {});
  watch.lap('classes');
  let audit: AuditResult | undefined;
  return {
    source: cluster ? 'cluster' : 'files',
    paths: spec.source.kind === 'cluster' ? [loaded.clusterName ?? 'cluster'] : spec.source.paths,
    inputs: loaded.inputs,
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
