import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { startInProcess } from '../support/in-process.js';
import { chainProblems, fetchChain, getJson, postJson, sha256 } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

test('a POSTed message is committed with its state and the chain checks out by hand', async (t) => {
  const component = await buildFixture('echo');
  const runtime = await startInProcess(t, component);

  const start = await getJson(`${runtime.url}/head`);
  assert.equal(start.body.length, 2, 'genesis and the init state');

  const reply = await postJson(runtime.url, { greeting: 'hello', n: [1, 2, 3] });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.body.state, { greeting: 'hello', n: [1, 2, 3] });
  assert.match(reply.body.head, /^[0-9a-f]{64}$/);

  const head = await getJson(`${runtime.url}/head`);
  assert.deepEqual(head.body, { head: reply.body.head, length: 4, durable: false });
  const state = await getJson(`${runtime.url}/state`);
  assert.deepEqual(state.body, { head: reply.body.head, state: { greeting: 'hello', n: [1, 2, 3] } });

  const { head: chainHead, entries } = await fetchChain(runtime.url);
  assert.deepEqual(chainProblems(chainHead, entries), []);
  const { key } = (await getJson(`${runtime.url}/identity`)).body as { key: string };
  assert.deepEqual(
    entries.map((e) => e.data),
    [
      { 'component-hash': sha256(await import('node:fs').then((fs) => fs.readFileSync(component))), key },
      { state: {} },
      { message: { greeting: 'hello', n: [1, 2, 3] } },
      { state: { greeting: 'hello', n: [1, 2, 3] } },
    ],
  );
  assert.equal(entries[2]!.hash, reply.body.message);

  // GET /chain/<hash> is the exact bytes that were hashed.
  for (const entry of entries) {
    const response = await fetch(`${runtime.url}/chain/${entry.hash}`);
    assert.equal(response.status, 200);
    assert.equal(sha256(new Uint8Array(await response.arrayBuffer())), entry.hash);
    // Named by its hash, an entry never changes: that is its ETag, and caches may keep it.
    assert.equal(response.headers.get('etag'), `"${entry.hash}"`);
    assert.match(response.headers.get('cache-control') ?? '', /immutable/);
    const again = await fetch(`${runtime.url}/chain/${entry.hash}`, {
      // (fetch itself would add Cache-Control: no-cache to a conditional request, which asks for the body.)
      headers: { 'If-None-Match': `"${entry.hash}"`, 'Cache-Control': 'max-age=0' },
    });
    assert.equal(again.status, 304);
  }
});

test('the component is given canonical JSON: key order and spacing in the body do not matter', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const reply = await postJson(runtime.url, '{ "b" : 2,\n "a" : 1 }');
  assert.equal(reply.status, 200);
  const response = await fetch(`${runtime.url}/chain/${reply.body.message}`);
  assert.equal(await response.text(), `{"data":{"message":{"a":1,"b":2}},"parent":"${(await fetchChain(runtime.url)).entries[1]!.hash}"}`);
});

test('a JavaScript actor that imports WASI (componentize-js default features) runs', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('counter'));
  const loaded = runtime.logs.find((l) => l.msg === 'component loaded');
  assert.ok((loaded?.wasi as number) > 0, 'the counter component imports WASI interfaces');

  assert.deepEqual((await getJson(`${runtime.url}/state`)).body.state, { count: 0 });
  for (const add of [1, 2, 3]) assert.equal((await postJson(runtime.url, { add })).status, 200);
  assert.deepEqual((await getJson(`${runtime.url}/state`)).body.state, { count: 6 });
  const { head, entries } = await fetchChain(runtime.url);
  assert.deepEqual(chainProblems(head, entries), []);
  // runtime.log reaches the log (its lines travel apart from the answers).
  await waitFor("the component's log line", () => runtime.logs.some((l) => l.source === 'component' && l.msg === 'add 3: count 3 -> 6'));
});
