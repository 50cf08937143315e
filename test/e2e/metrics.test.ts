import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { postJson } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

test('GET /metrics counts messages by outcome, restarts by cause, and the chain', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('faults'));
  assert.equal((await postJson(runtime.url, { ok: 1 })).status, 200);
  assert.equal((await postJson(runtime.url, { fault: 'message-contract:reject' })).status, 422);
  assert.equal((await postJson(runtime.url, { fault: 'handle:trap' })).status, 500);
  assert.equal((await postJson(runtime.url, { ok: 2 })).status, 200);

  const response = await fetch(`${runtime.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/plain/);
  const text = await response.text();
  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.equal(value('actorchain_messages_total{outcome="committed"}'), 2);
  assert.equal(value('actorchain_messages_total{outcome="MESSAGE_REJECTED"}'), 1);
  assert.equal(value('actorchain_messages_total{outcome="COMPONENT_TRAP"}'), 1);
  assert.equal(value('actorchain_restarts_total{cause="COMPONENT_TRAP"}'), 1);
  assert.equal(value('actorchain_chain_entries'), 6);
  assert.equal(value('actorchain_queue_depth'), 0);
  assert.equal(value('actorchain_message_duration_seconds_count'), 4);
});
