/**
 * Types of the load that the browser also reads (through src/server/api.ts):
 * no imports, so that src/ui can compile them without Node's types.
 */

/** Where a load is, as it goes from one phase to the next. */
export type LoadProgress =
  | { readonly phase: 'parsing'; readonly files: number; readonly bytes: number }
  | { readonly phase: 'analysing'; readonly documents: number };

/** An input file's size and SHA-256: what an auditor needs to trust a report. */
export interface InputDigest {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}
