/**
 * The git edge of loading: the manifests of a revision, read with git itself.
 *
 * `git rev-parse` names the commit, `git ls-tree` lists the files under the paths,
 * and ONE `git cat-file --batch` process streams every blob. Nothing is checked
 * out: the working tree and the index are never touched, so it is safe to run in
 * a developer's checkout with uncommitted work, and in CI.
 *
 * Like files.ts: only .yaml, .yml and .json files; directories named node_modules
 * or starting with a dot are not entered; files in sorted order. Binary blobs (a
 * NUL byte, e.g. git-crypt) are skipped and counted.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { isAbsolute, posix, relative, sep } from 'node:path';
import type { Diagnostic } from '../model/diagnostics.js';
import { MeshlessError } from '../model/errors.js';
import type { InputText } from './text.js';
import type { ReadResult } from './files.js';

const MANIFEST = /\.(ya?ml|json)$/i;

/** A revision or repository problem: an input error (exit 2), code `git-failed`. */
export class GitError extends MeshlessError {
  constructor(message: string) {
    super('git-failed', message);
  }
}

export interface Revision {
  /** As the user wrote it (`main`, `HEAD~1`, a SHA). */
  readonly name: string;
  readonly sha: string;
}

/** `A..B`, `A...B` (from the merge base of A and B), or `A` alone (against the working tree). */
export interface GitRange {
  readonly base: string;
  /** Undefined: the working tree. */
  readonly head?: string;
  /** `A...B`: compare B with the merge base of A and B (what a pull request adds). */
  readonly mergeBase: boolean;
}

export interface GitRead extends ReadResult {
  readonly revision: Revision;
  /** Files skipped because they hold a NUL byte. */
  readonly binarySkipped: number;
}

export interface GitOptions {
  /** Where git runs (default: the process's working directory). */
  readonly cwd?: string;
}

export function parseGitRange(spec: string): GitRange {
  const three = spec.indexOf('...');
  const two = spec.indexOf('..');
  const side = (s: string): string => (s === '' ? 'HEAD' : s);
  let range: GitRange;
  if (three >= 0) range = { base: side(spec.slice(0, three)), head: side(spec.slice(three + 3)), mergeBase: true };
  else if (two >= 0) range = { base: side(spec.slice(0, two)), head: side(spec.slice(two + 2)), mergeBase: false };
  else range = { base: spec, mergeBase: false };
  for (const r of [range.base, range.head]) {
    if (r === undefined) continue;
    if (r === '' || r.startsWith('-') || r.includes('..') || /[\s\0]/.test(r)) {
      throw new GitError(`cannot read the revision range ${JSON.stringify(spec)}: write BASE..HEAD, BASE...HEAD (from their merge base) or one REV (against the working tree)`);
    }
  }
  return range;
}

interface Run {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function git(args: readonly string[], cwd: string, input?: string): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', [...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_LITERAL_PATHSPECS: '1', LC_ALL: 'C' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new GitError('git is not installed or not on PATH; --git needs it (or compare two directories: meshless diff OLD NEW)') : e);
    });
    child.on('close', (code) => {
      resolvePromise({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8').trim() });
    });
    child.stdin.on('error', () => {
      // git exited before reading all of its input; its exit code tells what went wrong.
    });
    child.stdin.end(input ?? '');
  });
}

function notARepository(r: Run, cwd: string): GitError | undefined {
  return /not a git repository/i.test(r.stderr)
    ? new GitError(`${cwd} is not inside a git repository; run meshless from the repository (or compare two paths: meshless diff OLD NEW)`)
    : undefined;
}

/** The commit a revision names; a clear error when there is none. */
export async function resolveRevision(rev: string, opts: GitOptions = {}): Promise<Revision> {
  const cwd = opts.cwd ?? process.cwd();
  if (rev === '' || rev.startsWith('-')) throw new GitError(`--git needs a revision (a branch, tag or commit), got ${JSON.stringify(rev)}`);
  const r = await git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], cwd);
  if (r.code !== 0) {
    throw notARepository(r, cwd) ?? new GitError(`unknown revision ${JSON.stringify(rev)}: no such commit in this repository; check it with git log --oneline (in CI, fetch the history: actions/checkout with fetch-depth: 0)`);
  }
  return { name: rev, sha: r.stdout.toString('utf8').trim() };
}

/** The merge base of two commits (`A...B`). */
export async function mergeBase(a: Revision, b: Revision, opts: GitOptions = {}): Promise<Revision> {
  const r = await git(['merge-base', a.sha, b.sha], opts.cwd ?? process.cwd());
  if (r.code !== 0) throw new GitError(`${a.name} and ${b.name} have no common ancestor; use ${a.name}..${b.name} to compare them directly`);
  return { name: `merge-base(${a.name}, ${b.name})`, sha: r.stdout.toString('utf8').trim() };
}

interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly sha: string;
  /** From the repository root. */
  readonly path: string;
}

function parseLsTree(out: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const rec of out.toString('utf8').split('\0')) {
    if (rec === '') continue;
    const tab = rec.indexOf('\t');
    const [mode = '', type = '', sha = ''] = rec.slice(0, tab).split(' ');
    entries.push({ mode, type, sha, path: rec.slice(tab + 1) });
  }
  return entries;
}

/** Blobs by SHA through one `git cat-file --batch`. */
async function readBlobs(shas: readonly string[], cwd: string): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  if (shas.length === 0) return blobs;
  const r = await git(['cat-file', '--batch'], cwd, `${shas.join('\n')}\n`);
  if (r.code !== 0) throw new GitError(`git cat-file failed: ${r.stderr}`);
  const buf = r.stdout;
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) break;
    const header = buf.toString('utf8', at, nl).split(' ');
    at = nl + 1;
    if (header[1] === 'missing' || header.length < 3) continue;
    const size = Number(header[2]);
    blobs.set(header[0]!, buf.subarray(at, at + size));
    at += size + 1; // the content, then a newline
  }
  return blobs;
}

function realOrSame(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Is the path (from the spec down) inside a directory that files.ts would not enter? */
function hiddenBelow(rest: string): boolean {
  const dirs = rest.split('/').slice(0, -1);
  return dirs.some((d) => d === 'node_modules' || d.startsWith('.'));
}

/** The manifests under `paths` at a resolved revision. */
export async function readRevision(rev: Revision, paths: readonly string[], opts: GitOptions = {}): Promise<GitRead> {
  const cwd = opts.cwd ?? process.cwd();
  const top = await git(['rev-parse', '--show-toplevel', '--show-prefix'], cwd);
  if (top.code !== 0) throw notARepository(top, cwd) ?? new GitError(`git rev-parse --show-toplevel failed: ${top.stderr}`);
  const [root = '', prefix = ''] = top.stdout.toString('utf8').split('\n');
  const specs = (paths.length === 0 ? ['.'] : paths).map((p) => {
    // Relative paths go through git's own prefix (no symlink surprises); absolute ones through the real path.
    const rel = isAbsolute(p) ? relative(realOrSame(root), realOrSame(p)).split(sep).join('/') : posix.normalize(`${prefix}${p.split(sep).join('/')}`).replace(/\/$/, '');
    const spec = rel === '.' ? '' : rel;
    if (spec === '..' || spec.startsWith('../') || isAbsolute(spec)) throw new GitError(`${p} is outside the git repository at ${root}`);
    return { given: p, spec, found: 0 };
  });
  const ls = await git(['ls-tree', '-r', '-z', '--full-tree', rev.sha, '--', ...specs.map((s) => (s.spec === '' ? '.' : s.spec))], root);
  if (ls.code !== 0) throw new GitError(`git ls-tree ${rev.name} failed: ${ls.stderr}`);
  const diagnostics: Diagnostic[] = [];
  const wanted: TreeEntry[] = [];
  const skipped: string[] = [];
  const symlinks: string[] = [];
  for (const e of parseLsTree(ls.stdout).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const owner = specs.find((s) => s.spec === '' || e.path === s.spec || e.path.startsWith(`${s.spec}/`));
    if (!owner) continue;
    const rest = owner.spec === '' ? e.path : e.path === owner.spec ? e.path.slice(e.path.lastIndexOf('/') + 1) : e.path.slice(owner.spec.length + 1);
    if (hiddenBelow(rest) || e.type !== 'blob') continue;
    if (!MANIFEST.test(e.path)) {
      skipped.push(e.path);
      continue;
    }
    if (e.mode === '120000') {
      symlinks.push(e.path);
      continue;
    }
    owner.found++;
    wanted.push(e);
  }
  const blobs = await readBlobs([...new Set(wanted.map((e) => e.sha))], root);
  const inputs: InputText[] = [];
  const binary: string[] = [];
  for (const e of wanted) {
    const blob = blobs.get(e.sha);
    if (!blob) throw new GitError(`git cat-file did not return ${e.path} at ${rev.name} (${e.sha})`);
    if (blob.includes(0)) {
      binary.push(e.path);
      continue;
    }
    inputs.push({ file: `${rev.name}:${e.path}`, text: blob.toString('utf8') });
  }
  for (const s of specs) {
    if (s.found === 0) {
      diagnostics.push({ severity: 'warning', code: 'no-manifests', message: `${s.given} has no .yaml, .yml or .json files at ${rev.name}`, hint: 'point at the folder that holds the manifests; a folder added or deleted by the change is empty on one side' });
    }
  }
  if (binary.length > 0) {
    diagnostics.push({ severity: 'warning', code: 'git-binary-skipped', message: `${binary.length} binary file(s) at ${rev.name} were skipped (e.g. ${binary.slice(0, 3).join(', ')})`, hint: 'encrypted (git-crypt) or not text: decrypt them, or keep them out of the path' });
  }
  if (symlinks.length > 0) {
    diagnostics.push({ severity: 'info', code: 'git-symlink-skipped', message: `${symlinks.length} symbolic link(s) at ${rev.name} were not followed (e.g. ${symlinks.slice(0, 3).join(', ')})` });
  }
  if (skipped.length > 0) {
    diagnostics.push({ severity: 'info', code: 'files-skipped', message: `${skipped.length} file(s) at ${rev.name} are not .yaml/.yml/.json and were not read (e.g. ${skipped.slice(0, 3).join(', ')})` });
  }
  return { inputs, diagnostics, revision: rev, binarySkipped: binary.length };
}

/**
 * Drops texts that hold a NUL byte (binary, e.g. a git-crypt file in a locked
 * checkout) with one warning, so that a working tree is read like a revision.
 */
export function skipBinaryInputs(read: ReadResult, where: string): ReadResult {
  const binary = read.inputs.filter((i) => i.text.includes('\0'));
  if (binary.length === 0) return read;
  return {
    inputs: read.inputs.filter((i) => !i.text.includes('\0')),
    diagnostics: [
      ...read.diagnostics,
      { severity: 'warning', code: 'git-binary-skipped', message: `${binary.length} binary file(s) in ${where} were skipped (e.g. ${binary.slice(0, 3).map((i) => i.file).join(', ')})`, hint: 'encrypted (git-crypt) or not text: decrypt them, or keep them out of the path' },
    ],
  };
}

/** The manifests under `paths` (default: the working directory) at revision `rev`: for `reach --git REV` and the like. */
export async function loadGitRevision(rev: string, paths: readonly string[], opts: GitOptions = {}): Promise<GitRead> {
  return readRevision(await resolveRevision(rev, opts), paths, opts);
}
