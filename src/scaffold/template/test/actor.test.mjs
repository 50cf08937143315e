// Builds the actor and drives it through the real runtime, started in this process with
// createRuntime: messages, a refused message, and `actorchain verify` replaying the chain.
// Run with `npm test`.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRuntime } from 'actorchain';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(dirname(fileURLToPath(import.meta.resolve('actorchain/package.json'))), 'dist/src/cli/main.js');
const COMPONENT = join(ROOT, 'dist/actor.wasm');

const actorchain = (...args) => promisify(execFile)(process.execPath, [CLI, ...args], { cwd: ROOT });

/** The runtime on a free port, in memory, quiet but for warnings; closed when the test ends. */
async function startActor(t) {
  const runtime = await createRuntime({ component: COMPONENT, listen: '127.0.0.1:0', inMemory: true, logLevel: 'warn' });
  t.after(() => runtime.close());
  return runtime;
}

async function post(url, message) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
  return { status: response.status, body: await response.json() };
}

before(() => actorchain('build', 'src/actor.ts', '-o', COMPONENT), { timeout: 300_000 });

test('items are added and done, a bad message is refused, and the chain verifies', { timeout: 120_000 }, async (t) => {
  const runtime = await startActor(t);
  const url = runtime.url;

  assert.equal((await post(url, { add: 'write the first actor' })).status, 200);
  const done = await post(url, { done: 1 });
  assert.equal(done.status, 200);
  assert.deepEqual(done.body.state, { items: [{ id: 1, text: 'write the first actor', done: true }], nextId: 2 });

  const refused = await post(url, { done: 1 }); // already done
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'MESSAGE_REJECTED');
  const head = await (await fetch(new URL('head', url))).json();
  assert.equal(head.head, done.body.head, 'a refused message commits nothing');
  assert.equal(runtime.head(), done.body.head);

  const { stdout } = await actorchain('verify', COMPONENT, url);
  assert.match(stdout, /^verified 6 entries/);
});
