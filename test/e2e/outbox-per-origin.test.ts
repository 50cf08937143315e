/**
 * Issue 22, 3: an actor that builds the URL path from its input must not open a connection
 * per path. The outbox queues and connects per origin, in chain order, with a bound on the
 * deliveries in flight in all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { MAX_DELIVERIES_IN_FLIGHT } from '../../src/outbox/outbox.js';
import { hangingTarget, metric, target, waitFor, startSenderInProcess } from '../support/outbox.js';
import { postJson } from '../support/runtime.js';

/** A sender whose allowSend lists the origins of `targets` (support/outbox.ts's startSender, in process). */

/** --send-timeout for the hanging origins: long enough for every first attempt to connect on a loaded machine, and 7 s shorter than the default. */
const ATTEMPT_MS = 3_000;

const delivered = (url: string, n: number) => async () => ((await metric(url, 'actorchain_sends_total{outcome="delivered"}')) >= n ? true : undefined);

test('sends to many paths of one hanging origin hold one connection, and other origins are not held up', async (t) => {
  const hanging = await hangingTarget(t);
  const healthy = await target(t, () => 200);
  const sender = await startSenderInProcess(t, await buildFixture('ledger'), [hanging.url, healthy.url]);
  const paths = Array.from({ length: 40 }, (_, i) => ({ to: `${hanging.url}/inbox/${i}`, message: { append: i } }));
  assert.equal((await postJson(sender.url, { send: paths })).status, 200);
  assert.equal((await postJson(sender.url, { send: [{ to: healthy.url, message: { append: 'other' } }] })).status, 200);

  // Committed after the 40: by the time it is delivered, per-URL queues would have opened 40 connections.
  await waitFor('the other origin delivered', delivered(sender.url, 1));
  assert.equal(hanging.connections(), 1);
  assert.equal(await metric(sender.url, 'actorchain_sends_pending'), 40);
});

test('sends to several paths of one origin go in chain order: a later path waits while an earlier send is retried', async (t) => {
  const tried = new Set<string>();
  const server = await target(t, (_n, req) => {
    const key = req.headers['idempotency-key'] as string;
    if (tried.has(key)) return 200;
    tried.add(key);
    return 503;
  });
  const sender = await startSenderInProcess(t, await buildFixture('ledger'), [server.url]);
  const sends = ['a', 'b', 'a', 'c', 'b'].map((path, i) => ({ to: `${server.url}${path}`, message: { append: i } }));
  const reply = await postJson(sender.url, { send: sends });
  await waitFor('every delivery', delivered(sender.url, 5));
  const taken = server.received.filter((r, i, all) => all.findIndex((o) => o.key === r.key) !== i);
  assert.deepEqual(
    taken.map((r) => [r.path, r.key]),
    sends.map((send, i) => [new URL(send.to).pathname, `${reply.body.head}/${i}`]),
  );
  // Each attempt waited for the one before: every failure came right before its own success.
  assert.deepEqual(
    server.received.map((r) => r.key),
    sends.flatMap((_, i) => [`${reply.body.head}/${i}`, `${reply.body.head}/${i}`]),
  );
});

test(`deliveries to more origins than ${MAX_DELIVERIES_IN_FLIGHT} hold at most ${MAX_DELIVERIES_IN_FLIGHT} connections`, async (t) => {
  const origins = await Promise.all(Array.from({ length: MAX_DELIVERIES_IN_FLIGHT + 44 }, () => hangingTarget(t)));
  const sender = await startSenderInProcess(
    t,
    await buildFixture('ledger'),
    origins.map((o) => o.url),
    { sendTimeout: ATTEMPT_MS },
  );
  const reply = await postJson(sender.url, { send: origins.map((o, i) => ({ to: `${o.url}/`, message: { append: i } })) });
  assert.equal(reply.status, 200);
  const connected = () => origins.reduce((sum, o) => sum + o.connections(), 0);
  await waitFor('the first attempts', async () => (connected() >= MAX_DELIVERIES_IN_FLIGHT ? true : undefined));
  // Until an attempt ends (its --send-timeout), no other origin is connected to: counted as the
  // first end is read, before any connection made after it.
  let atFirstEnd = 0;
  await Promise.race(origins.map((o) => o.onFirstEnd.then(() => (atFirstEnd = connected()))));
  assert.equal(atFirstEnd, MAX_DELIVERIES_IN_FLIGHT);
  // Then the origins left waiting get their turn.
  await waitFor('every origin tried', async () => (origins.every((o) => o.connections() > 0) ? true : undefined));
  // The attempts that ended were cut by --send-timeout, and are retried.
  await waitFor('a retry logged', async () => (sender.logs.some((l) => l.msg === 'send not delivered yet: will retry') ? true : undefined));
  const retried = sender.logs.find((l) => l.msg === 'send not delivered yet: will retry')!;
  assert.equal(retried.err, `no answer within ${ATTEMPT_MS} ms`);
});
