/**
 * Errors carry a code; the command line maps the code's kind to an exit code
 * (usage and input 2, environment and internal 3) and prints message and hint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { MeshlessError, ERROR_KINDS } from '../src/model/errors.js';
import { EXIT, exitCodeOf, UsageError } from '../src/cli/common.js';
import { runCli } from './support/cli.js';

test('every code has a kind, and each kind one exit code', () => {
  for (const code of Object.keys(ERROR_KINDS) as (keyof typeof ERROR_KINDS)[]) {
    const e = new MeshlessError(code, 'x');
    assert.equal(exitCodeOf(e), e.kind === 'usage' || e.kind === 'input' ? EXIT.usage : EXIT.internal, code);
  }
  assert.equal(exitCodeOf(new UsageError('x')), EXIT.usage);
  assert.equal(exitCodeOf(new RangeError('x')), EXIT.internal, 'anything else is a bug');
});

test('an unknown endpoint is an input error: exit 2, no usage line', async () => {
  const r = await runCli(['explain', 'nowhere/nothing', 'shop/deployment/storefront', 'examples/shop']);
  assert.equal(r.code, EXIT.usage);
  assert.match(r.err, /unknown endpoint "nowhere\/nothing": no endpoint or workload of that name in the input\nmeshless reach lists the endpoints/);
  assert.doesNotMatch(r.err, /--help/);
});

test('a busy port is not a usage error: exit 3 with a hint, and not called a bug', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const r = await runCli(['serve', '--port', String(port), '--host', '127.0.0.1', 'examples/shop']);
    assert.equal(r.code, EXIT.internal);
    assert.match(r.err, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use\\npass --port N`));
    assert.doesNotMatch(r.err, /bug|--help/);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
