import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeEchoChain } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson } from '../support/runtime.js';

// Long enough for a checkpoint (10,000 entries), so the start below checks no line one by one.
const PAIRS = 6000;

test('lines covered by a checkpoint still count: their idempotency keys are refused again, their sends are still owed', async (t) => {
  // Every 1000th message carries a key, and its state records a send (as a runtime would).
  const { component, dataDir } = await writeEchoChain(t, PAIRS, (n) => {
    const keyed = n % 1000 === 7;
    return { message: `{"n":${n}}`, key: keyed ? `key-${n}` : undefined, sends: keyed ? [{ to: 'http://127.0.0.1:9/', message: { n } }] : [] };
  });

  const runtime = await startInProcess(t, component, { dataDir, allowSend: ['http://127.0.0.1:9'] });
  const resumed = runtime.logs.find((l) => String(l.msg).startsWith('chain resumed'))!;
  assert.equal(resumed.linesChecked, 0, 'the whole chain came from the checkpoint');
  const owed = runtime.logs.find((l) => String(l.msg).startsWith('sends committed before the restart'));
  assert.equal(owed?.sends, 6, 'the six sends in the checkpointed prefix are owed (no deliveries.ndjson)');

  const before = (await getJson(`${runtime.url}/head`)).body;
  const repeat = await postJson(runtime.url, { n: 3007 }, { 'idempotency-key': 'key-3007' });
  assert.equal(repeat.status, 200);
  assert.equal(repeat.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(repeat.body.state, { n: 3007 });
  assert.deepEqual((await getJson(`${runtime.url}/head`)).body, before, 'nothing was committed');
  assert.equal((await postJson(runtime.url, { n: 'new' }, { 'idempotency-key': 'key-new' })).status, 200);
  assert.equal((await getJson(`${runtime.url}/head`)).body.length, before.length + 2);
});
