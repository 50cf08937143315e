/**
 * Issue 22, 1: a client that takes another sender's Idempotency-Key first must not have the
 * sender's (different) message answered as a repeat. A repeat must be the same message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { freePort, metric, waitFor } from '../support/outbox.js';
import { fetchChain, getJson, postJson } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

const length = async (url: string) => (await getJson(`${url}/head`)).body.length as number;

test('another message under a key already applied is refused with 422 IDEMPOTENCY_KEY_REUSED, before and after a restart', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  let runtime = await startInProcess(t, echo, { dataDir });
  const forged = await postJson(runtime.url, { append: 'pay mallory 100' }, { 'idempotency-key': 'k/0' });
  assert.equal(forged.status, 200);

  const meant = await postJson(runtime.url, { append: 'pay alice 100' }, { 'idempotency-key': 'k/0' });
  assert.equal(meant.status, 422);
  assert.equal(meant.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
  assert.equal(meant.headers.get('idempotent-replayed'), null);
  assert.equal(await length(runtime.url), 4, 'nothing committed');

  // The same message, written otherwise (same canonical JSON), is a repeat.
  const repeat = await postJson(runtime.url, '{ "append" : "pay mallory 100" }', { 'idempotency-key': 'k/0' });
  assert.deepEqual([repeat.status, repeat.body], [200, forged.body]);
  await runtime.close();

  // The key is rebuilt from the chain: still refused after a restart.
  runtime = await startInProcess(t, echo, { dataDir });
  const again = await postJson(runtime.url, { append: 'pay alice 100' }, { 'idempotency-key': 'k/0' });
  assert.deepEqual([again.status, again.body.error?.code], [422, 'IDEMPOTENCY_KEY_REUSED']);
  assert.equal(await length(runtime.url), 4);
  assert.match(await (await fetch(`${runtime.url}/metrics`)).text(), /^actorchain_messages_total\{outcome="IDEMPOTENCY_KEY_REUSED"\} 1$/m);
});

test('another message under a key whose first message is still queued is refused at once', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('faults'));
  // A slow message ahead keeps the keyed one queued.
  const slow = postJson(runtime.url, { x: 'handle:slow' });
  const first = postJson(runtime.url, { x: 'first' }, { 'idempotency-key': 'q' });
  const other = await postJson(runtime.url, { x: 'other' }, { 'idempotency-key': 'q' });
  assert.deepEqual([other.status, other.body.error?.code], [422, 'IDEMPOTENCY_KEY_REUSED']);
  assert.equal((await slow).status, 200);
  const applied = await first;
  assert.equal(applied.status, 200);
  assert.deepEqual(applied.body.state, { x: 'first' });
  assert.equal(await length(runtime.url), 6, 'genesis, init, the slow pair and the first keyed pair');
});

test("a third client that claims a sender's delivery key first does not make the send count as delivered", async (t) => {
  const counter = await buildFixture('counter');
  const port = await freePort();
  const target = `http://127.0.0.1:${port}/`;
  const sender = await startInProcess(t, counter, { allowSend: [new URL(target).origin] });
  const sent = await postJson(sender.url, { forward: { to: target, message: { add: 100 } } });
  assert.equal(sent.status, 200);
  // The key is public as soon as the entry is durable; the receiver is down for now.
  const key = `${sent.body.head}/0`;
  await waitFor('a failed attempt', async () => ((await metric(sender.url, 'actorchain_sends_total{outcome="retried"}')) >= 1 ? true : undefined));

  const receiver = await startInProcess(t, counter, { listen: `127.0.0.1:${port}` });
  const forged = await postJson(receiver.url, { add: 1 }, { 'idempotency-key': key });

  // Whichever came first, the second request under that key is refused, never answered as done.
  if (forged.status === 200) {
    await waitFor('the delivery refused', async () => ((await metric(sender.url, 'actorchain_sends_total{outcome="given-up"}')) === 1 ? true : undefined));
    assert.equal(await metric(sender.url, 'actorchain_sends_total{outcome="delivered"}'), 0);
    const refused = await waitFor('the give-up logged', () => sender.logs.find((l) => l.msg === 'send given up: the target refuses it for good'));
    assert.match(String(refused?.err), /422.*IDEMPOTENCY_KEY_REUSED/);
  } else {
    // The sender's delivery got there first (a race the attacker lost): the forgery is refused.
    assert.deepEqual([forged.status, forged.body.error?.code], [422, 'IDEMPOTENCY_KEY_REUSED']);
    await waitFor('the delivery recorded', async () => ((await metric(sender.url, 'actorchain_sends_total{outcome="delivered"}')) === 1 ? true : undefined));
  }
  const keyed = (await fetchChain(receiver.url)).entries.filter((e) => e.data['idempotency-key'] === key);
  assert.equal(keyed.length, 1, 'one message recorded under the key');
});
