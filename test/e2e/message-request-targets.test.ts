import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { startInProcess } from '../support/in-process.js';

/** One raw request (any request target, as a client may send it), its status, headers and body. */
function send(url: string, target: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: 'POST', path: target, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('POST / is answered alike whatever form its request target takes, and counted once each', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'), { token: 's3cret' });
  const auth = { 'Content-Type': 'application/json', Authorization: 'Bearer s3cret' };
  const { host } = new URL(runtime.url);

  // The path alone, with a query, and the absolute form (RFC 9112 §3.2.2), which a proxy may send.
  const targets = ['/', '/?from=test', `http://${host}/`];
  for (const [i, target] of targets.entries()) {
    const reply = await send(runtime.url, target, auth, JSON.stringify({ i }));
    assert.equal(reply.status, 200, `${target}: ${JSON.stringify(reply.body)}`);
    assert.deepEqual(reply.body.state, { i });
    assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(typeof reply.body.receipt.checkpoint, 'string');
  }

  // Refused the same way from each: no token, then a body that is not JSON.
  for (const target of targets) {
    const unauthorized = await send(runtime.url, target, { 'Content-Type': 'application/json' }, '{}');
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.body.error.code, 'UNAUTHORIZED');
    assert.match(unauthorized.body.error.message, /^POST \/ needs Authorization: Bearer <token>/);
    assert.equal(unauthorized.headers['www-authenticate'], 'Bearer');
    const notJson = await send(runtime.url, target, auth, '{"a":');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error.code, 'INVALID_JSON');
    assert.equal(notJson.headers['content-type'], 'application/json; charset=utf-8');
  }

  const head = await (await fetch(`${runtime.url}/head`)).json();
  assert.equal(head.length, 2 + 2 * targets.length, 'one message and one state a 200, nothing for a refusal');
  const metrics = await (await fetch(`${runtime.url}/metrics`, { headers: { Authorization: 'Bearer s3cret' } })).text();
  const count = (status: number) => Number(new RegExp(`^actorchain_http_requests_total\\{method="POST",route="/",status="${status}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
  assert.equal(count(200), 3);
  assert.equal(count(401), 3);
  assert.equal(count(400), 3);
});
