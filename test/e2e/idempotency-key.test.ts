import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { forgeAndRelink, readLines, tempDir, writeLines } from '../support/chain-file.js';
import { fetchChain, getJson, postJson, startRuntime } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';
import { verifies } from '../support/verify.js';

const length = async (url: string) => (await getJson(`${url}/head`)).body.length as number;

/** An answer without its receipt: a repeat's receipt proves the same entry in a newer tree. */
function answer({ head, message, state }: { head: string; message: string; state: unknown }) {
  return { head, message, state };
}

test('a repeated Idempotency-Key gets the first answer and commits nothing; the key is in the message entry', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const first = await postJson(runtime.url, { n: 1 }, { 'idempotency-key': 'order-17' });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('idempotent-replayed'), null);
  assert.equal((await postJson(runtime.url, { n: 2 })).status, 200);
  const before = await length(runtime.url);

  const repeat = await postJson(runtime.url, { n: 1 }, { 'idempotency-key': 'order-17' });
  assert.equal(repeat.status, 200);
  assert.deepEqual(answer(repeat.body), answer(first.body), 'the same head, message and state as the first time');
  // A receipt too, for the same entry, in the tree as it is now.
  assert.deepEqual([repeat.body.receipt.index, repeat.body.receipt.hash], [first.body.receipt.index, first.body.receipt.hash]);
  assert.equal(repeat.headers.get('idempotent-replayed'), 'true');
  assert.equal(await length(runtime.url), before, 'nothing committed');

  const { entries } = await fetchChain(runtime.url);
  const keyed = entries.find((e) => e.hash === first.body.message)!;
  assert.deepEqual(keyed.data, { 'idempotency-key': 'order-17', message: { n: 1 } });
  assert.match(await (await fetch(`${runtime.url}/metrics`)).text(), /^actorchain_messages_total\{outcome="repeated"\} 1$/m);
});

test('repeats that arrive while the first is queued wait for it and get its answer', async (t) => {
  // The slow message counts for about a second; the bound on a call leaves room for a loaded machine.
  const runtime = await startInProcess(t, await buildFixture('faults'), { timeout: 60_000 });
  // A slow message ahead keeps the keyed ones queued.
  const slow = postJson(runtime.url, { x: 'handle:slow' });
  const replies = await Promise.all(Array.from({ length: 4 }, () => postJson(runtime.url, { i: 1 }, { 'idempotency-key': 'k' })));
  assert.equal((await slow).status, 200);
  for (const reply of replies) {
    assert.equal(reply.status, 200);
    assert.deepEqual(answer(reply.body), answer(replies[0]!.body));
  }
  assert.equal(replies.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 3);
  assert.equal(await length(runtime.url), 6, 'genesis, init, the slow pair and one keyed pair');
});

test('a key whose first attempt failed is applied normally the next time', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('faults'));
  const failed = await postJson(runtime.url, { x: 'handle:trap' }, { 'idempotency-key': 'retry-me' });
  assert.equal(failed.status, 500);
  assert.equal(failed.body.error.code, 'COMPONENT_TRAP');
  const retried = await postJson(runtime.url, { x: 'fine' }, { 'idempotency-key': 'retry-me' });
  assert.equal(retried.status, 200);
  assert.equal(retried.headers.get('idempotent-replayed'), null);
  assert.deepEqual(retried.body.state, { x: 'fine' });
  assert.equal(await length(runtime.url), 4);
});

test('keys are rebuilt when the chain is reopened, after a clean stop or kill -9', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  const stopped = await startInProcess(t, echo, { dataDir });
  const first = await postJson(stopped.url, { n: 1 }, { 'idempotency-key': 'a' });
  const second = await postJson(stopped.url, { n: 2 }, { 'idempotency-key': 'b' });
  await postJson(stopped.url, { n: 3 });
  await stopped.close();

  // Killed with -9: a process of its own.
  const killed = await startRuntime(t, echo, ['--data-dir', dataDir]);
  const again = await postJson(killed.url, { n: 1 }, { 'idempotency-key': 'a' });
  assert.deepEqual([again.status, answer(again.body)], [200, answer(first.body)]);
  killed.child.kill('SIGKILL');
  await killed.exited;

  const runtime = await startInProcess(t, echo, { dataDir });
  const afterKill = await postJson(runtime.url, { n: 2 }, { 'idempotency-key': 'b' });
  assert.deepEqual([afterKill.status, answer(afterKill.body)], [200, answer(second.body)]);
  assert.equal(await length(runtime.url), 8, 'no repeat was committed');
  await runtime.close();
  await verifies(dataDir, { component: echo });
});

/** POST with raw header lines, which fetch would merge or refuse. */
function postRaw(url: string, headers: Record<string, string | string[]>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end('{"n":1}');
  });
}

test('an invalid Idempotency-Key is refused with 400 INVALID_IDEMPOTENCY_KEY and commits nothing', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const invalid: Array<string | string[]> = ['', 'x'.repeat(256), 'caf\u00e9', 'tab\there', ['one', 'two']];
  for (const key of invalid) {
    const reply = await postRaw(runtime.url, { 'idempotency-key': key });
    assert.equal(reply.status, 400, JSON.stringify(key));
    assert.equal(reply.body.error.code, 'INVALID_IDEMPOTENCY_KEY');
  }
  assert.equal(await length(runtime.url), 2);
  const longest = await postRaw(runtime.url, { 'idempotency-key': '~'.repeat(255) });
  assert.equal(longest.status, 200);
});

test('verify and the runtime refuse a chain that records a key twice (CHAIN_CORRUPT)', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  const runtime = await startInProcess(t, echo, { dataDir });
  await postJson(runtime.url, { n: 1 }, { 'idempotency-key': 'once' });
  await postJson(runtime.url, { n: 2 }, { 'idempotency-key': 'twice' });
  await runtime.close();

  // The attacker's edit: line 5 records the key of line 3, every hash and link re-made.
  writeLines(dataDir, forgeAndRelink(readLines(dataDir), 4, { 'idempotency-key': 'once', message: { n: 2 } }));
  const corrupt = { code: 'CHAIN_CORRUPT', message: /^line 5 .*idempotency key "once", which line 3 already recorded/ };
  await assert.rejects(verifies(dataDir, { component: echo }), corrupt);
  await assert.rejects(startInProcess(t, echo, { dataDir }), corrupt);
});
