/*
 * Two real runtimes on loopback (ledger actors, data dirs), one sending to the other, with
 * one side down or killed with -9 at the worst moments. In every case the target's state
 * must list each value sent exactly once, in the order sent, and both chains must verify.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { freePort, ledgerState, metric, startOnPort, startSender, waitFor } from '../support/outbox.js';
import { postJson, runCli, startRuntime, type Runtime } from '../support/runtime.js';
import { verifies } from '../support/verify.js';

/** Sends committed before a kill that must land in the middle of their delivery. */
const BACKLOG = 100;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** POST one message per value, each sending `{append: value}` to `to`; every one must be acknowledged. */
async function sendAll(sender: Runtime, to: string, values: readonly unknown[]): Promise<void> {
  for (const value of values) {
    const reply = await postJson(sender.url, { send: [{ to, message: { append: value } }] });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  }
}

async function waitForSeen(target: Runtime, count: number): Promise<unknown[]> {
  return waitFor(`${count} values at ${target.url}`, async () => {
    const { seen } = await ledgerState(target.url);
    return seen.length >= count ? seen : undefined;
  });
}

async function kill9(runtime: Runtime): Promise<void> {
  runtime.child.kill('SIGKILL');
  await runtime.exited;
}

async function assertVerifies(component: string, ...dataDirs: string[]): Promise<void> {
  for (const dir of dataDirs) await verifies(dir, { component });
}

test('targets down while sends are made: each send arrives once, in order, when they come up', async (t) => {
  const ledger = await buildFixture('ledger');
  const [portA, portB] = await Promise.all([freePort(), freePort()]);
  const [toA, toB] = [`http://127.0.0.1:${portA}/`, `http://127.0.0.1:${portB}/`];
  const [senderDir, dirA, dirB] = [tempDir(t), tempDir(t), tempDir(t)];
  const sender = await startSender(t, ledger, [toA, toB], ['--data-dir', senderDir]);
  for (const i of range(15)) {
    const reply = await postJson(sender.url, {
      send: [
        { to: toA, message: { append: i } },
        { to: toB, message: { append: 100 + i } },
      ],
    });
    assert.equal(reply.status, 200);
  }
  assert.equal(await metric(sender.url, 'actorchain_sends_pending'), 30);

  const [a, b] = await Promise.all([startOnPort(t, ledger, portA, ['--data-dir', dirA]), startOnPort(t, ledger, portB, ['--data-dir', dirB])]);
  assert.deepEqual(await waitForSeen(a, 15), range(15));
  assert.deepEqual(await waitForSeen(b, 15), range(15, 100));
  await waitFor('pending 0', async () => ((await metric(sender.url, 'actorchain_sends_pending')) === 0 ? true : undefined));
  assert.equal(await metric(sender.url, 'actorchain_sends_total{outcome="delivered"}'), 30);

  await Promise.all([sender.stop(), a.stop(), b.stop()]);
  const inspected = await runCli(['inspect', senderDir]);
  assert.equal(JSON.parse(inspected.stdout)['pending-sends'], 0);
  await assertVerifies(ledger, senderDir, dirA, dirB);
});

test('sender killed with -9 after acknowledging and before delivering: the sends are delivered after its restart', async (t) => {
  const ledger = await buildFixture('ledger');
  const port = await freePort();
  const to = `http://127.0.0.1:${port}/`;
  const [senderDir, targetDir] = [tempDir(t), tempDir(t)];
  let sender = await startSender(t, ledger, [to], ['--data-dir', senderDir]);
  await sendAll(sender, to, range(10));
  // The target is down, so nothing can have been delivered before the kill.
  await kill9(sender);

  const inspected = await runCli(['inspect', senderDir]);
  assert.equal(JSON.parse(inspected.stdout)['pending-sends'], 10);

  const target = await startOnPort(t, ledger, port, ['--data-dir', targetDir]);
  sender = await startSender(t, ledger, [to], ['--data-dir', senderDir]);
  assert.deepEqual(await waitForSeen(target, 10), range(10));
  await sendAll(sender, to, range(5, 10));
  assert.deepEqual(await waitForSeen(target, 15), range(15));

  await Promise.all([sender.stop(), target.stop()]);
  await assertVerifies(ledger, senderDir, targetDir);
});

test('sender killed with -9 in the middle of deliveries: after its restart each send is applied once', async (t) => {
  const ledger = await buildFixture('ledger');
  const [senderDir, targetDir] = [tempDir(t), tempDir(t)];
  const port = await freePort();
  const to = `http://127.0.0.1:${port}/`;
  // The target starts once the backlog is committed, so the kill lands mid-delivery.
  let sender = await startSender(t, ledger, [to], ['--data-dir', senderDir]);
  await sendAll(sender, to, range(BACKLOG));
  const target = await startOnPort(t, ledger, port, ['--data-dir', targetDir]);
  await waitForSeen(target, 10);
  await kill9(sender);
  const before = (await ledgerState(target.url)).seen.length;
  assert.ok(before < BACKLOG, `the kill came mid-delivery (${before} of ${BACKLOG} applied)`);

  sender = await startSender(t, ledger, [to], ['--data-dir', senderDir]);
  assert.deepEqual(await waitForSeen(target, BACKLOG), range(BACKLOG));
  await waitFor('pending 0', async () => ((await metric(sender.url, 'actorchain_sends_pending')) === 0 ? true : undefined));
  assert.deepEqual((await ledgerState(target.url)).seen, range(BACKLOG), 'no late duplicate');

  await Promise.all([sender.stop(), target.stop()]);
  await assertVerifies(ledger, senderDir, targetDir);
});

test('target killed with -9 in the middle of deliveries: after its restart each send is applied once, in order', async (t) => {
  const ledger = await buildFixture('ledger');
  const [senderDir, targetDir] = [tempDir(t), tempDir(t)];
  const port = await freePort();
  const to = `http://127.0.0.1:${port}/`;
  // The target starts once the backlog is committed, so the kill lands mid-delivery.
  const sender = await startSender(t, ledger, [to], ['--data-dir', senderDir]);
  await sendAll(sender, to, range(BACKLOG));
  let target = await startOnPort(t, ledger, port, ['--data-dir', targetDir]);
  await waitForSeen(target, 10);
  await kill9(target);

  target = await startOnPort(t, ledger, port, ['--data-dir', targetDir]);
  const recovered = (await ledgerState(target.url)).seen.length;
  assert.ok(recovered < BACKLOG, `the kill came mid-delivery (${recovered} of ${BACKLOG} applied)`);
  assert.deepEqual(await waitForSeen(target, BACKLOG), range(BACKLOG));
  await waitFor('pending 0', async () => ((await metric(sender.url, 'actorchain_sends_pending')) === 0 ? true : undefined));
  assert.deepEqual((await ledgerState(target.url)).seen, range(BACKLOG), 'no late duplicate');

  await Promise.all([sender.stop(), target.stop()]);
  await assertVerifies(ledger, senderDir, targetDir);
});

test('--in-memory: the outbox retries until the target comes up', async (t) => {
  const ledger = await buildFixture('ledger');
  const port = await freePort();
  const to = `http://127.0.0.1:${port}/`;
  const sender = await startSender(t, ledger, [to]);
  await sendAll(sender, to, range(3));
  const target = await startRuntime(t, ledger, ['--listen', `127.0.0.1:${port}`]);
  assert.deepEqual(await waitForSeen(target, 3), range(3));
});
