import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { allowedOrigin, sendAllowed } from '../../src/actor/send-policy.js';
import { getJson, postJson, startRuntime } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';
import { waitFor } from '../support/wait.js';

test('origins are compared after URL normalization: scheme, host and port, default ports folded', () => {
  assert.equal(allowedOrigin('HTTP://Peer.Example:80'), 'http://peer.example');
  assert.equal(allowedOrigin('https://peer:443/'), 'https://peer');
  assert.equal(allowedOrigin('http://[::1]:8080'), 'http://[::1]:8080');
  for (const bad of ['peer:8080', 'ftp://peer', 'http://peer/path', 'http://user:pw@peer', 'http://peer/?q', 'file:///etc/passwd']) {
    assert.throws(() => allowedOrigin(bad), { code: 'INVALID_OPTION' }, bad);
  }
  const allowed = [allowedOrigin('http://peer:8080'), allowedOrigin('https://other')];
  assert.ok(sendAllowed('http://PEER:8080/some/path?x=1', allowed));
  assert.ok(sendAllowed('https://other:443/', allowed));
  assert.ok(!sendAllowed('http://peer:8081/', allowed), 'another port');
  assert.ok(!sendAllowed('https://peer:8080/', allowed), 'another scheme');
  assert.ok(!sendAllowed('http://other/', allowed));
  assert.ok(!sendAllowed('http://peer:8080@evil/', allowed), 'credentials do not fool it');
  assert.ok(!sendAllowed('not a url', allowed));
  assert.ok(!sendAllowed('file:///etc/passwd', allowed));
});

test('by default a send fails the message with 403 SEND_NOT_ALLOWED: nothing committed, nothing delivered', async (t) => {
  const counter = await buildFixture('counter');
  const receiver = await startInProcess(t, counter);
  const sender = await startInProcess(t, counter);
  const before = (await getJson(`${sender.url}/head`)).body;
  const reply = await postJson(sender.url, { forward: { to: `${receiver.url}/`, message: { add: 1 } } });
  assert.equal(reply.status, 403);
  assert.equal(reply.body.error.code, 'SEND_NOT_ALLOWED');
  assert.match(reply.body.error.message, new RegExp(`--allow-send ${receiver.url.replace(/[.]/g, '\\.')}`));
  assert.deepEqual((await getJson(`${sender.url}/head`)).body, before);
  // Nothing was committed, so nothing is owed: the outbox holds no send that could reach the receiver later.
  const metrics = await (await fetch(`${sender.url}/metrics`)).text();
  assert.match(metrics, /^actorchain_sends_total\{outcome="not-allowed"\} 1$/m);
  assert.match(metrics, /^actorchain_sends_pending 0$/m);
  assert.equal((await getJson(`${receiver.url}/head`)).body.length, 2, 'the receiver got nothing');
  // The actor still works.
  assert.equal((await postJson(sender.url, { add: 1 })).status, 200);
});

test('ACTORCHAIN_ALLOW_SEND lists origins, comma-separated; a send to another port of an allowed host is refused', async (t) => {
  const counter = await buildFixture('counter');
  const receiver = await startInProcess(t, counter);
  const port = Number(new URL(receiver.url).port);
  const env = { ACTORCHAIN_ALLOW_SEND: `http://example.invalid,HTTP://127.0.0.1:${port}/` };
  const sender = await startRuntime(t, counter, [], { env });
  const elsewhere = await postJson(sender.url, { forward: { to: `http://127.0.0.1:${port + 1}/`, message: { add: 1 } } });
  assert.equal(elsewhere.status, 403);
  const reply = await postJson(sender.url, { forward: { to: `${receiver.url}/`, message: { add: 5 } } });
  assert.equal(reply.status, 200);
  const state = await waitFor('the delivery', async () => {
    const now = (await getJson(`${receiver.url}/state`)).body.state;
    return now.count === 5 && now;
  });
  assert.deepEqual(state, { count: 5 });
  assert.match(await (await fetch(`${sender.url}/metrics`)).text(), /^actorchain_sends_total\{outcome="delivered"\} 1$/m);
});
