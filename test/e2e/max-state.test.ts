import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson, startRuntime } from '../support/runtime.js';

// echo's state is the message it was given: the message's size sets the state's.
const padded = (bytes: number) => ({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

test('a message that would leave a state over --max-state is refused with 422 STATE_TOO_LARGE, nothing committed', async (t) => {
  // In process, with the API's maxState (the CLI's --max-state is read into it; the CLI's own
  // reading is the environment variable's test below).
  const runtime = await startInProcess(t, await buildFixture('echo'), { maxState: 1000 });
  const before = (await getJson(`${runtime.url}/head`)).body;
  const reply = await postJson(runtime.url, padded(1001));
  assert.equal(reply.status, 422);
  assert.equal(reply.body.error.code, 'STATE_TOO_LARGE');
  assert.match(reply.body.error.message, /1001 bytes/);
  assert.match(reply.body.error.message, /1000 byte limit \(--max-state\)/);
  assert.deepEqual((await getJson(`${runtime.url}/head`)).body, before, 'nothing was committed');
  // A state of exactly the limit is committed, and the actor goes on from it.
  const fits = await postJson(runtime.url, padded(1000));
  assert.equal(fits.status, 200);
  assert.equal((await getJson(`${runtime.url}/head`)).body.length, before.length + 2);
});

test('ACTORCHAIN_MAX_STATE sets the limit; bytes are counted in UTF-8', async (t) => {
  const runtime = await startRuntime(t, await buildFixture('echo'), [], { env: { ACTORCHAIN_MAX_STATE: '100' } });
  // 40 characters of 3 UTF-8 bytes each: 40 UTF-16 units, 130 bytes with the member around them.
  const reply = await postJson(runtime.url, { pad: '€'.repeat(40) });
  assert.equal(reply.status, 422);
  assert.equal(reply.body.error.code, 'STATE_TOO_LARGE');
  assert.match(reply.body.error.message, /130 bytes, over the 100 byte limit/);
  assert.equal((await postJson(runtime.url, { pad: 'small' })).status, 200);
});
