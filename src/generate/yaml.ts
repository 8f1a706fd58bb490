/**
 * Objects to YAML text: one document per object, an optional comment above
 * each, and the file's header. Deterministic: the same objects always give
 * the same bytes (keys in construction order, no timestamps).
 */
import { stringify } from 'yaml';
import type { Obj } from './platform.js';

/** One object of a generated file, with the comment that explains why it is there. */
export interface Doc {
  readonly object: Obj;
  readonly comment?: string;
}

/** A generated file before rendering: its path in the output directory and its objects. */
export interface FilePlan {
  readonly path: string;
  /** What this file holds, for the header. */
  readonly title: string;
  readonly docs: readonly Doc[];
  /** Extra header lines (notes that apply to the whole file). */
  readonly notes?: readonly string[];
}

function commentLines(text: string): string[] {
  return text.split('\n').map((l) => (l === '' ? '#' : `# ${l}`));
}

export function renderDoc(d: Doc): string {
  const body = stringify(d.object, { lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false });
  return d.comment ? `${commentLines(d.comment).join('\n')}\n${body}` : body;
}

/** Header lines, then the documents separated by `---`. */
export function renderFile(header: readonly string[], docs: readonly Doc[]): string {
  const head = header.flatMap(commentLines).join('\n');
  if (docs.length === 0) return `${head}\n`;
  return `${head}\n${docs.map(renderDoc).join('---\n')}`;
}
