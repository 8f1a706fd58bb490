/**
 * A worker that parses a slice of a large YAML file (see parallel.ts). It gets
 * the slice's text and its document spans, and answers with JSON text, which
 * the main thread turns back into objects faster than a structured clone.
 */
import { parentPort } from 'node:worker_threads';
import { parseSpans, type DocumentSpan } from './yaml.js';

export interface ParseJob {
  readonly text: string;
  readonly file: string;
  /** Spans with offsets into `text` and absolute start lines. */
  readonly spans: readonly DocumentSpan[];
  readonly firstDoc: number;
}

parentPort?.on('message', (job: ParseJob) => {
  try {
    const r = parseSpans(job.text, job.file, job.spans, job.firstDoc);
    parentPort?.postMessage({ ok: true, json: JSON.stringify(r) });
  } catch (e) {
    parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
