/**
 * Issue 22, 2: sends owed at start-up are checked against the current --allow-send. Those it
 * does not allow stay owed (held, counted, logged once per origin) and go out only once a
 * start allows their origin again. The sender runs in this process (the API); `actorchain inspect`
 * reads its data dir between starts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { freePort, metric, target, waitFor, startSenderInProcess } from '../support/outbox.js';
import { postJson, runCli } from '../support/runtime.js';

/** A sender on `dataDir` whose allowSend lists the origins of `targets` (support/outbox.ts's startSender, in process). */

const HELD_LOG = /^sends owed to .*, which --allow-send does not list, are held/;

test('sends owed to an origin no longer allowed are held, not delivered, until a start allows it again', async (t) => {
  const ledger = await buildFixture('ledger');
  const dataDir = tempDir(t);
  const [portA, portB] = [await freePort(), await freePort()];
  const [toA, toB] = [`http://127.0.0.1:${portA}/`, `http://127.0.0.1:${portB}/`];
  // Both targets are down while the sends are committed, so all three are owed at the restart.
  let sender = await startSenderInProcess(t, ledger, [toA, toB], { dataDir });
  const heads: string[] = [];
  for (const send of [
    { to: `${toA}x`, message: { append: 1 } },
    { to: `${toA}y`, message: { append: 2 } },
    { to: toB, message: { append: 3 } },
  ]) {
    const reply = await postJson(sender.url, { send: [send] });
    assert.equal(reply.status, 200);
    heads.push(reply.body.head);
  }
  await sender.close();
  const a = await target(t, () => 200, portA);
  const b = await target(t, () => 200, portB);

  // Restarted with A no longer allowed: B's send goes out, A's two are held.
  sender = await startSenderInProcess(t, ledger, [toB], { dataDir });
  await waitFor('B delivered', async () => ((await metric(sender.url, 'actorchain_sends_total{outcome="delivered"}')) === 1 ? true : undefined));
  assert.deepEqual(
    b.received.map((r) => r.key),
    [`${heads[2]}/0`],
  );
  assert.equal(a.received.length, 0, 'nothing went to the origin no longer allowed');
  assert.equal(await metric(sender.url, 'actorchain_sends_held'), 2);
  assert.equal(await metric(sender.url, 'actorchain_sends_pending'), 0);
  await waitFor('the held sends logged', () => sender.logs.some((l) => HELD_LOG.test(String(l.msg))));
  const held = sender.logs.filter((l) => HELD_LOG.test(String(l.msg)));
  assert.deepEqual(
    held.map((l) => [l.origin, l.sends]),
    [[`http://127.0.0.1:${portA}`, 2]],
    'logged once for the origin',
  );
  await sender.close();
  assert.equal(JSON.parse((await runCli(['inspect', dataDir])).stdout)['pending-sends'], 2, 'still owed');

  // With no --allow-send at all (the attack run's restart), nothing goes out and all stay owed.
  sender = await startSenderInProcess(t, ledger, [], { dataDir });
  assert.equal(await metric(sender.url, 'actorchain_sends_held'), 2);
  await sender.close();

  // Allowed again: A's sends go out, in chain order.
  sender = await startSenderInProcess(t, ledger, [toA, toB], { dataDir });
  await waitFor('A delivered', async () => ((await metric(sender.url, 'actorchain_sends_total{outcome="delivered"}')) === 2 ? true : undefined));
  assert.deepEqual(
    a.received.map((r) => [r.path, r.key]),
    [
      ['/x', `${heads[0]}/0`],
      ['/y', `${heads[1]}/0`],
    ],
  );
  assert.equal(b.received.length, 1, 'B not delivered twice');
  assert.equal(await metric(sender.url, 'actorchain_sends_held'), 0);
  assert.equal(sender.logs.filter((l) => HELD_LOG.test(String(l.msg))).length, 0);
  await sender.close();
  assert.equal(JSON.parse((await runCli(['inspect', dataDir])).stdout)['pending-sends'], 0);
});
