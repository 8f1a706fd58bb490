/**
 * Parsing a large file on every core. YAML parsing is most of the time spent on
 * a large cluster (88 MB for 100,000 pods), and documents are independent, so a
 * large file's documents are split into contiguous slices: worker threads parse
 * all but the first, the main thread parses the first, and the results are put
 * back in order. Small inputs, JSON files and machines with one core take the
 * plain path. Whatever goes wrong in a worker, the slice is parsed again here:
 * the answer never depends on whether workers ran.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../model/diagnostics.js';
import type { ParsedDocument } from '../model/inventory.js';
import { parseInputs, type InputText, type ParsedInputs } from './text.js';
import { parseSpans, parseText, splitDocuments, type DocumentSpan } from './yaml.js';
import type { ParseJob } from './parse-worker.js';

/** Below this many bytes in one file, starting workers costs more than it saves. */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js', import.meta.url);

function runWorker(job: ParseJob): Promise<{ docs: ParsedDocument[]; diagnostics: Diagnostic[] }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerUrl);
    w.once('message', (m: { ok: boolean; json?: string; error?: string }) => {
      void w.terminate();
      if (m.ok && m.json !== undefined) resolve(JSON.parse(m.json) as { docs: ParsedDocument[]; diagnostics: Diagnostic[] });
      else reject(new Error(m.error ?? 'parse worker failed'));
    });
    w.once('error', reject);
    w.postMessage(job);
  });
}

/** Splits spans into `parts` contiguous groups of about equal size in bytes. */
export function sliceSpans(spans: readonly DocumentSpan[], parts: number): { from: number; to: number }[] {
  if (spans.length === 0) return [];
  const total = spans[spans.length - 1]!.end - spans[0]!.start;
  const out: { from: number; to: number }[] = [];
  let from = 0;
  for (let p = 1; p <= parts && from < spans.length; p++) {
    const limit = spans[0]!.start + (total * p) / parts;
    let to = from;
    while (to < spans.length && (p === parts || spans[to]!.end <= limit)) to++;
    if (to === from) to = from + 1;
    out.push({ from, to });
    from = to;
  }
  if (from < spans.length) out[out.length - 1] = { from: out[out.length - 1]!.from, to: spans.length };
  return out;
}

async function parseLarge(input: InputText, parts: number): Promise<{ docs: ParsedDocument[]; diagnostics: Diagnostic[]; spans: DocumentSpan[] }> {
  let text = input.text;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const spans = splitDocuments(text);
  const groups = sliceSpans(spans, parts);
  const jobs = groups.slice(1).map((g) => {
    const start = spans[g.from]!.start;
    const end = spans[g.to - 1]!.end;
    const rel = spans.slice(g.from, g.to).map((s) => ({ start: s.start - start, end: s.end - start, startLine: s.startLine }));
    const job: ParseJob = { text: text.slice(start, end), file: input.file, spans: rel, firstDoc: g.from };
    return runWorker(job).catch(() => parseSpans(job.text, job.file, job.spans, job.firstDoc));
  });
  const first = groups[0];
  const mine = first ? parseSpans(text, input.file, spans.slice(first.from, first.to), first.from) : { docs: [], diagnostics: [] };
  const rest = await Promise.all(jobs);
  const docs: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const r of [mine, ...rest]) {
    for (const d of r.docs) docs.push(d);
    for (const d of r.diagnostics) diagnostics.push(d);
  }
  return { docs, diagnostics, spans };
}

/** Like parseInputs, using worker threads for large YAML files. Same result, in the same order. */
export async function parseInputsParallel(inputs: readonly InputText[], cores = availableParallelism(), minBytes = PARALLEL_MIN_BYTES): Promise<ParsedInputs> {
  const parts = Math.min(cores, 4);
  if (parts < 2 || !inputs.some((i) => i.text.length >= minBytes)) return parseInputs(inputs);
  const docs: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, { text: string; spans: DocumentSpan[] }>();
  for (const input of inputs) {
    const big = input.text.length >= minBytes && !input.file.endsWith('.json') && !/^\s*[[{]/.test(input.text.slice(0, 256));
    const parsed = big ? await parseLarge(input, parts) : parseText(input.text, input.file);
    for (const d of parsed.docs) docs.push(d);
    for (const d of parsed.diagnostics) diagnostics.push(d);
    files.set(input.file, { text: input.text.charCodeAt(0) === 0xfeff ? input.text.slice(1) : input.text, spans: parsed.spans });
  }
  return { docs, diagnostics, files };
}
