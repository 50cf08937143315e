/**
 * GET /chain?after=<head>&wait=<s>: held until an entry is committed (answered at once
 * then), or until the wait ends (an empty last page); never holding up a shutdown. The
 * runtimes run in this process (createRuntime).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson } from '../support/runtime.js';

test('GET /chain?wait= answers as soon as an entry is committed, and with an empty page when the wait ends', async (t) => {
  const echo = await buildFixture('echo');
  const runtime = await startInProcess(t, echo, { dataDir: tempDir(t) });
  const { head } = (await getJson(`${runtime.url}/head`)).body;

  // Nothing follows HEAD: the request is held for the whole second (a bound a timer cannot
  // miss), then ends the chain.
  const started = performance.now();
  const empty = await getJson(`${runtime.url}/chain?after=${head}&wait=1`);
  const heldMs = performance.now() - started;
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.body, { head, entries: [], next: null });
  assert.ok(heldMs >= 950, `held ${heldMs} ms for wait=1`);

  /** Which of two requests is answered first. */
  const first = (a: Promise<unknown>, b: Promise<unknown>) => Promise.race([a.then(() => 'a'), b.then(() => 'b')]);

  // A message committed while the request waits is answered at once, not at the end of the
  // wait: before a 1 s poll asked after the commit (nothing follows the new HEAD) ends.
  const polled = getJson(`${runtime.url}/chain?after=${head}&wait=30`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const posted = await postJson(runtime.url, { n: 1 });
  assert.equal(posted.status, 200);
  const oneSecond = getJson(`${runtime.url}/chain?after=${posted.body.head}&wait=1`);
  assert.equal(await first(polled, oneSecond), 'a', 'answered when the entry was committed, not when the 30 s wait ended');
  const page = await polled;
  assert.equal(page.status, 200);
  assert.deepEqual(
    page.body.entries.map((e: { hash: string }) => e.hash),
    [posted.body.message, posted.body.head],
  );
  assert.equal(page.body.next, null);
  assert.deepEqual((await oneSecond).body.entries, []);

  // Something already follows `after`: no waiting at all (answered before a 1 s poll asked
  // at the same time). No `wait`: today's answer.
  const following = getJson(`${runtime.url}/chain?after=${head}&wait=30`);
  const another = getJson(`${runtime.url}/chain?after=${posted.body.head}&wait=1`);
  assert.equal(await first(following, another), 'a');
  assert.equal((await following).body.entries.length, 2);
  await another;
  assert.deepEqual((await getJson(`${runtime.url}/chain?after=${posted.body.head}`)).body.entries, []);

  for (const wait of ['61', '-1', '1.5', 'soon', '']) {
    const refused = await getJson(`${runtime.url}/chain?after=${head}&wait=${wait}`);
    assert.equal(refused.status, 400, `wait=${wait}`);
    assert.equal(refused.body.error.code, 'INVALID_QUERY');
    assert.match(refused.body.error.message, /wait must be an integer number of seconds from 0 to 60/);
  }
});

test('a waiting GET /chain does not hold up shutdown: it is answered 503 and the runtime stops at once, as closed (exit code 0)', async (t) => {
  const echo = await buildFixture('echo');
  const runtime = await startInProcess(t, echo, { dataDir: tempDir(t) });
  const { head } = (await getJson(`${runtime.url}/head`)).body;
  // Neither a client that went away (its socket closed) nor one still waiting holds the shutdown up.
  const { port } = new URL(runtime.url);
  const abandoned = connect(Number(port), '127.0.0.1');
  abandoned.end(`GET /chain?after=${head}&wait=60 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  const waiting = getJson(`${runtime.url}/chain?after=${head}&wait=60`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  abandoned.destroy();

  // Answered 503 by the runtime (a request still held when the 2 s grace ran out would be
  // cut off without an answer), and the runtime stops as closed (`actorchain run` exits 0).
  await runtime.close();
  assert.deepEqual(await runtime.stopped, { exitCode: 0 });
  const answer = await waiting;
  assert.equal(answer.status, 503);
  assert.equal(answer.body.error.code, 'ACTOR_UNAVAILABLE');
});
