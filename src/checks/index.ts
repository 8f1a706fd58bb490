/**
 * The registry: every check meshless runs, in one explicit list. The docs pages,
 * `meshless checks` and the SARIF rules are generated from it.
 */
import type { Check } from './types.js';
import { edgeChecks } from './registry-edge.js';
import { encryptionChecks } from './registry-encryption.js';
import { segregationChecks } from './registry-segregation.js';

export const ALL_CHECKS: readonly Check[] = [...edgeChecks, ...encryptionChecks, ...segregationChecks];

export function checkById(id: string): Check | undefined {
  return ALL_CHECKS.find((c) => c.id === id);
}
