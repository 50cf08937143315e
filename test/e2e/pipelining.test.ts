/**
 * Pipelined messages and faults among them. The runtimes run in this process (createRuntime);
 * each chain is then checked by verify (its whole check, in process).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { chainProblems, fetchChain, postJson, waitForQueueDepth, type JsonResponse } from '../support/runtime.js';
import { verifies } from '../support/verify.js';

/*
 * Messages go to the worker as they arrive and are applied back to back while the main
 * thread commits the verdicts in order. Whatever happens in the middle of such a run (a
 * refusal, a trap, a timeout), the chain must be the one that applying them one at a time
 * gives: the refused ones leave no trace, the ones behind a fault are applied by the next
 * worker, in their order.
 */
test('a refusal, a trap and a timeout among messages queued in the worker: the chain is what one at a time gives', async (t) => {
  const component = await buildFixture('faults');
  const dataDir = tempDir(t);
  const runtime = await startInProcess(t, component, { dataDir, timeout: 6000, maxRestarts: 10 });
  const burst: Array<{ message: Record<string, unknown>; status: number; code?: string }> = [
    { message: { fault: 'handle:slow' }, status: 200 },
    { message: { n: 1 }, status: 200 },
    { message: { fault: 'message-contract:reject' }, status: 422, code: 'MESSAGE_REJECTED' },
    { message: { n: 2 }, status: 200 },
    { message: { fault: 'handle:trap' }, status: 500, code: 'COMPONENT_TRAP' },
    { message: { n: 3 }, status: 200 },
    { message: { fault: 'handle:spin' }, status: 504, code: 'COMPONENT_TIMEOUT' },
    { message: { n: 4 }, status: 200 },
  ];
  // Posted one by one while the first (about a second of work) runs, so they arrive in this order.
  const replies: Array<Promise<JsonResponse>> = [];
  for (const [i, { message }] of burst.entries()) {
    replies.push(postJson(runtime.url, message));
    await waitForQueueDepth(runtime.url, i + 1);
  }
  const answered = await Promise.all(replies);
  for (const [i, { message, status, code }] of burst.entries()) {
    const reply = answered[i]!;
    assert.equal(reply.status, status, `${JSON.stringify(message)}: ${JSON.stringify(reply.body)}`);
    if (code !== undefined) assert.equal(reply.body.error.code, code);
  }

  const { head, entries } = await fetchChain(runtime.url);
  assert.deepEqual(chainProblems(head, entries), []);
  const committed = burst.filter((b) => b.status === 200).map((b) => b.message);
  assert.deepEqual(
    entries
      .slice(2)
      .filter((_, i) => i % 2 === 0)
      .map((e) => e.data.message),
    committed,
    'the committed messages, once each, in arrival order',
  );
  for (const [i, reply] of answered.entries()) {
    if (reply.status !== 200) continue;
    const at = entries.findIndex((e) => e.hash === reply.body.message);
    assert.deepEqual(entries[at]!.data.message, burst[i]!.message, 'each reply names its own message entry');
    assert.equal(entries[at + 1]!.hash, reply.body.head);
  }
  await runtime.close();
  await verifies(dataDir, { component });
});

/*
 * The observer (componentize-js) reads clocks and random numbers and counts its calls in a
 * module-level variable: a message applied on an instance that ran a refused one would show
 * it, and `verify` (which replays on a fresh instance exactly where the chain says one began)
 * would diverge.
 */
test('a concurrent burst with refusals and a trap at a journaling actor replays exactly', async (t) => {
  const component = await buildFixture('observer');
  const dataDir = tempDir(t);
  const runtime = await startInProcess(t, component, { dataDir, maxRestarts: 10 });
  const messages = Array.from({ length: 40 }, (_, i) =>
    i % 10 === 3 ? { refuse: true, i } : i % 10 === 6 ? { 'reject-state': true, i } : i === 25 ? { trap: true, i } : { add: i },
  );
  const replies = await Promise.all(messages.map((m) => postJson(runtime.url, m)));
  const added = messages.filter((m): m is { add: number } => 'add' in m);
  for (const [i, reply] of replies.entries()) {
    const expected = 'add' in messages[i]! ? 200 : 'refuse' in messages[i]! ? 422 : 500;
    assert.equal(reply.status, expected, `${JSON.stringify(messages[i])}: ${JSON.stringify(reply.body)}`);
  }
  const { head, entries } = await fetchChain(runtime.url);
  assert.deepEqual(chainProblems(head, entries), []);
  assert.equal(entries.length, 2 + 2 * added.length);
  assert.equal(
    (entries.at(-1)!.data.state as { n: number }).n,
    added.reduce((sum, m) => sum + m.add, 0),
  );
  await runtime.close();
  assert.equal((await verifies(dataDir, { component })).entries, entries.length);
});
