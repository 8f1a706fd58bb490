/**
 * `meshless diff --git` against a REAL git repository made in a temporary directory:
 * commits, a rename, a deletion, a binary file, a branch for `A...B`, uncommitted
 * work, a revision that does not exist. git itself runs behind a logging shim, so
 * the test can see that blobs come through one `git cat-file --batch` and that
 * nothing checks out or touches the index.
 */
import { runCli, type CliRun } from './support/cli.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/cli/common.js';
import { GitError, loadGitRevision, parseGitRange } from '../src/load/git.js';
import { inventoryFromParsed, parseInputs } from '../src/load/text.js';

const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
const base = mkdtempSync(join(tmpdir(), 'meshless-git-'));
const repo = join(base, 'repo');
const shim = join(base, 'bin');
const log = join(base, 'git.log');
const ENV = { ...process.env, HOME: base, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z' };

function g(...args: string[]): string {
  const r = spawnSync(realGit, ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, env: ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
function write(path: string, text: string | Buffer): void {
  mkdirSync(join(repo, path, '..'), { recursive: true });
  writeFileSync(join(repo, path), text);
}

const ns = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n---\n`;
const deploy = (n: string, name: string, ports = '[{containerPort: 8080, name: http}]'): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${n}}\nspec:\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, ports: ${ports}}]}\n---\n`;
const np = (n: string, name: string, spec: string): string =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${n}}\nspec:\n${spec.split('\n').map((l) => `  ${l}`).join('\n')}\n---\n`;
const deny = (n: string): string => np(n, 'default-deny', 'podSelector: {}\npolicyTypes: [Ingress]');
const allow = (n: string, app: string, fromNs: string, port: string): string =>
  np(n, `allow-${fromNs}`, `podSelector: {matchLabels: {app: ${app}}}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${fromNs}}}\n  ports:\n  - port: ${port}`);

const commits: Record<string, string> = {};
let cwd = '';

before(() => {
  cwd = process.cwd();
  mkdirSync(repo, { recursive: true });
  mkdirSync(shim);
  // The shim logs every git command meshless runs, then runs the real git.
  writeFileSync(join(shim, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
  chmodSync(join(shim, 'git'), 0o755);
  g('init', '-q', '-b', 'main');
  write('k8s/namespaces.yaml', ns('web') + ns('api') + ns('payments'));
  write('k8s/workloads.yaml', deploy('web', 'web') + deploy('api', 'api') + deploy('payments', 'db', '[{containerPort: 5432, name: postgres}]'));
  write('k8s/policies/api.yaml', deny('api') + allow('api', 'api', 'web', 'http'));
  write('k8s/policies/payments.yaml', deny('payments') + allow('payments', 'db', 'api', 'postgres'));
  write('k8s/README.md', '# not a manifest\n');
  write('k8s/.secrets/token.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: hidden}\n');
  // What git-crypt leaves in the repository: a .yaml that is not text.
  write('k8s/sealed.yaml', Buffer.from([0x00, 0x47, 0x49, 0x54, 0x43, 0x52, 0x59, 0x50, 0x54, 0x00, 0xff, 0x10]));
  write('docs/example.yaml', ns('outside-the-path'));
  g('add', '-A');
  g('commit', '-q', '-m', 'base');
  commits['base'] = g('rev-parse', 'HEAD');
  mkdirSync(join(repo, 'k8s/netpol'));
  g('mv', 'k8s/policies/payments.yaml', 'k8s/netpol/payments-database.yaml');
  g('commit', '-q', '-m', 'move the payments policies');
  commits['rename'] = g('rev-parse', 'HEAD');
  g('rm', '-q', 'k8s/policies/api.yaml');
  g('commit', '-q', '-m', 'delete the api policies');
  commits['delete'] = g('rev-parse', 'HEAD');
  // A branch from base that opens the database to web.
  g('switch', '-q', '-c', 'feature', commits['base']);
  write('k8s/policies/payments.yaml', deny('payments') + allow('payments', 'db', 'api', 'postgres') + allow('payments', 'db', 'web', 'postgres'));
  g('commit', '-q', '-am', 'open the database to web');
  commits['feature'] = g('rev-parse', 'HEAD');
  g('switch', '-q', 'main');
  process.chdir(repo);
  process.env['PATH'] = `${shim}:${process.env['PATH'] ?? ''}`;
});

after(() => {
  process.chdir(cwd);
  process.env['PATH'] = (process.env['PATH'] ?? '').replace(`${shim}:`, '');
  rmSync(base, { recursive: true, force: true });
});

function gitLog(): string[] {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const run = (args: string[]): Promise<CliRun> => runCli(['diff', ...args]);

interface Json {
  before: { label: string; sha?: string };
  after: { label: string; sha?: string };
  connectivity: { added: { from: string; to: string; ports: string[] }[]; removed: { from: string; to: string; ports: string[] }[]; changed: unknown[] };
}
const pairs = (l: { from: string; to: string; ports: string[] }[]): string[] => l.map((e) => `${e.from} > ${e.to} ${e.ports.join(',')}`);

test('git: a revision is read with git — manifests only, binary files skipped and counted, one cat-file for every blob', async () => {
  writeFileSync(log, '');
  const r = await loadGitRevision('main~2', ['k8s']);
  assert.equal(r.revision.sha, commits['base']);
  assert.deepEqual(r.inputs.map((i) => i.file), ['main~2:k8s/namespaces.yaml', 'main~2:k8s/policies/api.yaml', 'main~2:k8s/policies/payments.yaml', 'main~2:k8s/workloads.yaml']);
  assert.equal(r.binarySkipped, 1);
  assert.match(r.diagnostics.find((d) => d.code === 'git-binary-skipped')?.message ?? '', /1 binary file\(s\) at main~2 were skipped \(e\.g\. k8s\/sealed\.yaml\)/);
  assert.match(r.diagnostics.find((d) => d.code === 'files-skipped')?.message ?? '', /k8s\/README\.md/);
  const commands = gitLog().map((l) => l.split(' ')[0]);
  assert.deepEqual(commands.filter((c) => c === 'cat-file'), ['cat-file'], 'one cat-file --batch process for every blob');
  assert.ok(gitLog().some((l) => l === 'cat-file --batch'));
  // The inputs make the same inventory as the files would.
  const inv = inventoryFromParsed(parseInputs(r.inputs));
  assert.deepEqual(inv.endpoints.map((e) => e.id).sort(), ['api/deployment/api', 'payments/deployment/db', 'web/deployment/web']);
  assert.equal(inv.policies.length, 4);
});

test('git: a file moved to another path changes nothing', async () => {
  const r = await run(['--git', `${commits['base']!}..${commits['rename']!}`, 'k8s', '-o', 'json', '--fail-on-new-connectivity', '--fail-on', 'info']);
  assert.equal(r.code, EXIT.ok, r.err);
  const j = JSON.parse(r.out) as Json;
  assert.deepEqual([j.connectivity.added, j.connectivity.removed, j.connectivity.changed], [[], [], []]);
});

test('git: a deleted policy file closes its connections and opens the namespace', async () => {
  const r = await run(['--git', 'main~1..main', 'k8s', '-o', 'json']);
  assert.equal(r.code, EXIT.ok, r.err);
  const j = JSON.parse(r.out) as Json;
  assert.deepEqual(j.before, { label: 'main~1', sha: commits['rename'] });
  assert.deepEqual(j.after, { label: 'main', sha: commits['delete'] });
  // Without its default deny, api accepts everyone: web keeps 8080 and gains the rest; the others are new.
  assert.deepEqual(pairs(j.connectivity.added), ['api/deployment/api > api/deployment/api all', 'ip:other > api/deployment/api all', 'payments/deployment/db > api/deployment/api all']);
  assert.deepEqual(j.connectivity.changed, [{ from: 'web/deployment/web', to: 'api/deployment/api', before: ['8080/TCP'], after: ['all'], opened: ['1-8079/TCP', '8081-65535/TCP', 'UDP', 'SCTP'], closed: [] }]);
  assert.equal((await run(['--git', 'main~1..main', 'k8s', '-q', '--fail-on-new-connectivity'])).code, EXIT.findings);
});

test('git: BASE...HEAD compares HEAD with the merge base, BASE..HEAD with BASE itself', async () => {
  const three = JSON.parse((await run(['--git', 'main...feature', 'k8s', '-o', 'json'])).out) as Json;
  assert.equal(three.before.sha, commits['base']);
  assert.deepEqual(pairs(three.connectivity.added), ['web/deployment/web > payments/deployment/db 5432/TCP']);
  assert.deepEqual(three.connectivity.removed, []);
  // main..feature also undoes what main did since the branch point.
  const two = JSON.parse((await run(['--git', 'main..feature', 'k8s', '-o', 'json'])).out) as Json;
  assert.equal(two.before.sha, commits['delete']);
  assert.ok(two.connectivity.removed.length > 0, 'the api default deny comes back');
});

test('git: one REV is compared with the working tree, which stays exactly as it was', async () => {
  write('k8s/netpol/payments-database.yaml', deny('payments'));
  const status = g('status', '--porcelain');
  const index = readFileSync(join(repo, '.git/index'));
  writeFileSync(log, '');
  const r = await run(['--git', 'HEAD', 'k8s', '-o', 'json']);
  assert.equal(r.code, EXIT.ok, r.err);
  const j = JSON.parse(r.out) as Json;
  assert.equal(j.after.label, 'working tree');
  assert.deepEqual(pairs(j.connectivity.removed), ['api/deployment/api > payments/deployment/db 5432/TCP']);
  assert.equal(g('status', '--porcelain'), status);
  assert.deepEqual(readFileSync(join(repo, '.git/index')), index, 'the index is untouched');
  assert.equal(readFileSync(join(repo, 'k8s/netpol/payments-database.yaml'), 'utf8'), deny('payments'), 'the uncommitted change is still there');
  assert.match(r.err, /after \(working tree\): .*1 binary file\(s\) in the working tree were skipped \(e\.g\. k8s\/sealed\.yaml\)/);
  const writers = gitLog().filter((l) => /^(checkout|switch|restore|reset|stash|read-tree|update-index|worktree|add|rm|mv|commit)\b/.test(l));
  assert.deepEqual(writers, [], 'meshless runs no git command that writes');
  g('checkout', '-q', '--', 'k8s/netpol/payments-database.yaml');
});

test('git: a revision that does not exist is exit 2 with a clear message', async () => {
  for (const spec of ['does-not-exist', 'does-not-exist..main', 'main..does-not-exist', '0'.repeat(40)]) {
    const r = await run(['--git', spec, 'k8s']);
    assert.equal(r.code, EXIT.usage, spec);
    assert.match(r.err, /unknown revision "(does-not-exist|0{40})": no such commit in this repository; check it with git log --oneline/);
    assert.equal(r.out, '', 'nothing is printed as a result');
  }
  await assert.rejects(loadGitRevision('nope', ['k8s']), (e: unknown) => e instanceof GitError && /unknown revision "nope"/.test(e.message));
});

test('git: outside a repository, and paths missing at a revision, say so', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'meshless-nogit-'));
  try {
    await assert.rejects(loadGitRevision('HEAD', ['.'], { cwd: outside }), /is not inside a git repository; run meshless from the repository/);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
  const r = await loadGitRevision(commits['base']!, ['k8s/netpol']);
  assert.deepEqual(r.inputs, []);
  assert.match(r.diagnostics[0]?.message ?? '', /k8s\/netpol has no \.yaml, \.yml or \.json files at [0-9a-f]{40}/);
  await assert.rejects(loadGitRevision('HEAD', ['../elsewhere']), /is outside the git repository/);
  // From a subdirectory, relative paths are relative to it; absolute paths work too.
  const fromSub = await loadGitRevision('main', ['policies', '.'], { cwd: join(repo, 'k8s') });
  assert.deepEqual(fromSub.inputs.map((i) => i.file), ['main:k8s/namespaces.yaml', 'main:k8s/netpol/payments-database.yaml', 'main:k8s/workloads.yaml']);
  assert.match(fromSub.diagnostics.find((d) => d.code === 'no-manifests')?.message ?? '', /^policies has no/, 'k8s/policies was deleted on main');
  assert.equal((await loadGitRevision('main', [join(repo, 'k8s', 'netpol')])).inputs.length, 1);
});

test('git: a base revision without the manifests is a change that adds them; a head without them is an input error', async () => {
  // k8s/netpol appears in the 'rename' commit: the pull request that adds it has nothing before.
  const adds = await run(['--git', `${commits['base']!}..${commits['rename']!}`, 'k8s/netpol', '-o', 'json']);
  assert.equal(adds.code, EXIT.ok, adds.err);
  assert.doesNotMatch(adds.err, /no objects read/);
  const removes = await run(['--git', `${commits['rename']!}..${commits['base']!}`, 'k8s/netpol', '-o', 'json']);
  assert.equal(removes.code, EXIT.usage);
  assert.match(removes.err, /no objects read from the new side/);
  assert.equal(removes.out, '', 'no partial report');
});

test('git: ranges', () => {
  assert.deepEqual(parseGitRange('main'), { base: 'main', mergeBase: false });
  assert.deepEqual(parseGitRange('main..HEAD'), { base: 'main', head: 'HEAD', mergeBase: false });
  assert.deepEqual(parseGitRange('origin/main...feature/x'), { base: 'origin/main', head: 'feature/x', mergeBase: true });
  assert.deepEqual(parseGitRange('..feature'), { base: 'HEAD', head: 'feature', mergeBase: false });
  assert.deepEqual(parseGitRange('main..'), { base: 'main', head: 'HEAD', mergeBase: false });
  for (const bad of ['-x', 'a..b..c', 'a b', '']) assert.throws(() => parseGitRange(bad), GitError, bad);
});
