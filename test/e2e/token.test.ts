import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { getJson, postJson, startRuntime } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

const SECRET = 's3cret-token';

test('without --token, POST / is open', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  assert.equal((await postJson(runtime.url, { a: 1 })).status, 200);
});

test('with --token, POST / needs the bearer token: missing or wrong is 401 with WWW-Authenticate, and commits nothing', async (t) => {
  const runtime = await startRuntime(t, await buildFixture('echo'), ['--token', SECRET]);
  const before = (await getJson(`${runtime.url}/head`)).body;
  for (const authorization of [undefined, 'Bearer wrong', `Bearer ${SECRET}x`, `Basic ${SECRET}`, `Bearer ${SECRET.slice(0, -1)}`, 'Bearer']) {
    const reply = await postJson(runtime.url, { a: 1 }, authorization === undefined ? {} : { authorization });
    assert.equal(reply.status, 401, String(authorization));
    assert.equal(reply.body.error.code, 'UNAUTHORIZED');
    assert.equal(reply.headers.get('www-authenticate'), 'Bearer');
  }
  assert.deepEqual((await getJson(`${runtime.url}/head`)).body, before);

  const ok = await postJson(runtime.url, { a: 1 }, { authorization: `Bearer ${SECRET}` });
  assert.equal(ok.status, 200);
  assert.equal((await postJson(runtime.url, { a: 2 }, { authorization: `bearer ${SECRET}` })).status, 200, 'the scheme is case-insensitive');

  // Reads stay open so that others can verify.
  for (const path of ['/head', '/state', '/chain', `/chain/${ok.body.head}`, '/metrics', '/healthz', '/readyz']) {
    assert.equal((await fetch(`${runtime.url}${path}`)).status, 200, path);
  }
});

test('ACTORCHAIN_TOKEN sets the token, and --token-reads closes the GET routes too (not the probes)', async (t) => {
  const runtime = await startRuntime(t, await buildFixture('echo'), ['--token-reads'], { env: { ACTORCHAIN_TOKEN: SECRET } });
  assert.equal((await postJson(runtime.url, { a: 1 })).status, 401);
  const reply = await postJson(runtime.url, { a: 1 }, { authorization: `Bearer ${SECRET}` });
  assert.equal(reply.status, 200);
  for (const path of ['/head', '/state', '/chain', `/chain/${reply.body.head}`, '/metrics']) {
    const closed = await fetch(`${runtime.url}${path}`);
    assert.equal(closed.status, 401, path);
    assert.equal(closed.headers.get('www-authenticate'), 'Bearer');
    const opened = await fetch(`${runtime.url}${path}`, { headers: { authorization: `Bearer ${SECRET}` } });
    assert.equal(opened.status, 200, path);
  }
  for (const path of ['/healthz', '/readyz']) assert.equal((await fetch(`${runtime.url}${path}`)).status, 200, path);
});
