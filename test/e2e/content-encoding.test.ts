import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { startInProcess } from '../support/in-process.js';
import { fetchChain, getJson } from '../support/runtime.js';

async function post(url: string, body: Uint8Array, encoding: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
    body: new Uint8Array(body),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
}

test('gzip, deflate and br bodies are decoded, and the message committed is the decoded JSON', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const encoders = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync, identity: (b: Buffer) => b };
  for (const [encoding, encode] of Object.entries(encoders)) {
    const reply = await post(runtime.url, encode(Buffer.from(JSON.stringify({ encoding }))), encoding);
    assert.equal(reply.status, 200, encoding);
  }
  const messages = (await fetchChain(runtime.url)).entries.filter((e) => 'message' in e.data).map((e) => e.data.message);
  assert.deepEqual(
    messages,
    Object.keys(encoders).map((encoding) => ({ encoding })),
  );
});

test('--max-body applies to the decoded body: a compression bomb is refused with 413', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'), { maxBody: 65536 });
  const bomb = gzipSync(Buffer.from(`{"pad":"${'0'.repeat(50 * 2 ** 20)}"}`));
  assert.ok(bomb.length < 65536, `the bomb is ${bomb.length} bytes on the wire`);
  const reply = await post(runtime.url, bomb, 'gzip');
  assert.equal(reply.status, 413);
  assert.equal(reply.body.error!.code, 'BODY_TOO_LARGE');
  assert.match(reply.body.error!.message, /decoded from gzip/);
  assert.equal((await getJson(`${runtime.url}/head`)).body.length, 2);
});

test('a body that is not what its encoding claims is a 400 about the body; an unknown encoding is 415', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const json = Buffer.from('{"a":1}');
  const whole = gzipSync(Buffer.from(JSON.stringify({ pad: randomBytes(2000).toString('hex') })));
  const truncated = whole.subarray(0, whole.length / 2);
  for (const [body, encoding] of [
    [json, 'gzip'],
    [json, 'deflate'],
    [json, 'br'],
    [truncated, 'gzip'],
  ] as const) {
    const reply = await post(runtime.url, body, encoding);
    assert.equal(reply.status, 400, encoding);
    assert.equal(reply.body.error!.code, 'INVALID_CONTENT_ENCODING', encoding);
    assert.match(reply.body.error!.message, new RegExp(`not valid ${encoding} data`));
  }
  for (const encoding of ['compress', 'zstd', 'gzip, br']) {
    const reply = await post(runtime.url, json, encoding);
    assert.equal(reply.status, 415, encoding);
    assert.equal(reply.body.error!.code, 'UNSUPPORTED_MEDIA_TYPE');
  }
  assert.equal((await getJson(`${runtime.url}/head`)).body.length, 2, 'nothing committed');
});
