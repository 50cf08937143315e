import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { getJson, postJson, runCli, startRuntime, waitForQueueDepth } from '../support/runtime.js';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} stops accepting, finishes the message in flight and exits 0`, async (t) => {
    const runtime = await startRuntime(t, await buildFixture('faults'), ['--timeout', '800']);
    assert.equal((await postJson(runtime.url, { n: 1 })).status, 200);
    const head = (await getJson(`${runtime.url}/head`)).body.head;

    // A call in flight when the signal arrives is finished (here: it times out) before exit.
    const inFlight = postJson(runtime.url, { fault: 'handle:spin' });
    await waitForQueueDepth(runtime.url, 1);
    runtime.child.kill(signal);
    assert.equal((await inFlight).status, 504);
    assert.equal(await runtime.exited, 0);

    const stopped = runtime.logs.find((l) => l.msg === 'actorchain stopped');
    assert.equal(stopped?.head, head, 'the chain is intact');
    assert.equal(stopped?.exitCode, 0);
  });
}

test('a message that succeeds while SIGTERM arrives is answered 200 and is on disk', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'actorchain-shutdown-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const runtime = await startRuntime(t, await buildFixture('faults'), ['--data-dir', dataDir]);
  const inFlight = postJson(runtime.url, { work: 'handle:slow' });
  await waitForQueueDepth(runtime.url, 1);
  runtime.child.kill('SIGTERM');
  const reply = await inFlight;
  assert.equal(reply.status, 200);
  assert.equal(await runtime.exited, 0);

  const inspected = await runCli(['inspect', dataDir]);
  assert.equal(inspected.code, 0, inspected.stderr);
  const summary = JSON.parse(inspected.stdout) as { head: string; length: number };
  assert.equal(summary.head, reply.body.head);
  assert.equal(summary.length, 4);
});

// The request is never finished, and --request-timeout is ten minutes: a shutdown that waited
// for either would outlast the test's timeout. The runtime gives it a short grace instead.
test('a client that never finishes its request does not hold up shutdown', { timeout: 60_000 }, async (t) => {
  const runtime = await startRuntime(t, await buildFixture('echo'), ['--request-timeout', '600000']);
  const { hostname, port } = new URL(runtime.url);
  const socket = connect(Number(port), hostname);
  t.after(() => socket.destroy());
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await new Promise((resolve) => setTimeout(resolve, 100));
  runtime.child.kill('SIGTERM');
  assert.equal(await runtime.exited, 0);
  await closed; // by the runtime: the request was never finished
});
