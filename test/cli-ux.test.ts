/**
 * Issue 15, "the terminal and the install, as kubectl users expect", and the
 * input-diagnostics items of "nothing passes silently": what the command line
 * prints, in which format, with which colours and links. Each test failed before
 * its change.
 */
import { runCli as run } from './support/cli.js';
import { main } from '../src/cli/main.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startFakeApiServer, writeKubeconfig } from './support/fake-apiserver.js';
import { join } from 'node:path';

const tmp = (name: string): string => mkdtempSync(join(tmpdir(), `meshless-${name}-`));

test('serve with an input that yields no objects is exit 2 "no objects read from …"', async () => {
  const empty = tmp('serve-empty');
  const r = await run(['serve', empty, '--port', '0']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /no objects read from /);
});

test('diff: a side that reads no objects is exit 2 naming the side', async () => {
  const empty = tmp('diff-empty');
  const before = await run(['diff', empty, 'examples/shop']);
  assert.equal(before.code, 2, before.err);
  assert.match(before.err, /no objects read from the old side \(.*meshless-diff-empty/);
  assert.equal(before.out, '');
  const after = await run(['diff', 'examples/shop', empty]);
  assert.equal(after.code, 2, after.err);
  assert.match(after.err, /no objects read from the new side/);
});

test('--cluster that lists no objects is exit 2 "no objects read from the cluster"', async () => {
  const server = await startFakeApiServer({ objects: [] });
  const kc = await writeKubeconfig(server, {});
  try {
    const r = await run(['audit', '--cluster', '--kubeconfig', kc.path, '-A', '-o', 'json']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no objects read from the cluster/);
    assert.equal(r.out, '');
  } finally {
    await kc.cleanup();
    await server.close();
  }
});
