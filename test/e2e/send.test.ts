import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { fetchChain, getJson, postJson, startRuntime } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';
import { waitFor } from '../support/wait.js';

test('a send is recorded in the state entry and delivered to another runtime after commit', async (t) => {
  const counter = await buildFixture('counter');
  const receiver = await startInProcess(t, counter);
  const sender = await startRuntime(t, counter, ['--allow-send', receiver.url]);

  const reply = await postJson(sender.url, { forward: { to: receiver.url, message: { add: 7 } } });
  assert.equal(reply.status, 200);
  const { entries } = await fetchChain(sender.url);
  const { state: recorded, sends } = entries.at(-1)!.data;
  assert.deepEqual({ state: recorded, sends }, { state: { count: 0, forwarded: 1 }, sends: [{ to: receiver.url, message: { add: 7 } }] });

  const state = await waitFor('the delivery', async () => {
    const now = (await getJson(`${receiver.url}/state`)).body.state;
    return now.count === 7 && now;
  });
  assert.deepEqual(state, { count: 7 });
  const received = await fetchChain(receiver.url);
  assert.deepEqual(received.entries[2]!.data, { 'idempotency-key': `${reply.body.head}/0`, message: { add: 7 } });
});

test('a send whose delivery fails is logged with its target and entry, and the runtime carries on', async (t) => {
  const sender = await startRuntime(t, await buildFixture('counter'), ['--allow-send', 'http://127.0.0.1:9']);
  const reply = await postJson(sender.url, { forward: { to: 'http://127.0.0.1:9/', message: { add: 1 } } });
  assert.equal(reply.status, 200);
  const retrying = 'send not delivered yet: will retry';
  const failure = await waitFor('the retry log line', () => sender.logs.find((l) => l.msg === retrying));
  assert.equal(failure?.to, 'http://127.0.0.1:9/');
  assert.equal(failure?.entry, reply.body.head);
  assert.equal((await postJson(sender.url, { add: 1 })).status, 200);
});
