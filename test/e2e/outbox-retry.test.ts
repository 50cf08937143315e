import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { metric, target, waitFor, startSenderInProcess } from '../support/outbox.js';
import { postJson } from '../support/runtime.js';

/** A sender whose allowSend lists the origins of `targets` (support/outbox.ts's startSender, in process). */

test('5xx, 408, 429 and no answer are retried with the same key and body until 2xx', async (t) => {
  const statuses = [500, 503, 408, 429, 200];
  const server = await target(t, (n) => statuses[n - 1] ?? 200);
  const sender = await startSenderInProcess(t, await buildFixture('ledger'), [server.url]);
  const reply = await postJson(sender.url, { send: [{ to: server.url, message: { append: 'x' } }] });
  assert.equal(reply.status, 200);

  await waitFor('the delivery', async () => ((await metric(sender.url, 'actorchain_sends_total{outcome="delivered"}')) === 1 ? true : undefined));
  assert.equal(server.received.length, 5);
  for (const { key, body } of server.received) {
    assert.equal(key, `${reply.body.head}/0`);
    assert.equal(body, '{"append":"x"}');
  }
  assert.equal(await metric(sender.url, 'actorchain_sends_total{outcome="retried"}'), 4);
  assert.equal(await metric(sender.url, 'actorchain_sends_total{outcome="given-up"}'), 0);
  assert.equal(await metric(sender.url, 'actorchain_sends_pending'), 0);
});

test('a 4xx other than 408 and 429 is given up at once: logged with target and entry, counted, not retried', async (t) => {
  // The target refuses the first request for good, and takes any after it.
  const server = await target(t, (n) => (n === 1 ? 400 : 200));
  const sender = await startSenderInProcess(t, await buildFixture('ledger'), [server.url]);
  const reply = await postJson(sender.url, { send: [{ to: server.url, message: { append: 1 } }] });
  assert.equal(reply.status, 200);

  const log = await waitFor('the give-up log line', async () => sender.logs.find((l) => l.msg === 'send given up: the target refuses it for good'));
  assert.equal(log.to, server.url);
  assert.equal(log.entry, reply.body.head);
  assert.equal(log.index, 0);
  // Sends to one target go in chain order: once a later send is delivered, the refused one
  // was not (and will not be) tried again.
  const later = await postJson(sender.url, { send: [{ to: server.url, message: { append: 2 } }] });
  await waitFor('the later delivery', async () => ((await metric(sender.url, 'actorchain_sends_total{outcome="delivered"}')) === 1 ? true : undefined));
  assert.deepEqual(
    server.received.map((r) => r.key),
    [`${reply.body.head}/0`, `${later.body.head}/0`],
    'not retried',
  );
  assert.equal(await metric(sender.url, 'actorchain_sends_total{outcome="given-up"}'), 1);
  assert.equal(await metric(sender.url, 'actorchain_sends_total{outcome="retried"}'), 0);
  assert.equal(await metric(sender.url, 'actorchain_sends_pending'), 0);
});

test('sends to one target go in chain order: a later send waits while an earlier one is retried', async (t) => {
  // Every delivery fails once before it is taken: any overtaking would show in the order taken.
  const tried = new Set<string>();
  const taken: string[] = [];
  const server = await target(t, (_n, req) => {
    const key = req.headers['idempotency-key'] as string;
    if (!tried.has(key)) {
      tried.add(key);
      return 503;
    }
    taken.push(key);
    return 200;
  });
  const other = await target(t, () => 200);
  const sender = await startSenderInProcess(t, await buildFixture('ledger'), [server.url, other.url]);
  const heads: string[] = [];
  for (let i = 0; i < 3; i++) {
    const sends = [0, 1].map((j) => ({ to: server.url, message: { append: `${i}.${j}` } }));
    const reply = await postJson(sender.url, { send: [...sends, { to: other.url, message: { append: i } }] });
    heads.push(reply.body.head);
  }
  await waitFor('every delivery', async () => (taken.length === 6 && other.received.length === 3 ? true : undefined));
  assert.deepEqual(
    taken,
    heads.flatMap((head) => [`${head}/0`, `${head}/1`]),
  );
  assert.deepEqual(
    other.received.map((r) => r.key),
    heads.map((head) => `${head}/2`),
    'the other target was not held up by the first one',
  );
});

test('a redirect is not followed: the delivery is retried at the URL the chain names', async (t) => {
  const elsewhere = await target(t, () => 200);
  const server = await target(t, (_n, _req, res) => {
    res.setHeader('location', elsewhere.url);
    return 307;
  });
  const sender = await startSenderInProcess(t, await buildFixture('ledger'), [server.url]);
  assert.equal((await postJson(sender.url, { send: [{ to: server.url, message: { append: 1 } }] })).status, 200);
  await waitFor('a retry', async () => (server.received.length >= 2 ? true : undefined));
  assert.equal(elsewhere.received.length, 0);
  assert.equal(await metric(sender.url, 'actorchain_sends_pending'), 1);
});
