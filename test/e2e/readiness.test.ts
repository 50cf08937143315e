import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { getJson, postJson, startRuntime, waitForQueueDepth } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';
import { waitFor } from '../support/wait.js';

const readyAgain = (url: string) => waitFor('ready again', async () => (await fetch(`${url}/readyz`)).status === 200, { intervalMs: 10 });

/** Send a request's first bytes now and the rest later: the connection stays busy, so shutdown does not close it. */
function heldRequest(url: string, path: string): { finish(): Promise<string> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (d: Buffer) => (received += d));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n`);
  return {
    async finish() {
      socket.write('\r\n');
      await ended;
      return received;
    },
  };
}

test('GET /healthz and /readyz answer 200 while the actor serves', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  assert.deepEqual(await getJson(`${runtime.url}/healthz`).then((r) => [r.status, r.body]), [200, { status: 'ok' }]);
  assert.deepEqual(await getJson(`${runtime.url}/readyz`).then((r) => [r.status, r.body]), [200, { ready: true }]);
});

test('readiness through a restart budget running out: ready again after each restart, then 503 restart-budget-exhausted', async (t) => {
  const args = ['--max-restarts', '1', '--restart-window', '60', '--timeout', '1000'];
  const runtime = await startRuntime(t, await buildFixture('faults'), args);
  assert.equal((await postJson(runtime.url, { fault: 'handle:trap' })).status, 500);
  await readyAgain(runtime.url);
  assert.equal((await fetch(`${runtime.url}/healthz`)).status, 200);

  // The second fault breaks the budget; the runtime then closes its listener and exits, so
  // the probe's connection is opened (and kept busy) before.
  const probe = heldRequest(runtime.url, '/readyz');
  const spin = postJson(runtime.url, { fault: 'handle:spin' });
  await waitForQueueDepth(runtime.url, 1);
  assert.equal((await spin).status, 504);
  const answer = await probe.finish();
  assert.match(answer, /^HTTP\/1\.1 503 /);
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; reason: string } };
  assert.equal(body.error.code, 'NOT_READY');
  assert.equal(body.error.reason, 'restart-budget-exhausted');
  assert.equal(await runtime.exited, 1);
});
