// Builds the actor and drives it through the real runtime: messages, a refused message, and
// `actorchain verify` replaying the chain. Run with `npm test`.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(dirname(fileURLToPath(import.meta.resolve('actorchain/package.json'))), 'dist/src/cli/main.js');
const COMPONENT = join(ROOT, 'dist/actor.wasm');

const actorchain = (...args) => promisify(execFile)(process.execPath, [CLI, ...args], { cwd: ROOT });

/** `actorchain run` on a free port, in memory; stopped when the test ends. */
async function startActor(t) {
  const child = spawn(process.execPath, [CLI, 'run', COMPONENT, '--listen', '127.0.0.1:0', '--in-memory'], { cwd: ROOT });
  t.after(() => child.kill());
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const listening = output.split('\n').find((line) => line.includes('actorchain listening'));
      if (listening) resolve(JSON.parse(listening).address);
    });
    child.on('exit', (code) => reject(new Error(`actorchain run exited with ${code}:\n${output}`)));
  });
}

async function post(url, message) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
  return { status: response.status, body: await response.json() };
}

before(() => actorchain('build', 'src/actor.ts', '-o', COMPONENT), { timeout: 300_000 });

test('items are added and done, a bad message is refused, and the chain verifies', { timeout: 120_000 }, async (t) => {
  const url = await startActor(t);

  assert.equal((await post(url, { add: 'write the first actor' })).status, 200);
  const done = await post(url, { done: 1 });
  assert.equal(done.status, 200);
  assert.deepEqual(done.body.state, { items: [{ id: 1, text: 'write the first actor', done: true }], nextId: 2 });

  const refused = await post(url, { done: 1 }); // already done
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'MESSAGE_REJECTED');
  const head = await (await fetch(`${url}/head`)).json();
  assert.equal(head.head, done.body.head, 'a refused message commits nothing');

  const { stdout } = await actorchain('verify', COMPONENT, url);
  assert.match(stdout, /^verified 6 entries/);
});
