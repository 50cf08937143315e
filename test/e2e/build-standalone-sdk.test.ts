/**
 * An actor file on its own, outside any npm project, may import `actorchain` as docs/actors.md
 * shows: build finds this installation's defineActor and its types.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BUILD_TIMEOUT_MS, fileTempDir } from '../support/build.js';
import { postJson, runCli } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

const ACTOR = `import { defineActor } from 'actorchain';
type State = { n: number };
type Message = { inc: number };
export const actor = defineActor<State, Message>({
  init: () => ({ n: 0 }),
  handle: (msg, state) => ({ n: state.n + msg.inc }),
  messageContract: (msg) => Number.isSafeInteger((msg as Message).inc),
  stateContract: (state) => Number.isSafeInteger((state as State).n),
});
`;

test('a TypeScript actor outside any project builds against this installation of actorchain', { timeout: BUILD_TIMEOUT_MS }, async (t) => {
  const dir = fileTempDir();
  writeFileSync(path.join(dir, 'standalone.ts'), ACTOR);
  // Its types come from this installation too: a type error is still one.
  writeFileSync(path.join(dir, 'wrong.ts'), ACTOR.replace('init: () => ({ n: 0 })', "init: () => ({ n: 'zero' })"));
  const wrong = await runCli(['build', path.join(dir, 'wrong.ts')]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^actorchain: BUILD_TYPE_ERROR: .*wrong\.ts:5:\d+: Type 'string' is not assignable to type 'number'/);

  const built = await runCli(['build', path.join(dir, 'standalone.ts')], { timeoutMs: BUILD_TIMEOUT_MS });
  assert.equal(built.code, 0, built.stderr);
  const runtime = await startInProcess(t, path.join(dir, 'standalone.wasm'));
  const reply = await postJson(runtime.url, { inc: 2 });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.body.state, { n: 2 });
});
