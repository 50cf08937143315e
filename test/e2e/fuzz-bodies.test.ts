/**
 * A few thousand mutated bodies against a running runtime: every answer is a 200 or a 4xx
 * with an error code, the runtime stays up, and exactly the 200s are in the chain, each
 * message as it was sent. The mutations are seeded (the seed is in the test name) so a
 * failure can be replayed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import canonicalize from 'canonicalize';
import { buildFixture } from '../../fixtures/build.js';
import { hasStopped, startInProcess } from '../support/in-process.js';
import { chainProblems, fetchChain } from '../support/runtime.js';

const SEED = 0x5eed10;
const BODIES = 3000;
const CONCURRENCY = 16;
const MAX_BODY = 2048;

/** mulberry32: a small, good-enough seeded generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  '{"a":1}',
  '{"nested":{"x":[1,2,{"y":"z"}]},"s":"h\\u00e9llo \\u2603"}',
  '{"n":-0,"m":1e308,"f":0.1,"i":-12345678901234567890}',
  '{"":null,"t":true,"f":false,"list":[[],{},""]}',
  '{"emoji":"\\ud83d\\ude00","raw":"日本語","esc":"\\"\\\\\\/\\b\\f\\n\\r\\t"}',
  '{ "spaced" : [ 1 , 2 ] ,\n "tab"\t: {"deep":{"deeper":{"deepest":[null]}}} }',
];

/** Bytes that matter to a JSON parser, and some that break UTF-8. */
const INTERESTING = [...'{}[]",:\\0123456789.eE+-tfnul \n\t'].map((c) => c.charCodeAt(0)).concat([0x00, 0x80, 0xc3, 0xe2, 0xed, 0xf0, 0xff]);

function mutate(next: () => number, seed: Uint8Array): Uint8Array<ArrayBuffer> {
  let bytes = [...seed];
  const at = () => Math.floor(next() * (bytes.length + 1));
  const rounds = 1 + Math.floor(next() * 4);
  for (let i = 0; i < rounds; i++) {
    switch (Math.floor(next() * 7)) {
      case 0: // replace a byte
        if (bytes.length > 0) bytes[Math.min(at(), bytes.length - 1)] = INTERESTING[Math.floor(next() * INTERESTING.length)]!;
        break;
      case 1: // insert a byte
        bytes.splice(at(), 0, INTERESTING[Math.floor(next() * INTERESTING.length)]!);
        break;
      case 2: {
        // delete a run
        const from = at();
        bytes.splice(from, 1 + Math.floor(next() * 8));
        break;
      }
      case 3: {
        // repeat a slice (sometimes past --max-body)
        const from = at();
        const slice = bytes.slice(from, from + 1 + Math.floor(next() * 40));
        const times = next() < 0.05 ? 200 : 1 + Math.floor(next() * 3);
        bytes.splice(at(), 0, ...Array.from({ length: times }, () => slice).flat());
        break;
      }
      case 4: // truncate
        bytes = bytes.slice(0, at());
        break;
      case 5: {
        // repeat a member name right after the opening brace
        const member = [...Buffer.from('"a":0,')];
        const brace = bytes.indexOf(0x7b);
        if (brace !== -1) bytes.splice(brace + 1, 0, ...member, ...member);
        break;
      }
      default:
        // leave it (a valid seed goes through as it is)
        break;
    }
  }
  return Uint8Array.from(bytes);
}

test(`${BODIES} mutated bodies (seed ${SEED}): only 200 or 4xx, the runtime stays up, exactly the 200s are committed`, async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'), { maxBody: MAX_BODY });
  const next = random(SEED);
  const bodies = Array.from({ length: BODIES }, () => mutate(next, Buffer.from(SEEDS[Math.floor(next() * SEEDS.length)]!)));

  const accepted = new Map<string, Uint8Array<ArrayBuffer>>(); // message entry hash -> the body sent
  const statuses = new Map<number, number>();
  let cursor = 0;
  const worker = async () => {
    while (cursor < bodies.length) {
      const body = bodies[cursor++]!;
      const response = await fetch(runtime.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const reply = (await response.json()) as { message?: string; error?: { code: string } };
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const shown = Buffer.from(body).toString('latin1').slice(0, 200);
      if (response.status === 200) accepted.set(reply.message!, body);
      else {
        assert.ok(response.status >= 400 && response.status < 500, `${response.status} for ${JSON.stringify(shown)}`);
        assert.match(reply.error?.code ?? '', /^[A-Z_]+$/, shown);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.ok(accepted.size > 100 && accepted.size < BODIES - 100, 'the mutations make both good and bad bodies');

  assert.equal(await hasStopped(runtime), false, 'the runtime is still running');
  assert.equal((await fetch(`${runtime.url}/healthz`)).status, 200);
  const { head, entries } = await fetchChain(runtime.url);
  assert.deepEqual(chainProblems(head, entries), []);
  assert.equal(entries.length, 2 + 2 * accepted.size);
  const messages = entries.filter((e) => 'message' in e.data);
  assert.deepEqual(new Set(messages.map((e) => e.hash)), new Set(accepted.keys()));
  for (const entry of messages) {
    const sent = JSON.parse(Buffer.from(accepted.get(entry.hash)!).toString('utf8')) as unknown;
    assert.equal(canonicalize(entry.data.message), canonicalize(sent), 'the committed message is the body sent');
  }
});
