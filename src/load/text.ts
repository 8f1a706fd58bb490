/**
 * From texts to an Inventory: parse every text, keep the texts for line look-ups,
 * and build the Inventory. No file system here: files.ts reads, this parses.
 */
import { buildInventory, type Inventory, type InventoryMemo, type ParsedDocument } from '../model/inventory.js';
import type { Diagnostic } from '../model/diagnostics.js';
import { parseText, type DocumentSpan } from './yaml.js';
import { textLocator } from './positions.js';

export interface InputText {
  /** The name shown in messages: the path as given, or `-` for standard input. */
  readonly file: string;
  readonly text: string;
}

export interface LoadOptions {
  readonly defaultNamespace?: string;
  /** Diagnostics from reading (missing files...), carried into the Inventory. */
  readonly diagnostics?: readonly Diagnostic[];
  /** What an earlier build derived from the documents this input shares with it (diff's second version). */
  readonly memo?: InventoryMemo;
}

export interface ParsedInputs {
  readonly docs: ParsedDocument[];
  readonly diagnostics: Diagnostic[];
  readonly files: Map<string, { text: string; spans: DocumentSpan[] }>;
}

export function parseInputs(inputs: readonly InputText[]): ParsedInputs {
  const docs: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, { text: string; spans: DocumentSpan[] }>();
  for (const input of inputs) {
    const parsed = parseText(input.text, input.file);
    // docs.push(...parsed.docs) overflows the stack for very large files.
    for (const d of parsed.docs) docs.push(d);
    for (const d of parsed.diagnostics) diagnostics.push(d);
    // Spans count from after a byte-order mark, as the parser saw the text.
    files.set(input.file, { text: input.text.charCodeAt(0) === 0xfeff ? input.text.slice(1) : input.text, spans: parsed.spans });
  }
  return { docs, diagnostics, files };
}

export function inventoryFromParsed(parsed: ParsedInputs, options: LoadOptions = {}): Inventory {
  return buildInventory(parsed.docs, {
    ...(options.defaultNamespace !== undefined ? { defaultNamespace: options.defaultNamespace } : {}),
    locate: textLocator(parsed.files),
    diagnostics: [...(options.diagnostics ?? []), ...parsed.diagnostics],
    ...(options.memo ? { memo: options.memo } : {}),
  });
}

export function inventoryFromTexts(inputs: readonly InputText[], options: LoadOptions = {}): Inventory {
  return inventoryFromParsed(parseInputs(inputs), options);
}

/** One text (a file's content, or a test's YAML) to an Inventory. */
export function inventoryFromText(text: string, file = 'input.yaml', options: LoadOptions = {}): Inventory {
  return inventoryFromTexts([{ file, text }], options);
}
