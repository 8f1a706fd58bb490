/**
 * The registry: every check meshless runs, in one explicit list. The docs pages,
 * `meshless checks` and the SARIF rules are generated from it, and `CheckId` — the
 * only ids a config, an annotation or the guard may name — is derived from it.
 */
import type { Check } from './types.js';
import { edgeChecks } from './registry-edge.js';
import { encryptionChecks } from './registry-encryption.js';
import { segregationChecks } from './registry-segregation.js';
import { nearest } from '../model/suggest.js';

export const ALL_CHECKS = [...edgeChecks, ...encryptionChecks, ...segregationChecks] as const satisfies readonly Check[];

/** A check's id: a literal union, so that a typo in code is a type error. */
export type CheckId = (typeof ALL_CHECKS)[number]['id'];

export const CHECK_IDS: readonly CheckId[] = ALL_CHECKS.map((c) => c.id);

export function isCheckId(id: string): id is CheckId {
  return (CHECK_IDS as readonly string[]).includes(id);
}

export function checkById(id: string): Check | undefined {
  return ALL_CHECKS.find((c) => c.id === id);
}

/**
 * Why `id` is not a check id, with the nearest one ("did you mean …?"), or undefined
 * when it is one. Text (config, annotations) is checked with this; code uses CheckId.
 */
export function unknownCheckProblem(id: string): string | undefined {
  if (isCheckId(id)) return undefined;
  const near = nearest(id, CHECK_IDS);
  return `unknown check "${id}"${near ? `; did you mean ${near}?` : ''} (meshless checks lists them)`;
}
