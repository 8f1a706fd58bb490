/**
 * Where an object or a field came from. Every finding and every explanation
 * points back at a file and line through one of these.
 */
export interface SourceRef {
  /** File path as the user gave it, `-` for standard input, `cluster` for a live cluster. */
  readonly file: string;
  /** Zero-based index of the YAML document in the file (for List items: of the List). */
  readonly doc: number;
  /** One-based line where the object starts. */
  readonly line: number;
  /** For items of a `kind: List`, the JSON path of the item inside the document (e.g. `items[3]`). */
  readonly itemPath?: string;
}

/** A location inside an object: the object's source plus a field path like `spec.ingress[0].from[1]`. */
export interface FieldRef {
  readonly source: SourceRef;
  readonly path: string;
}

/** Formats `file:line`, the form editors and terminals make clickable. */
export function formatSource(ref: SourceRef | undefined, line?: number): string {
  if (!ref) return '(unknown source)';
  return `${ref.file}:${line ?? ref.line}`;
}

/**
 * Resolves a field path inside an object to a line. Provided by the loader,
 * which still has the text; the pure core only calls it.
 */
export type Locator = (source: SourceRef, path: string) => number | undefined;

export const noLocator: Locator = () => undefined;
