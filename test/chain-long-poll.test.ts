/**
 * GET /chain?after=<head>&wait=<s>: held until an entry is committed (answered at once
 * then), or until the wait ends (an empty last page); never holding up a shutdown.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { buildFixture } from '../fixtures/build.js';
import { tempDir } from './support/chain-file.js';
import { getJson, postJson, startRuntime } from './support/runtime.js';

test('GET /chain?wait= answers as soon as an entry is committed, and with an empty page when the wait ends', async (t) => {
  const echo = await buildFixture('echo');
  const runtime = await startRuntime(t, echo, ['--data-dir', tempDir(t)]);
  const { head } = (await getJson(`${runtime.url}/head`)).body;

  // Nothing follows HEAD: the request is held for the whole second, then ends the chain.
  let started = performance.now();
  const empty = await getJson(`${runtime.url}/chain?after=${head}&wait=1`);
  const heldMs = performance.now() - started;
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.body, { head, entries: [], next: null });
  assert.ok(heldMs >= 950 && heldMs < 5000, `held ${heldMs} ms for wait=1`);

  // A message committed while the request waits is answered at once, not at the end of the wait.
  started = performance.now();
  const polled = getJson(`${runtime.url}/chain?after=${head}&wait=30`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const posted = await postJson(runtime.url, { n: 1 });
  assert.equal(posted.status, 200);
  const page = await polled;
  const answeredMs = performance.now() - started;
  assert.equal(page.status, 200);
  assert.deepEqual(
    page.body.entries.map((e: { hash: string }) => e.hash),
    [posted.body.message, posted.body.head],
  );
  assert.equal(page.body.next, null);
  assert.ok(answeredMs < 10_000, `answered after ${answeredMs} ms, long before the 30 s wait`);

  // Something already follows `after`: no waiting at all. No `wait`: today's answer.
  started = performance.now();
  assert.equal((await getJson(`${runtime.url}/chain?after=${head}&wait=30`)).body.entries.length, 2);
  assert.ok(performance.now() - started < 5000);
  assert.deepEqual((await getJson(`${runtime.url}/chain?after=${posted.body.head}`)).body.entries, []);

  for (const wait of ['61', '-1', '1.5', 'soon', '']) {
    const refused = await getJson(`${runtime.url}/chain?after=${head}&wait=${wait}`);
    assert.equal(refused.status, 400, `wait=${wait}`);
    assert.equal(refused.body.error.code, 'INVALID_QUERY');
    assert.match(refused.body.error.message, /wait must be an integer number of seconds from 0 to 60/);
  }
});

test('a waiting GET /chain does not hold up shutdown: it is answered 503 and the runtime exits 0 at once', async (t) => {
  const echo = await buildFixture('echo');
  const runtime = await startRuntime(t, echo, ['--data-dir', tempDir(t)]);
  const { head } = (await getJson(`${runtime.url}/head`)).body;
  // Neither a client that went away (its socket closed) nor one still waiting holds the shutdown up.
  const { port } = new URL(runtime.url);
  const abandoned = connect(Number(port), '127.0.0.1');
  abandoned.end(`GET /chain?after=${head}&wait=60 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  const waiting = getJson(`${runtime.url}/chain?after=${head}&wait=60`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  abandoned.destroy();

  const started = performance.now();
  assert.equal(await runtime.stop(), 0);
  const stoppedMs = performance.now() - started;
  const answer = await waiting;
  assert.equal(answer.status, 503);
  assert.equal(answer.body.error.code, 'ACTOR_UNAVAILABLE');
  assert.ok(stoppedMs < 1900, `stopped in ${stoppedMs} ms, within the 2 s grace and far from the 60 s wait`);
});
