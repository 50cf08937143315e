import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import { buildOk, BUILD_TIMEOUT_MS, fileTempDir, REPO } from './support/build.js';
import { postJson, startRuntime } from './support/runtime.js';

// fixtures/actors/multi-file: actor.ts imports ./names.ts, which imports the npm package
// tiny-case (vendored in the fixture's node_modules/, so no registry is needed).
const component = path.join(fileTempDir(), 'guest-book.wasm');
before(() => buildOk(path.join(REPO, 'fixtures/actors/multi-file/actor.ts'), component), { timeout: BUILD_TIMEOUT_MS });

test('an actor made of several files and an npm package is bundled into one component that uses them all', async (t) => {
  const runtime = await startRuntime(t, component);
  const signed = await postJson(runtime.url, { sign: '  ada   LOVELACE ' });
  assert.equal(signed.status, 200);
  // normalizeName (names.ts) collapsed the spaces; titleCase (tiny-case) capitalized.
  assert.deepEqual(signed.body.state, { guests: ['Ada Lovelace'] });
  const again = await postJson(runtime.url, { sign: 'ada lovelace' });
  assert.equal(again.status, 422, 'the contract, through the same imports, refuses a second signature');
  assert.equal((await postJson(runtime.url, { sign: 'grace hopper' })).status, 200);
});
