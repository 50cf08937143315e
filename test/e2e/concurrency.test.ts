import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { chainProblems, fetchChain, postJson } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

test('50 concurrent POSTs are all applied, one at a time, in one line of history', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('counter'));
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => postJson(runtime.url, { add: i + 1 })));
  assert.deepEqual(
    replies.map((r) => r.status),
    Array(50).fill(200),
  );

  const { head, entries } = await fetchChain(runtime.url);
  assert.deepEqual(chainProblems(head, entries), []);
  assert.equal(entries.length, 2 + 2 * 50);
  assert.deepEqual(entries.at(-1)!.data.state, { count: (50 * 51) / 2 });

  // Each reply names its own pair, and every message appears exactly once.
  const messages = entries.filter((e) => 'message' in e.data).map((e) => (e.data.message as { add: number }).add);
  assert.deepEqual(
    [...messages].sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  const byHash = new Map(entries.map((e, i) => [e.hash, i]));
  for (const reply of replies) {
    const at = byHash.get(reply.body.message)!;
    assert.equal(entries[at + 1]!.hash, reply.body.head, 'the state entry follows its message');
    assert.deepEqual(entries[at + 1]!.data.state, reply.body.state);
  }
});
