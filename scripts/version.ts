/**
 * Writes src/version.ts from package.json, the one place the version is written.
 * Run by `npm run build` and by `npm version` (the `version` lifecycle script);
 * test/meta.test.ts fails when the two disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const text = `/** meshless's version. Generated from package.json by scripts/version.ts (npm run build); do not edit. */\nexport const VERSION = '${version}';\n`;
const file = join(root, 'src/version.ts');
let current = '';
try {
  current = readFileSync(file, 'utf8');
} catch {
  // First run: no file yet.
}
if (current !== text) writeFileSync(file, text);
