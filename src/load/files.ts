/**
 * The file-system edge of loading: paths → texts. Directories are read
 * recursively for .yaml, .yml and .json files, in sorted order so that results
 * never depend on the order the file system lists them in; `-` reads stdin.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../model/diagnostics.js';
import type { InputText } from './text.js';

const MANIFEST = /\.(ya?ml|json)$/i;
/** Helm chart metadata and values, in a chart's folder: templates, not manifests. */
const NOT_MANIFESTS = /^(Chart\.ya?ml|values(\.[^/]*)?\.ya?ml|values\.schema\.json)$/;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function walk(dir: string, out: string[], skipped: { n: number; examples: string[]; charts: string[] }): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      await walk(p, out, skipped);
    } else if (MANIFEST.test(e.name) && NOT_MANIFESTS.test(e.name)) {
      skipped.charts.push(p);
    } else if (MANIFEST.test(e.name)) out.push(p);
    else {
      skipped.n++;
      if (skipped.examples.length < 3) skipped.examples.push(p);
    }
  }
}

export interface ReadResult {
  readonly inputs: InputText[];
  readonly diagnostics: Diagnostic[];
}

/** Reads every path. A path that cannot be read is an error diagnostic; the others are still read. */
export async function readInputs(paths: readonly string[]): Promise<ReadResult> {
  const inputs: InputText[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    if (path === '-') {
      inputs.push({ file: '-', text: await readStdin() });
      continue;
    }
    try {
      const st = await stat(path);
      if (st.isDirectory()) {
        const files: string[] = [];
        const skipped = { n: 0, examples: [] as string[], charts: [] as string[] };
        await walk(path, files, skipped);
        if (files.length === 0) {
          diagnostics.push({ severity: 'warning', code: 'no-manifests', message: `directory ${path} has no .yaml, .yml or .json files`, hint: 'point at the folder that holds the manifests, or pipe rendered output with -' });
        }
        if (skipped.charts.length > 0) {
          diagnostics.push({
            severity: 'warning',
            code: 'helm-chart-files',
            message: `${skipped.charts.length} Helm chart file(s) in ${path} (e.g. ${skipped.charts.slice(0, 2).join(', ')}) were not read: a chart's templates are not manifests`,
            hint: 'render the chart and pipe it in: helm template RELEASE CHART | meshless audit -',
          });
        }
        if (skipped.n > 0) {
          diagnostics.push({ severity: 'info', code: 'files-skipped', message: `${skipped.n} file(s) in ${path} are not .yaml/.yml/.json and were not read (e.g. ${skipped.examples.join(', ')})` });
        }
        for (const f of files) inputs.push({ file: f, text: await readFile(f, 'utf8') });
      } else {
        inputs.push({ file: path, text: await readFile(path, 'utf8') });
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      diagnostics.push({
        severity: 'error',
        code: 'input-unreadable',
        message: code === 'ENOENT' ? `${path}: no such file or directory` : `${path}: cannot be read (${code ?? String(e)})`,
        hint: 'check the path; use - to read from standard input',
      });
    }
  }
  return { inputs, diagnostics };
}
