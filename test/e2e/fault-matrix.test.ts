/**
 * Every fault a component can commit, in handle, the contracts and init. The runtimes run in
 * this process (createRuntime); a misbehaving init is the ActorchainError createRuntime
 * rejects with (what `actorchain run` prints, a problem a line, before it exits 1).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { refusedStart, startInProcess, type InProcessRuntime } from '../support/in-process.js';
import { getJson, postJson } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

const restartLogs = (runtime: InProcessRuntime) => runtime.logs.filter((l) => String(l.msg).startsWith("restarted the component's worker"));

/** [function, fault, status, code, whether the worker is replaced] */
const CELLS: Array<[string, string, number, string, boolean]> = [
  ['handle', 'spin', 504, 'COMPONENT_TIMEOUT', true],
  ['handle', 'trap', 500, 'COMPONENT_TRAP', true],
  ['handle', 'grow', 500, 'COMPONENT_OUT_OF_MEMORY', true],
  ['handle', 'nonjson', 500, 'STATE_NOT_JSON', false],
  ['message-contract', 'spin', 504, 'COMPONENT_TIMEOUT', true],
  ['message-contract', 'trap', 500, 'COMPONENT_TRAP', true],
  ['message-contract', 'grow', 500, 'COMPONENT_OUT_OF_MEMORY', true],
  ['message-contract', 'reject', 422, 'MESSAGE_REJECTED', false],
  ['state-contract', 'spin', 504, 'COMPONENT_TIMEOUT', true],
  ['state-contract', 'trap', 500, 'COMPONENT_TRAP', true],
  ['state-contract', 'grow', 500, 'COMPONENT_OUT_OF_MEMORY', true],
  ['state-contract', 'reject', 500, 'STATE_REJECTED', false],
];

test('every fault in handle and the contracts: its status and code, HEAD unchanged, next message served, restart counted', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('faults'), { timeout: 1000, maxMemory: 32, maxRestarts: 100 });
  let good = 0;
  for (const [fn, fault, status, code, replaced] of CELLS) {
    const cell = `${fn}:${fault}`;
    const before = (await getJson(`${runtime.url}/head`)).body;
    const restartsBefore = restartLogs(runtime).length;

    const reply = await postJson(runtime.url, { fault: cell });
    assert.equal(reply.status, status, cell);
    assert.equal(reply.body.error.code, code, cell);
    assert.deepEqual((await getJson(`${runtime.url}/head`)).body, before, `${cell}: HEAD unchanged`);

    const next = await postJson(runtime.url, { good: ++good });
    assert.equal(next.status, 200, `${cell}: the next good message is served`);
    assert.deepEqual(next.body.state, { good });

    if (replaced) {
      await waitFor(`${cell}: one restart logged`, () => restartLogs(runtime).length === restartsBefore + 1);
      const log = restartLogs(runtime).at(-1)!;
      assert.equal(log.cause, code);
      assert.equal(log.restarts, restartsBefore + 1);
      assert.equal(typeof log.servingAgainMs, 'number');
    } else {
      assert.equal(restartLogs(runtime).length, restartsBefore, `${cell}: no restart for a verdict`);
    }
  }
  assert.equal((await getJson(`${runtime.url}/head`)).body.length, 2 + 2 * good);
});

/** [fixture, expected code, words the message must contain] */
const INIT_CELLS: Array<[Parameters<typeof buildFixture>[0], string, RegExp]> = [
  ['faults-init-spin', 'INIT_TIMEOUT', /init timed out/],
  ['faults-init-trap', 'INIT_FAILED', /init failed/],
  ['faults-init-grow', 'INIT_FAILED', /init failed .*memory/],
  ['faults-init-nonjson', 'INIT_STATE_INVALID', /not JSON/],
  ['faults-init-nonutf8', 'INIT_STATE_INVALID', /init returned a state that is not UTF-8/],
  ['faults-init-reject', 'INIT_STATE_INVALID', /state-contract refused/],
];

for (const [fixture, code, words] of INIT_CELLS) {
  test(`a component whose init misbehaves (${fixture}) is refused at start-up: createRuntime rejects, as actorchain run exits non-zero`, async () => {
    // The spin runs until --init-timeout; for the others it only has to outlast instantiation
    // on a loaded machine (a short one would end them with COMPONENT_TIMEOUT instead).
    const initTimeout = fixture === 'faults-init-spin' ? 2000 : 60000;
    const { lines } = await refusedStart(await buildFixture(fixture), { initTimeout, maxMemory: 32, maxRestarts: 1 });
    // As `actorchain run` prints it (`actorchain: CODE: message`, a problem a line) before it exits 1.
    const stderr = lines.join('\n');
    assert.match(stderr, new RegExp(`${code}: `));
    assert.match(stderr, words);
  });
}
