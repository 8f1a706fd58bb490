/**
 * A worker that parses one part of a large YAML file (see parallel.ts). It gets
 * the part's text, the number of its first document and the line it starts on
 * (and the part's documents, when the main thread split it already); it splits
 * the part itself otherwise, and answers with JSON text, which the main thread
 * turns back into objects faster than a structured clone.
 */
import { parentPort } from 'node:worker_threads';
import type { Diagnostic } from '../model/diagnostics.js';
import type { ParsedDocument } from '../model/inventory.js';
import { parseSpans, splitDocuments, type DocumentSpan } from './yaml.js';

export interface ParseJob {
  readonly text: string;
  readonly file: string;
  /** The index in the file of the part's first document. */
  readonly firstDoc: number;
  /** The line in the file of the part's first character. */
  readonly firstLine: number;
  /** The part's documents when the main thread has already split it (offsets into `text`, lines of the file). */
  readonly spans?: readonly DocumentSpan[];
}

export interface ParseResult {
  readonly docs: ParsedDocument[];
  readonly diagnostics: Diagnostic[];
  /** Offsets into the part's text; lines of the file. */
  readonly spans: DocumentSpan[];
}

/** What a worker does with a job; also what the main thread does when a worker fails. */
export function parseJob(job: ParseJob): ParseResult {
  const spans = job.spans ? [...job.spans] : splitDocuments(job.text).map((s) => ({ start: s.start, end: s.end, startLine: s.startLine + job.firstLine - 1 }));
  const r = parseSpans(job.text, job.file, spans, job.firstDoc);
  return { docs: r.docs, diagnostics: r.diagnostics, spans };
}

// On the main thread (imported for parseJob) there is no parent port, and nothing listens.
parentPort?.on('message', (job: ParseJob) => {
  try {
    parentPort?.postMessage({ ok: true, json: JSON.stringify(parseJob(job)) });
  } catch (e) {
    parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
