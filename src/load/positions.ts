/**
 * Field path → line, on demand. js-yaml (used for speed) keeps no positions, so
 * when a finding or an explanation needs the line of `spec.ingress[1].from[0]`,
 * that one document is parsed again with the `yaml` package, which keeps source
 * ranges. Only the few documents that are pointed at pay for it.
 *
 * The `yaml` package is loaded on the first look-up (synchronously, through
 * require), not when a command starts: most runs never need a line, and those
 * that do need it after loading, not before (~30 ms off every start).
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Locator, SourceRef } from '../model/source.js';
import type { DocumentSpan } from './yaml.js';

type YamlLib = typeof Yaml;
type YamlNode = Yaml.Node;
let yamlLib: YamlLib | undefined;
const lib = (): YamlLib => (yamlLib ??= createRequire(import.meta.url)('yaml') as YamlLib);

interface FileText {
  readonly text: string;
  readonly spans: readonly DocumentSpan[];
}

/** Splits `spec.ingress[0].from[1].podSelector.matchLabels.app.kubernetes.io/name` into segments. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    if (part === '') continue;
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

function lineOf(text: string, from: number, offset: number, startLine: number): number {
  let line = startLine;
  for (let i = text.indexOf('\n', from); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Follows segments through a YAML node; map keys may contain dots, so the longest existing key wins. */
function walk(node: YamlNode | null | undefined, segs: readonly (string | number)[]): YamlNode | undefined {
  let cur: YamlNode | null | undefined = node;
  let i = 0;
  let last: YamlNode | undefined = cur ?? undefined;
  while (cur && i < segs.length) {
    const seg = segs[i]!;
    if (typeof seg === 'number') {
      if (!lib().isSeq(cur)) break;
      const next = cur.items[seg] as YamlNode | undefined;
      if (!next) break;
      cur = next;
      i++;
    } else {
      if (!lib().isMap(cur)) break;
      let found = false;
      for (let j = segs.length; j > i; j--) {
        const slice = segs.slice(i, j);
        if (slice.some((s) => typeof s === 'number')) continue;
        const key = slice.join('.');
        const pair = cur.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        if (pair) {
          const v = pair.value as YamlNode | null;
          cur = v ?? (pair.key as YamlNode);
          i = j;
          found = true;
          break;
        }
      }
      if (!found) break;
    }
    last = cur;
  }
  return last;
}

/** A Locator over the texts the loader read. Keeps a small cache of re-parsed documents. */
export function textLocator(files: ReadonlyMap<string, FileText>): Locator {
  const cache = new Map<string, ReturnType<YamlLib['parseDocument']>>();
  return (source: SourceRef, path: string): number | undefined => {
    const f = files.get(source.file);
    const span = f?.spans[source.doc];
    if (!f || !span) return undefined;
    const key = `${source.file}#${source.doc}`;
    let doc = cache.get(key);
    if (!doc) {
      doc = lib().parseDocument(f.text.slice(span.start, span.end), { keepSourceTokens: false, uniqueKeys: false, merge: true });
      if (cache.size > 256) cache.delete(cache.keys().next().value!);
      cache.set(key, doc);
    }
    const full = source.itemPath ? `${source.itemPath}.${path}` : path;
    const node = walk(doc.contents, pathSegments(full));
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    return lineOf(f.text, span.start, span.start + offset, span.startLine);
  };
}
