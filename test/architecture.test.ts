/**
 * The shape of src/ (docs/adr/0004-rooms-and-layers.md): no import cycles, static
 * or dynamic (`await import(...)`), among the modules that ship. ESLint's
 * no-restricted-imports keeps each room to the rooms it may import; this test
 * walks the whole graph, which a per-file lint rule cannot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'ui' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports of a module, type-only ones left out (they vanish at run time and cannot form a cycle there). */
export function importsOf(file: string, text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    if (m[2] !== undefined) continue;
    const spec = m[3] ?? m[4];
    if (spec !== undefined) specs.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return specs;
}

/** Strongly connected components of more than one module (or a module importing itself): the cycles. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const graph = new Map(sources(src).map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));

test('the import graph of src/ has no cycles', () => {
  assert.ok(graph.size > 50, `read ${graph.size} modules`);
  const found = cycles(graph).map((c) => c.map((f) => relative(src, f)).sort().join(' → '));
  assert.deepEqual(found, [], `import cycles:\n${found.join('\n')}`);
});

test('the cycle finder finds a cycle, and a type-only import is none', () => {
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])).map((c) => c.sort()), [['a', 'b', 'c']]);
  assert.deepEqual(importsOf('/x/a.ts', "import type { B } from './b.js';\nimport { C } from './c.js';\nconst d = await import('./d.js');\n"), ['/x/c.ts', '/x/d.ts']);
});

test('every import names a module that exists', () => {
  for (const [file, deps] of graph) {
    for (const d of deps) assert.ok(graph.has(d) || d.endsWith('.json'), `${relative(src, file)} imports ${relative(src, d)}, which is not a module of src/`);
  }
});
