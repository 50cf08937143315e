import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { startInProcess } from '../support/in-process.js';
import { fetchChain, postJson } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

test('string and list<u8> components give the same chain apart from the component hash', async (t) => {
  const messages = [{ a: 1 }, { text: 'naïve ✓ 𝄞' }, { nested: { list: [true, null, 1.5] } }];
  const chains = [];
  for (const fixture of ['echo', 'echo-bytes'] as const) {
    const runtime = await startInProcess(t, await buildFixture(fixture));
    assert.equal(runtime.logs.find((l) => l.msg === 'component loaded')?.encoding, fixture === 'echo' ? 'string' : 'bytes');
    for (const message of messages) {
      const reply = await postJson(runtime.url, message);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body.state, message);
    }
    chains.push((await fetchChain(runtime.url)).entries.slice(1).map((e) => e.data));
  }
  assert.deepEqual(chains[0], chains[1]);
});

test('a component built against a versioned package (ntwk:simple-actor@0.1.0) is accepted', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo-versioned'));
  const reply = await postJson(runtime.url, { v: 1 });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.body.state, { v: 1 });
  // The component's log line travels apart from the reply (the worker's data port, then the log).
  const logged = () => runtime.logs.some((l) => l.source === 'component' && l.msg === 'handled');
  await waitFor("the component's log line", logged);
  assert.ok(logged(), 'its versioned runtime import is served');
});
