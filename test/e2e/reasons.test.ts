import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { BUILD_TIMEOUT_MS, builtActor } from '../support/build.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson, sha256, startRuntime } from '../support/runtime.js';
import { verifies } from '../support/verify.js';
import { waitFor } from '../support/wait.js';

// Two actors built by `actorchain build`: one written with defineActor, whose contracts give
// reasons and whose handle throws on demand, and a plain one whose handle throws (a trap).
let reasons: string;
let thrower: string;
before(
  async () => {
    reasons = await builtActor('fixtures/actors/reasons.ts');
    thrower = await builtActor('fixtures/actors/thrower.js');
  },
  { timeout: BUILD_TIMEOUT_MS },
);

const restarts = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^actorchain_restarts_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
};

test('defineActor: a contract that returns a string refuses with that reason; the refusal is logged at debug', async (t) => {
  const runtime = await startRuntime(t, reasons, ['--log-level', 'debug']);
  const refused = await postJson(runtime.url, { add: -3 });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'MESSAGE_REJECTED');
  assert.equal(refused.body.error.reason, 'add must be a positive integer');

  const plainFalse = await postJson(runtime.url, { other: 1 });
  assert.equal(plainFalse.status, 422);
  assert.equal(plainFalse.body.error.reason, undefined, 'a plain false gives no reason');

  const negative = await postJson(runtime.url, { set: -1 });
  assert.equal(negative.status, 500);
  assert.equal(negative.body.error.code, 'STATE_REJECTED');
  assert.equal(negative.body.error.reason, 'count must not be negative (got -1)');

  assert.equal((await postJson(runtime.url, { add: 2 })).status, 200);
  // Log lines travel apart from the answers (stdout of the runtime's process).
  const logged = await waitFor('the refusal logged', () => runtime.logs.find((l) => l.reason === 'add must be a positive integer'));
  assert.equal(logged.level, 20, 'at debug');
  assert.equal(logged.messageHash, sha256('{"add":-3}'));
  assert.match(String(logged.client), /127\.0\.0\.1/);
  const fault = await waitFor('the fault logged', () => runtime.logs.find((l) => l.code === 'STATE_REJECTED'));
  assert.equal(fault?.level, 40, 'a fault is logged at warn');
  assert.ok(!runtime.logs.some((l) => String(l.msg).startsWith('actorchain:')), 'the words to the runtime are not log lines');
});

test('defineActor: messages whose handle throws, more than the restart budget, are refusals; the runtime stays up', async (t) => {
  const runtime = await startInProcess(t, reasons, { maxRestarts: 1, restartWindow: 60 });
  for (let i = 0; i < 4; i++) {
    const boom = await postJson(runtime.url, { boom: `boom: bad input ${i}` });
    assert.equal(boom.status, 422, JSON.stringify(boom.body));
    assert.equal(boom.body.error.code, 'MESSAGE_REJECTED');
    assert.equal(boom.body.error.reason, `boom: bad input ${i}`);
    const dig = await postJson(runtime.url, { dig: true });
    assert.equal(dig.status, 422);
    assert.match(dig.body.error.reason, /undefined/);
  }
  const ok = await postJson(runtime.url, { add: 5 });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body.state, { count: 5 }, 'nothing of the refused messages was committed');
  assert.equal((await getJson(`${runtime.url}/readyz`)).status, 200);
  assert.equal(await restarts(runtime.url), 0, 'no refusal cost a restart');
  await verifies(runtime.url, { component: reasons });
});

test("a plain actor's exception is a trap whose answer carries the component's own error text as detail", async (t) => {
  const runtime = await startInProcess(t, thrower);
  const trapped = await postJson(runtime.url, { boom: 'boom: bad input 42' });
  assert.equal(trapped.status, 500);
  assert.equal(trapped.body.error.code, 'COMPONENT_TRAP');
  assert.match(trapped.body.error.detail, /boom: bad input 42/);
  const logged = await waitFor('the trap logged', () => runtime.logs.find((l) => l.code === 'COMPONENT_TRAP'));
  assert.equal(logged?.level, 40, 'logged at warn');
  assert.match(String(logged?.detail), /boom: bad input 42/);
  assert.equal((await postJson(runtime.url, { any: 1 })).status, 200, 'a fresh worker serves on');
});
