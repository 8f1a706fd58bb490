/** Writes docs/checks/ from the registry: `npm run docs`. A test fails when the pages are stale. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CHECKS } from '../src/checks/index.js';
import { checkPage, checksIndex } from '../src/report/checks-doc.js';

const dir = join(import.meta.dirname, '..', 'docs', 'checks');
mkdirSync(dir, { recursive: true });
const wanted = new Set([...ALL_CHECKS.map((c) => `${c.id}.md`), 'README.md']);
for (const f of readdirSync(dir)) if (!wanted.has(f)) rmSync(join(dir, f));
for (const c of ALL_CHECKS) writeFileSync(join(dir, `${c.id}.md`), checkPage(c));
writeFileSync(join(dir, 'README.md'), checksIndex(ALL_CHECKS));
console.log(`wrote ${ALL_CHECKS.length} check pages to docs/checks/`);
