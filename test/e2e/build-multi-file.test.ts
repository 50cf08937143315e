import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { BUILD_TIMEOUT_MS, builtActor } from '../support/build.js';
import { postJson } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

// fixtures/actors/multi-file: actor.ts imports ./names.ts, which imports the npm package
// tiny-case (vendored in the fixture's node_modules/, so no registry is needed).
// Built by the CLI into the test build cache (support/build.ts): bundled and type-checked on every
// run, componentized again whenever the bundle, the versions or the WIT change.
let component: string;
before(async () => void (component = await builtActor('fixtures/actors/multi-file/actor.ts')), { timeout: BUILD_TIMEOUT_MS });

test('an actor made of several files and an npm package is bundled into one component that uses them all', async (t) => {
  const runtime = await startInProcess(t, component);
  const signed = await postJson(runtime.url, { sign: '  ada   LOVELACE ' });
  assert.equal(signed.status, 200);
  // normalizeName (names.ts) collapsed the spaces; titleCase (tiny-case) capitalized.
  assert.deepEqual(signed.body.state, { guests: ['Ada Lovelace'] });
  const again = await postJson(runtime.url, { sign: 'ada lovelace' });
  assert.equal(again.status, 422, 'the contract, through the same imports, refuses a second signature');
  assert.equal((await postJson(runtime.url, { sign: 'grace hopper' })).status, 200);
});
