import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { postJson, startRuntime } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

test('GET /metrics times every fsync and counts HTTP requests by route and status', async (t) => {
  const runtime = await startRuntime(t, await buildFixture('echo'), ['--data-dir', tempDir(t)]);
  for (let i = 0; i < 3; i++) assert.equal((await postJson(runtime.url, { i })).status, 200);
  assert.equal((await postJson(runtime.url, '[1]')).status, 400);
  assert.equal((await fetch(`${runtime.url}/chain/${'0'.repeat(64)}`)).status, 404);
  assert.equal((await fetch(`${runtime.url}/nowhere`)).status, 404);

  const text = await (await fetch(`${runtime.url}/metrics`)).text();
  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
  // Genesis and init, then one sync per message (sequential POSTs share none).
  assert.ok(value('actorchain_fsync_duration_seconds_count') >= 4, 'every sync is timed');
  assert.ok(value('actorchain_fsync_duration_seconds_sum') > 0);
  assert.equal(value('actorchain_http_requests_total{method="POST",route="/",status="200"}'), 3);
  assert.equal(value('actorchain_http_requests_total{method="POST",route="/",status="400"}'), 1);
  assert.equal(value('actorchain_http_requests_total{method="GET",route="/chain/:hash",status="404"}'), 1);
  assert.equal(value('actorchain_http_requests_total{method="GET",route="unmatched",status="404"}'), 1);
  // Each 200 carried a receipt from a checkpoint signed for its group commit: one each here, none without a sync.
  const signed = value('actorchain_checkpoints_signed_total');
  assert.ok(signed >= 3 && signed <= value('actorchain_fsync_duration_seconds_count'), `${signed} checkpoints signed`);
});

test('--in-memory syncs nothing: the fsync histogram stays empty', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  assert.equal((await postJson(runtime.url, { a: 1 })).status, 200);
  const text = await (await fetch(`${runtime.url}/metrics`)).text();
  assert.match(text, /^actorchain_fsync_duration_seconds_count 0$/m);
  assert.match(text, /^actorchain_checkpoints_signed_total [1-9]\d*$/m, "the answer's receipt was signed all the same");
});
