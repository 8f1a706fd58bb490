/**
 * Parsing a large file on every core. YAML parsing is most of the time spent on
 * a large cluster (88 MB for 100,000 pods), and documents are independent, so a
 * large file is cut at document markers into contiguous parts: worker threads
 * parse all but the first, the main thread parses the first, and the results are
 * put back in order. Small inputs, JSON files and machines with one core take
 * the plain path. Whatever goes wrong in a worker, its part is parsed again here:
 * the answer never depends on whether workers ran.
 *
 * What keeps the main thread short: workers are started before anything else is
 * done, each splits its own part into documents (the main thread splits only
 * what it needs to number the documents of the next part), and the main thread's
 * part is a little larger, because a worker's answer still has to cross back.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../model/diagnostics.js';
import type { ParsedDocument } from '../model/inventory.js';
import { parseInputs, type InputText, type ParsedInputs } from './text.js';
import { parseSpans, parseText, parseTextReusing, splitDocuments, type DocumentSpan, type ParsedDocuments } from './yaml.js';
import { parseJob, type ParseJob, type ParseResult } from './parse-worker.js';

/** Below this many bytes in one file, starting workers costs more than it saves. */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;
/** The main thread's part, relative to a worker's: a worker also turns its result into JSON, and the main thread parses that JSON. */
const MAIN_SHARE = 1.2;

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js', import.meta.url);

/** A started worker: it loads the parser while the main thread prepares its job. */
function startWorker(): { run(job: ParseJob): Promise<ParseResult>; stop(): void } {
  const w = new Worker(workerUrl);
  const result = new Promise<ParseResult>((resolve, reject) => {
    w.once('message', (m: { ok: boolean; json?: string; error?: string }) => {
      void w.terminate();
      if (m.ok && m.json !== undefined) resolve(JSON.parse(m.json) as ParseResult);
      else reject(new Error(m.error ?? 'parse worker failed'));
    });
    w.once('error', reject);
  });
  result.catch(() => undefined);
  return {
    run: (job) => {
      w.postMessage(job);
      return result;
    },
    stop: () => void w.terminate(),
  };
}

const MARKER = /^---(?=[ \t\r\n]|$)/gm;

/**
 * Offsets at which to cut `text` into `parts` parts of the given relative weights:
 * each at a column-0 `---` marker (where documents split anyway), strictly
 * increasing, fewer when the text has too few markers.
 */
export function cutPoints(text: string, weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const cuts: number[] = [];
  let acc = 0;
  for (let i = 0; i < weights.length - 1; i++) {
    acc += weights[i]!;
    MARKER.lastIndex = Math.max(Math.floor((text.length * acc) / total), (cuts[cuts.length - 1] ?? 0) + 1);
    const m = MARKER.exec(text);
    if (!m) break;
    cuts.push(m.index);
  }
  return cuts;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Spans of text[from, to) with offsets into `text` and lines counted from `firstLine` at `from`. */
function spansOf(text: string, from: number, to: number, firstLine: number): DocumentSpan[] {
  return splitDocuments(text.slice(from, to)).map((s) => ({ start: s.start + from, end: s.end + from, startLine: s.startLine + firstLine - 1 }));
}

/** Documents the main thread parses between two looks at its event loop (~25 ms of parsing). */
const YIELD_EVERY = 500;

/**
 * Parses documents 0..n on this thread, letting the event loop run between slices:
 * a server that loads a large input still answers meanwhile (serve hands the page
 * its scripts while it parses, so the page is ready when the model is).
 */
async function parseYielding(text: string, file: string, spans: readonly DocumentSpan[]): Promise<{ docs: ParsedDocument[]; diagnostics: Diagnostic[] }> {
  const docs: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (let i = 0; i < spans.length; i += YIELD_EVERY) {
    const r = parseSpans(text, file, spans.slice(i, i + YIELD_EVERY), i);
    for (const d of r.docs) docs.push(d);
    for (const d of r.diagnostics) diagnostics.push(d);
    if (i + YIELD_EVERY < spans.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { docs, diagnostics };
}

async function parseLarge(input: InputText, parts: number): Promise<{ docs: ParsedDocument[]; diagnostics: Diagnostic[]; spans: DocumentSpan[] }> {
  const workers = Array.from({ length: parts - 1 }, startWorker);
  let text = input.text;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const cuts = cutPoints(text, [MAIN_SHARE, ...workers.map(() => 1)]);
  for (const w of workers.slice(cuts.length)) w.stop();
  if (cuts.length === 0) return parseText(text, input.file);
  const bounds = [0, ...cuts, text.length];
  // Numbering the documents and lines of part k needs the parts before it split. Every part but the
  // last is split here (and a worker is handed its part's spans); the last part splits itself.
  let head: DocumentSpan[] = [];
  const jobs: Promise<ParseResult>[] = [];
  let firstDoc = 0;
  let firstLine = 1;
  for (let k = 0; k < bounds.length - 1; k++) {
    const from = bounds[k]!;
    const to = bounds[k + 1]!;
    const last = k === bounds.length - 2;
    const spans = last ? undefined : spansOf(text, from, to, firstLine);
    if (k === 0) head = spans!;
    else {
      const job: ParseJob = { text: text.slice(from, to), file: input.file, firstDoc, firstLine, ...(spans ? { spans: spans.map((s) => ({ ...s, start: s.start - from, end: s.end - from })) } : {}) };
      jobs.push(workers[k - 1]!.run(job).catch(() => parseJob(job)));
    }
    if (spans) {
      firstDoc += spans.length;
      firstLine += countNewlines(text, from, to);
    }
  }
  const mine = await parseYielding(text, input.file, head);
  const rest = await Promise.all(jobs);
  const docs: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const spans: DocumentSpan[] = [];
  for (const s of head) spans.push(s);
  for (const r of [mine, ...rest]) {
    for (const d of r.docs) docs.push(d);
    for (const d of r.diagnostics) diagnostics.push(d);
  }
  rest.forEach((r, i) => {
    const from = bounds[i + 1]!;
    for (const s of r.spans) spans.push({ start: s.start + from, end: s.end + from, startLine: s.startLine });
  });
  return { docs, diagnostics, spans };
}

/**
 * Like parseInputs, using worker threads for large YAML files. Same result, in the same order.
 * With `known` (documents parsed before, by their text: diff's first version), only the
 * documents not in it are parsed, on this thread, unless they are a large file's worth.
 */
export async function parseInputsParallel(inputs: readonly InputText[], cores = availableParallelism(), minBytes = PARALLEL_MIN_BYTES, known?: ParsedDocuments): Promise<ParsedInputs> {
  const parts = Math.min(cores, 4);
  if (known === undefined && (parts < 2 || !inputs.some((i) => i.text.length >= minBytes))) return parseInputs(inputs);
  const docs: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, { text: string; spans: DocumentSpan[] }>();
  const search = known?.search();
  for (const input of inputs) {
    const big = parts >= 2 && input.text.length >= minBytes && !input.file.endsWith('.json') && !/^\s*[[{]/.test(input.text.slice(0, 256));
    const parsed = (search ? parseTextReusing(input.text, input.file, search, big ? minBytes : Infinity) : undefined) ?? (big ? await parseLarge(input, parts) : parseText(input.text, input.file));
    for (const d of parsed.docs) docs.push(d);
    for (const d of parsed.diagnostics) diagnostics.push(d);
    files.set(input.file, { text: input.text.charCodeAt(0) === 0xfeff ? input.text.slice(1) : input.text, spans: parsed.spans });
  }
  return { docs, diagnostics, files };
}
