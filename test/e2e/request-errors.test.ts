import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { startInProcess } from '../support/in-process.js';
import { getJson } from '../support/runtime.js';

/** Every bad request is answered with its status and code, and HEAD does not move. */
const cases: Array<{ name: string; body: string | Uint8Array<ArrayBuffer>; type?: string; status: number; code: string }> = [
  { name: 'not JSON', body: '{"a":', status: 400, code: 'INVALID_JSON' },
  { name: 'empty body', body: '', status: 400, code: 'INVALID_JSON' },
  { name: 'invalid UTF-8', body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), status: 400, code: 'INVALID_JSON' },
  { name: 'an array', body: '[1,2]', status: 400, code: 'MESSAGE_NOT_OBJECT' },
  { name: 'a string', body: '"hi"', status: 400, code: 'MESSAGE_NOT_OBJECT' },
  { name: 'null', body: 'null', status: 400, code: 'MESSAGE_NOT_OBJECT' },
  { name: 'a number out of range', body: '{"n":1e400}', status: 400, code: 'MESSAGE_NOT_CANONICALIZABLE' },
  { name: 'nesting too deep', body: `{"a":${'['.repeat(20000)}${']'.repeat(20000)}}`, status: 400, code: 'MESSAGE_NOT_CANONICALIZABLE' },
  { name: 'text/plain', body: '{"a":1}', type: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'no content type', body: '{"a":1}', type: '', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'over --max-body', body: JSON.stringify({ pad: 'x'.repeat(70_000) }), status: 413, code: 'BODY_TOO_LARGE' },
];

test('bad requests get a stable code and leave the chain as it was', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'), { maxBody: 65536 });
  const before = (await getJson(`${runtime.url}/head`)).body;
  for (const c of cases) {
    const headers: Record<string, string> = {};
    if (c.type !== '') headers['content-type'] = c.type ?? 'application/json';
    const response = await fetch(runtime.url, { method: 'POST', headers, body: c.body });
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(response.status, c.status, c.name);
    assert.equal(body.error.code, c.code, c.name);
    assert.ok(body.error.message.length > 10, `${c.name}: the message says what to do`);
  }
  assert.deepEqual((await getJson(`${runtime.url}/head`)).body, before);
  // The runtime is still healthy.
  const ok = await fetch(runtime.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"fine":true}' });
  assert.equal(ok.status, 200);
});

test('reading endpoints check their arguments', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const unknown = 'a'.repeat(64);
  const expectations: Array<[string, number, string]> = [
    [`/chain/${unknown}`, 404, 'NOT_FOUND'],
    ['/chain/not-a-hash', 400, 'INVALID_HASH'],
    [`/chain/${'A'.repeat(64)}`, 400, 'INVALID_HASH'],
    [`/chain?after=${unknown}`, 404, 'NOT_FOUND'],
    ['/chain?after=xyz', 400, 'INVALID_HASH'],
    ['/chain?limit=0', 400, 'INVALID_QUERY'],
    ['/chain?limit=abc', 400, 'INVALID_QUERY'],
    ['/nowhere', 404, 'NOT_FOUND'],
  ];
  for (const [path, status, code] of expectations) {
    const response = await getJson(`${runtime.url}${path}`);
    assert.equal(response.status, status, path);
    assert.equal(response.body.error.code, code, path);
  }
});

test('GET /chain pages through the chain with after and limit', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  for (let i = 0; i < 5; i++) {
    await fetch(runtime.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i }) });
  }
  const all = (await getJson(`${runtime.url}/chain`)).body;
  assert.equal(all.entries.length, 12);
  assert.equal(all.next, null);
  const seen: string[] = [];
  let after: string | null = null;
  do {
    const page: { entries: Array<{ hash: string }>; next: string | null } = (await getJson(`${runtime.url}/chain?limit=5${after ? `&after=${after}` : ''}`)).body;
    assert.ok(page.entries.length <= 5);
    seen.push(...page.entries.map((e) => e.hash));
    after = page.next;
  } while (after);
  assert.deepEqual(
    seen,
    all.entries.map((e: { hash: string }) => e.hash),
  );
  const tail = (await getJson(`${runtime.url}/chain?after=${all.entries[9].hash}`)).body;
  assert.deepEqual(
    tail.entries.map((e: { hash: string }) => e.hash),
    seen.slice(10),
  );
});

test('other methods get 405 with Allow; malformed paths and non-UTF-8 charsets are refused', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  for (const [method, path, allow] of [
    ['GET', '/', 'POST'],
    ['DELETE', '/', 'POST'],
    ['POST', '/head', 'GET, HEAD'],
    ['PUT', `/chain/${'a'.repeat(64)}`, 'GET, HEAD'],
  ] as const) {
    const response = await fetch(`${runtime.url}${path}`, { method });
    assert.equal(response.status, 405, `${method} ${path}`);
    assert.equal(response.headers.get('allow'), allow);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED');
  }
  const malformed = await getJson(`${runtime.url}/chain/%zz`);
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.code, 'INVALID_PATH');
  const utf16 = await fetch(runtime.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-16' },
    body: '{"a":1}',
  });
  assert.equal(utf16.status, 415);
  const utf8 = await fetch(runtime.url, { method: 'POST', headers: { 'content-type': 'application/json; charset=UTF-8' }, body: '{"a":1}' });
  assert.equal(utf8.status, 200);
});

test('an empty POST / as curl sends it (-X POST, no -d: no Content-Length, no body) is 400 INVALID_JSON', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const { hostname, port } = new URL(runtime.url);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.end(`POST / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (d: Buffer) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 400 /);
  assert.match(raw, /"code":"INVALID_JSON"/);
  assert.match(raw, /empty body/);
});
