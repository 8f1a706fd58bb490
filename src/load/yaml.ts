/**
 * YAML and JSON text → documents, each with its file, index and line.
 *
 * Speed matters (a large cluster is ~100 MB of YAML), so documents are parsed
 * with js-yaml, the fastest mainstream JavaScript YAML parser. The text is split
 * into documents first, on `---`/`...` markers at column 0 (YAML forbids those in
 * content there), so that a syntax error costs one document, not the file, and
 * every document knows its first line. Field lines are looked up later, on demand
 * (see positions.ts).
 */
import yaml from 'js-yaml';
import type { Diagnostic } from '../model/diagnostics.js';
import type { ParsedDocument } from '../model/inventory.js';
import { jsonErrorOffset } from './json-position.js';

/** Core schema (no timestamps turned into Dates) plus merge keys, which Kubernetes' YAML reader accepts. */
// `types` is exported by js-yaml 4 but missing from its type definitions.
const mergeType = (yaml as unknown as { types: { merge: yaml.Type } }).types.merge;
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [mergeType] });

/** Deeper than this is not a Kubernetes object; refuse rather than recurse. */
export const MAX_DEPTH = 100;
/** Aliases may expand a small text into a huge tree ("billion laughs"); refuse past this many nodes. */
export const MAX_EXPANDED_NODES = 1_000_000;

export interface DocumentSpan {
  /** Offset of the document's first character in the file text. */
  readonly start: number;
  readonly end: number;
  /** One-based line of `start`. */
  readonly startLine: number;
}

export interface ParsedText {
  readonly docs: ParsedDocument[];
  readonly spans: DocumentSpan[];
  readonly diagnostics: Diagnostic[];
}

const MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;

/** Splits a YAML stream into document spans at column-0 `---` and `...` markers. */
export function splitDocuments(text: string): DocumentSpan[] {
  const spans: DocumentSpan[] = [];
  let start = 0;
  let line = 1;
  let scanned = 0;
  const countLines = (from: number, to: number): number => {
    let n = 0;
    for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
    return n;
  };
  MARKER.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = MARKER.exec(text)) !== null) {
    const at = m.index;
    line += countLines(scanned, at);
    scanned = at;
    if (at > start) spans.push({ start, end: at, startLine: lineAt(start) });
    if (m[0] === '...') {
      // `...` ends a document; what follows its line starts the next one.
      const nl = text.indexOf('\n', at);
      start = nl < 0 ? text.length : nl + 1;
    } else {
      start = at;
    }
  }
  if (start < text.length) spans.push({ start, end: text.length, startLine: lineAt(start) });
  return spans;

  function lineAt(offset: number): number {
    // `line` is the line of `scanned`; offsets asked for are at or after the previous marker.
    if (offset >= scanned) return line + countLines(scanned, offset);
    return line - countLines(offset, scanned);
  }
}

/** The first line of a document that holds content (not a marker, comment or blank). */
function contentLine(text: string, span: DocumentSpan): number {
  let line = span.startLine;
  let i = span.start;
  while (i < span.end) {
    const nl = text.indexOf('\n', i);
    const lineEnd = nl < 0 || nl > span.end ? span.end : nl;
    const s = text.slice(i, lineEnd).trim();
    if (s !== '' && !s.startsWith('#') && s !== '---' && !s.startsWith('%')) {
      return s.startsWith('--- ') && s.slice(4).trim().startsWith('#') ? line + 1 : line;
    }
    line++;
    i = lineEnd + 1;
  }
  return span.startLine;
}

/**
 * Walks a parsed value without recursion, failing past the depth limit and, with
 * `countValues` (a YAML document that uses anchors, so aliases may expand it), past
 * the value limit. Text without aliases is bounded by its size: a 10,000-pod
 * `kubectl get -o json` List holds millions of values and is read whole.
 */
export function checkShape(value: unknown, countValues = true): 'too-deep' | 'too-large' | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (countValues && ++nodes > MAX_EXPANDED_NODES) return 'too-large';
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_DEPTH) return 'too-deep';
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) if (typeof c === 'object' && c !== null) stack.push([c, depth + 1]);
  }
  return undefined;
}

function errorDiagnostic(file: string, doc: number, line: number, column: number | undefined, reason: string, hint: string): Diagnostic {
  return {
    severity: 'error',
    code: 'yaml-syntax',
    message: `${reason}; document ${doc + 1} is skipped, the rest of the file is still read`,
    hint,
    source: { file, doc, line },
    line,
    ...(column !== undefined ? { column } : {}),
  };
}

export const isJsonText = (file: string, text: string): boolean => file.endsWith('.json') || /^\s*[[{]/.test(text.slice(0, 256)) && !/^\s*\{\{/.test(text.slice(0, 256));

function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

/**
 * Documents already parsed (a first version of the same manifests, for diff), found
 * again by their exact text: a document whose text is the same gets the same value,
 * since parsing depends on nothing but the text. Values are shared, never copied:
 * nothing in meshless writes to a parsed value (buildInventory copies what it fills in).
 *
 * A second version is mostly the first one's documents in the same order, so each of
 * its documents (asked for in input order, `find`) is compared with the first
 * version's document after the last one found, a few after that, and the one at the
 * same distance as the last match (past a block of changed documents): an exact
 * comparison of two texts, with no hashing of the whole input. When two documents in a
 * row are not found there, the search may have lost its place (a long block removed,
 * documents moved): they are looked up by a short signature of their text (length and
 * a few characters), then compared exactly. A document not found is parsed.
 */
export class ParsedDocuments {
  /** The first version's YAML documents in input order: the text each sits in, its span, its value. */
  private readonly texts: string[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly parsed: unknown[] = [];

  get size(): number {
    return this.parsed.length;
  }

  /** The value of document `j`. */
  value(j: number): unknown {
    return this.parsed[j];
  }

  /** Is document `j`'s text exactly `doc`, of length `len`? Lengths first: most candidates differ there. */
  hasText(j: number, len: number, doc: () => string): boolean {
    if (j < 0 || j >= this.parsed.length || this.ends[j]! - this.starts[j]! !== len) return false;
    return this.texts[j]!.slice(this.starts[j], this.ends[j]) === doc();
  }

  values(): IterableIterator<unknown> {
    return this.parsed.values();
  }

  add(text: string, span: DocumentSpan, value: unknown): void {
    this.texts.push(text);
    this.starts.push(span.start);
    this.ends.push(span.end);
    this.parsed.push(value);
  }

  /** Indexes of the documents by `signature`, made the first time a document is not found where it should be. */
  private bySignature: Map<string, number[]> | undefined;

  withSignature(sig: string): readonly number[] {
    if (!this.bySignature) {
      const m = new Map<string, number[]>();
      for (let j = 0; j < this.parsed.length; j++) {
        const key = signature(this.texts[j]!, this.starts[j]!, this.ends[j]!);
        const l = m.get(key);
        if (l) l.push(j);
        else m.set(key, [j]);
      }
      this.bySignature = m;
    }
    return this.bySignature.get(sig) ?? [];
  }

  /** A search through them, for one version's documents asked for in input order. */
  search(): DocumentSearch {
    return new DocumentSearch(this);
  }
}

/** One pass over a version's documents, in input order, looking each up in the documents parsed before. */
export class DocumentSearch {
  /** The first version's document after the last one found. */
  private cursor = 0;
  /** Documents asked for so far, and (first version's index) − (this index) at the last match. */
  private asked = 0;
  private delta = 0;
  /** Documents not found since the last one found. */
  private misses = 0;

  constructor(private readonly known: ParsedDocuments) {}

  /** Where the search stands, to go back to (see parseTextReusing). */
  mark(): readonly [number, number, number, number] {
    return [this.cursor, this.asked, this.delta, this.misses];
  }

  /** Back to a mark, with `skipped` documents of this version counted as asked. */
  reset(at: readonly [number, number, number, number], skipped: number): void {
    [this.cursor, this.asked, this.delta, this.misses] = at;
    this.asked += skipped;
  }

  /** The value of the first version's document whose text is exactly `text[start, end)`, when one is found near where it should be. */
  find(text: string, start: number, end: number): unknown {
    const k = this.known;
    const i = this.asked++;
    const len = end - start;
    let sliced: string | undefined;
    const doc = (): string => (sliced ??= text.slice(start, end));
    const at = (j: number): boolean => {
      if (!k.hasText(j, len, doc)) return false;
      this.cursor = j + 1;
      this.delta = j - i;
      this.misses = 0;
      return true;
    };
    for (let j = this.cursor; j < this.cursor + LOOK_AHEAD; j++) if (at(j)) return k.value(j);
    const guess = i + this.delta;
    if ((guess < this.cursor || guess >= this.cursor + LOOK_AHEAD) && at(guess)) return k.value(guess);
    // A changed document is mostly alone. Two in a row not found may mean the search lost its place (a long block
    // of removed documents, documents moved): look the text up by a short signature, then compare it exactly.
    if (++this.misses >= 2) for (const j of k.withSignature(signature(text, start, end))) if (at(j)) return k.value(j);
    return undefined;
  }
}

/** A document's length and a few of its characters (from its middle and its end): candidates to compare exactly. */
function signature(text: string, start: number, end: number): string {
  const mid = (start + end) >> 1;
  return `${end - start}:${text.slice(Math.max(start, mid - 16), mid + 16)}${text.slice(Math.max(start, end - 32), end)}`;
}

/** How many of the first version's documents after the last one found a document is compared with (documents added or removed there). */
const LOOK_AHEAD = 8;

/**
 * The documents of parsed YAML texts, in input order, for parseTextReusing (diff's
 * first version, searched by the second). `files` are
 * the texts as parsed (byte-order mark removed) with their spans; `docs` the documents
 * parsed from them. JSON texts are left out: they are parsed as JSON, not YAML.
 */
export function parsedDocuments(files: ReadonlyMap<string, { text: string; spans: readonly DocumentSpan[] }>, docs: readonly ParsedDocument[], into = new ParsedDocuments()): ParsedDocuments {
  for (const d of docs) {
    const f = files.get(d.source.file);
    const span = f?.spans[d.source.doc];
    if (!f || !span || isJsonText(d.source.file, f.text)) continue;
    into.add(f.text, span, d.value);
  }
  return into;
}

/**
 * parseText for a YAML text whose documents may be known already: each document found
 * by the search (`ParsedDocuments.search`, one per version) takes that value, the others
 * are parsed. The same result as parseText
 * (documents, numbering, lines, diagnostics). Undefined, without parsing anything,
 * for a JSON text, or when the documents to parse add up to `maxParse` characters or
 * more (the caller parses those in parallel). Texts are asked for in input order.
 */
export function parseTextReusing(text: string, file: string, known: DocumentSearch, maxParse = Infinity): ParsedText | undefined {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (isJsonText(file, text)) return undefined;
  const spans = splitDocuments(text);
  const mark = known.mark();
  const values: unknown[] = new Array(spans.length);
  let toParse = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const v = known.find(text, span.start, span.end);
    if (v === undefined) {
      toParse += span.end - span.start;
      if (toParse >= maxParse) {
        known.reset(mark, spans.length);
        return undefined;
      }
    } else values[i] = v;
  }
  const docs: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const v = values[i];
    if (v !== undefined) {
      docs.push({ value: v, source: { file, doc: i, line: contentLine(text, span) } });
      continue;
    }
    const r = parseSpans(text, file, [span], i);
    for (const d of r.docs) docs.push(d);
    for (const d of r.diagnostics) diagnostics.push(d);
  }
  return { docs, spans, diagnostics };
}

/** Parses one file's text into documents. Never throws: problems come back as diagnostics. */
export function parseText(text: string, file: string): ParsedText {
  const diagnostics: Diagnostic[] = [];
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (isJsonText(file, text)) {
    try {
      const value: unknown = JSON.parse(text);
      // JSON has no aliases: only the depth is checked.
      const shape = checkShape(value, false);
      if (shape) {
        diagnostics.push(errorDiagnostic(file, 0, 1, undefined, shape === 'too-deep' ? `nesting deeper than ${MAX_DEPTH} levels` : `more than ${MAX_EXPANDED_NODES} values`, 'this is not a Kubernetes object; check the file'));
        return { docs: [], spans: [], diagnostics };
      }
      const span = { start: 0, end: text.length, startLine: 1 };
      return { docs: [{ value, source: { file, doc: 0, line: contentLine(text, span) } }], spans: [span], diagnostics };
    } catch {
      // Not valid JSON. It may still be YAML (JSON-looking YAML with comments, say);
      // when it is not, the YAML parser gives the better error position.
      if (file.endsWith('.json')) {
        const at = jsonErrorOffset(text);
        const { line, column } = lineColumnOf(text, at.offset);
        const found = at.offset < text.length ? JSON.stringify(text[at.offset]) : 'the end of the file';
        diagnostics.push(errorDiagnostic(file, 0, line, column, `invalid JSON: expected ${at.expected}, found ${found}`, 'fix the JSON syntax at that position'));
        return { docs: [], spans: [], diagnostics };
      }
    }
  }
  const spans = splitDocuments(text);
  const parsed = parseSpans(text, file, spans);
  for (const d of parsed.diagnostics) diagnostics.push(d);
  return { docs: parsed.docs, spans, diagnostics };
}

/**
 * Parses the given document spans of a text (spans[i] is document `firstDoc + i`).
 * Used for a whole file, and by parse workers for a slice of a large one.
 */
export function parseSpans(text: string, file: string, spans: readonly DocumentSpan[], firstDoc = 0): { docs: ParsedDocument[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const docs: ParsedDocument[] = [];
  spans.forEach((span, i) => {
    const doc = firstDoc + i;
    const chunk = text.slice(span.start, span.end);
    let value: unknown;
    try {
      value = yaml.load(chunk, { schema: SCHEMA, filename: file });
    } catch (e) {
      if (e instanceof yaml.YAMLException) {
        const mark = (e as unknown as { mark?: { line: number; column: number } }).mark;
        const line = span.startLine + (mark?.line ?? 0);
        diagnostics.push(errorDiagnostic(file, doc, line, mark ? mark.column + 1 : undefined, e.reason, 'fix the YAML syntax at that line (indentation, a missing colon or quote, a tab, a duplicated key)'));
      } else if (e instanceof RangeError) {
        diagnostics.push(errorDiagnostic(file, doc, span.startLine, undefined, 'nesting too deep to parse', `Kubernetes objects nest far less than ${MAX_DEPTH} levels; check the document`));
      } else {
        diagnostics.push(errorDiagnostic(file, doc, span.startLine, undefined, `cannot parse: ${e instanceof Error ? e.message : String(e)}`, 'check the document'));
      }
      return;
    }
    if (value === undefined || value === null) return; // an empty document
    // Only documents that use anchors can expand; others are bounded by their text.
    if (chunk.includes('&') || chunk.length > 1_000_000) {
      const shape = checkShape(value, chunk.includes('&'));
      if (shape) {
        diagnostics.push(errorDiagnostic(file, doc, span.startLine, undefined,
          shape === 'too-deep' ? `nesting deeper than ${MAX_DEPTH} levels` : `the document expands to more than ${MAX_EXPANDED_NODES.toLocaleString('en')} values through aliases (a "billion laughs" document)`,
          shape === 'too-deep' ? 'Kubernetes objects nest far less; check the document' : 'refused: remove the alias chain; Kubernetes manifests do not need it'));
        return;
      }
    }
    docs.push({ value, source: { file, doc, line: contentLine(text, span) } });
  });
  return { docs, diagnostics };
}
