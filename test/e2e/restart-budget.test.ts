import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { fetchChain, postJson, waitForQueueDepth } from '../support/runtime.js';

test('more restarts than --max-restarts within the window: waiting messages get 503 and the runtime stops by itself (exit code 1)', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('faults'), { maxRestarts: 2, restartWindow: 60, timeout: 1000 });
  for (let i = 0; i < 2; i++) assert.equal((await postJson(runtime.url, { fault: 'handle:trap' })).status, 500);

  // The third fault (a spin, so there is time to queue a message behind it) breaks the
  // budget; the message waiting behind it is answered 503.
  const third = postJson(runtime.url, { fault: 'handle:spin' });
  await waitForQueueDepth(runtime.url, 1);
  const waiting = await postJson(runtime.url, { fine: true });
  assert.equal((await third).status, 504);
  assert.equal((await third).body.error.code, 'COMPONENT_TIMEOUT');
  assert.equal(waiting.status, 503);
  assert.equal(waiting.body.error.code, 'ACTOR_UNAVAILABLE');

  const outcome = await runtime.stopped;
  assert.equal(outcome.exitCode, 1, 'stopped by itself, as `actorchain run` exits 1');
  assert.equal(outcome.reason?.code, 'ACTOR_UNAVAILABLE');
  const fatal = runtime.logs.find((l) => l.level === 60);
  assert.match(String(fatal?.msg), /giving up: the component faulted 3 times within 60 s/);
});

test('a full queue answers 503 with Retry-After at once, and the queued messages are still served', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('faults'), { timeout: 3000, maxQueue: 2 });
  let stuckAnswered = false;
  const stuck = postJson(runtime.url, { fault: 'handle:spin' }).finally(() => (stuckAnswered = true));
  await waitForQueueDepth(runtime.url, 1);
  const queued = [postJson(runtime.url, { q: 1 }), postJson(runtime.url, { q: 2 })];
  await waitForQueueDepth(runtime.url, 3);

  const refused = await postJson(runtime.url, { q: 3 });
  assert.equal(stuckAnswered, false, 'refused at once, not after the stuck call');
  assert.equal(refused.status, 503);
  assert.equal(refused.body.error.code, 'QUEUE_FULL');
  assert.equal(refused.headers.get('retry-after'), '1');

  assert.equal((await stuck).status, 504);
  assert.deepEqual(
    (await Promise.all(queued)).map((r) => r.status),
    [200, 200],
  );
});

test('messages that arrive while the worker is re-spawned wait their turn and are applied exactly once', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('faults'), { timeout: 1000 });
  const replies = await Promise.all([
    postJson(runtime.url, { fault: 'handle:spin' }),
    ...Array.from({ length: 20 }, (_, i) => postJson(runtime.url, { i })),
    postJson(runtime.url, { fault: 'handle:trap' }),
    ...Array.from({ length: 20 }, (_, i) => postJson(runtime.url, { i: i + 20 })),
  ]);
  assert.deepEqual(
    replies.map((r) => r.status),
    [504, ...Array(20).fill(200), 500, ...Array(20).fill(200)],
  );
  const { entries } = await fetchChain(runtime.url);
  const applied = entries.filter((e) => 'message' in e.data).map((e) => (e.data.message as { i: number }).i);
  assert.deepEqual(
    [...applied].sort((a, b) => a - b),
    Array.from({ length: 40 }, (_, i) => i),
    'each applied once',
  );
});

/** Set environment variables of this process (read by the runtime at each load) until the test ends. */
function setEnv(t: TestContext, vars: Record<string, string>): void {
  const before = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  t.after(() => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

test('a runtime whose cache was removed while it runs (a user cleaned ~/.cache) keeps re-spawning its workers', async (t) => {
  // This file's own cache (the variable is read at each load): the faults actor is transpiled into it.
  const cache = tempDir(t);
  setEnv(t, { ACTORCHAIN_CACHE_DIR: cache });
  const runtime = await startInProcess(t, await buildFixture('faults'), { timeout: 1000, maxRestarts: 10 });
  assert.equal((await postJson(runtime.url, { n: 1 })).status, 200);
  assert.ok(readdirSync(path.join(cache, 'transpiled')).length > 0, 'transpiled into the cache');
  rmSync(cache, { recursive: true, force: true });
  // Each trap costs a worker: the standby started before the removal serves first, then workers started after it.
  for (let n = 2; n <= 4; n++) {
    const trapped = await postJson(runtime.url, { fault: 'handle:trap' });
    assert.equal(trapped.status, 500);
    assert.equal(trapped.body.error.code, 'COMPONENT_TRAP');
    const served = await postJson(runtime.url, { n });
    assert.equal(served.status, 200, JSON.stringify(served.body));
    assert.deepEqual(served.body.state, { n });
  }
});

test('with no cache it can write (a read-only home), a runtime transpiles into a private folder, removes it, and re-spawns', async (t) => {
  const scratch = tempDir(t);
  writeFileSync(path.join(scratch, 'a-file'), '');
  const tmp = path.join(scratch, 'tmp');
  mkdirSync(tmp);
  // A cache folder that cannot be made: beneath a file.
  setEnv(t, { ACTORCHAIN_CACHE_DIR: path.join(scratch, 'a-file', 'cache'), TMPDIR: tmp });
  const runtime = await startInProcess(t, await buildFixture('faults'), { timeout: 1000, maxRestarts: 10 });
  assert.deepEqual(readdirSync(tmp), [], 'the private folder is removed once read');
  for (let n = 1; n <= 2; n++) {
    assert.equal((await postJson(runtime.url, { fault: 'handle:trap' })).status, 500);
    assert.deepEqual((await postJson(runtime.url, { n })).body.state, { n });
  }
});
