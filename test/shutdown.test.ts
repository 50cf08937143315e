import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../fixtures/build.js';
import { getJson, postJson, startRuntime } from './support/runtime.js';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} stops accepting, finishes the message in flight and exits 0`, async (t) => {
    const runtime = await startRuntime(t, await buildFixture('faults'), ['--timeout', '800']);
    assert.equal((await postJson(runtime.url, { n: 1 })).status, 200);
    const head = (await getJson(`${runtime.url}/head`)).body.head;

    // A call in flight when the signal arrives is finished (here: it times out) before exit.
    const inFlight = postJson(runtime.url, { fault: 'handle:spin' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    runtime.child.kill(signal);
    assert.equal((await inFlight).status, 504);
    assert.equal(await runtime.exited, 0);

    const stopped = runtime.logs.find((l) => l.msg === 'actorchain stopped');
    assert.equal(stopped?.head, head, 'the chain is intact');
    assert.equal(stopped?.exitCode, 0);
  });
}
