import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { BUILD_TIMEOUT_MS, builtActor } from '../support/build.js';
import { getJson, postJson, runCli } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

// The kv-store example: TypeScript, type-checked against the shipped declarations, written
// with defineActor (imported from the package by its own name).
// Built by the CLI into the test build cache (support/build.ts): bundled and type-checked on every
// run, componentized again whenever the bundle, the versions or the WIT change.
let component: string;
before(async () => void (component = await builtActor('examples/kv-store/kv-store.ts')), { timeout: BUILD_TIMEOUT_MS });

test('a TypeScript actor written with defineActor takes and returns objects through the runtime', async (t) => {
  const runtime = await startInProcess(t, component);
  const set = await postJson(runtime.url, { set: 'greeting', value: { text: 'hello', n: [1, 2] } });
  assert.equal(set.status, 200);
  assert.deepEqual(set.body.state, { entries: { greeting: { text: 'hello', n: [1, 2] } }, version: 1 });

  const stale = await postJson(runtime.url, { set: 'greeting', value: 'hi', ifVersion: 0 });
  assert.equal(stale.status, 422, 'compare-and-set against an old version is refused');
  assert.equal(stale.body.error.code, 'MESSAGE_REJECTED');
  assert.equal((await postJson(runtime.url, { set: 'greeting', value: 'hi', ifVersion: 1 })).status, 200);
  assert.equal((await postJson(runtime.url, { delete: 'nobody' })).status, 422, 'deleting an absent key is refused');
  assert.equal((await postJson(runtime.url, { delete: 'greeting' })).status, 200);
  assert.deepEqual((await getJson(`${runtime.url}/state`)).body.state, { entries: {}, version: 3 });

  const verified = await runCli(['verify', component, runtime.url]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /^verified 8 entries/);
});
