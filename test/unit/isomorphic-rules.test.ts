/**
 * The runtime and the explorer's page run one canonical serializer and one entry-kind rule
 * (src/isomorphic/): the page's copies are the same compiled modules, byte for byte, and the
 * npm `canonicalize` package is the oracle both answer to.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import canonicalize from 'canonicalize';
import { entryKind as runtimeKind } from '../../src/chain/entry.js';
import { canonicalJson as runtimeCanonical } from '../../src/json/canonical.js';
import { canonicalJson as pageCanonical } from '../../src/explorer/page/canonical-json.js';
import { entryKind as pageKind } from '../../src/explorer/page/entry-check.js';
import { verifierKey } from '../../src/tlog/keys.js';

for (const name of ['canonical-json.js', 'entry-kind.js']) {
  test(`the page is served the runtime's own ${name}`, () => {
    const runtime = readFileSync(new URL(`../../src/isomorphic/${name}`, import.meta.url));
    assert.deepEqual(readFileSync(new URL(`../../src/explorer/page/${name}`, import.meta.url)), runtime);
    assert.doesNotMatch(runtime.toString(), /from ['"]node:|require\(/, 'a browser can load it');
  });
}

test('the one serializer answers as canonicalize does, and goes deeper than recursion can', () => {
  const values: unknown[] = [
    { b: [1, undefined, 'x'], a: { d: undefined, c: -0 }, '\u20ac': 1e21 },
    [{ '\ud83d\ude00': 1, '\ue000': 2 }, 5e-324, 2 ** 53 + 2, null, true],
    'line\nbreak\u2028',
  ];
  for (const value of values) {
    assert.equal(runtimeCanonical(value), canonicalize(value));
    assert.equal(pageCanonical(value), canonicalize(value));
  }
  for (const bad of [NaN, Infinity, '\ud800', { '\udc00': 1 }]) {
    assert.throws(() => canonicalize(bad));
    assert.throws(() => runtimeCanonical(bad), TypeError);
  }
  assert.throws(() => runtimeCanonical(undefined), TypeError, 'canonicalize answers undefined: no text');
  const deep = JSON.parse(`${'['.repeat(50_000)}${']'.repeat(50_000)}`) as unknown;
  assert.equal(runtimeCanonical(deep).length, 100_000);
});

test('the runtime and the page name the kinds of entry data alike', () => {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'jwk' }).x!;
  const sender = verifierKey('sender.example', Buffer.from(raw, 'base64url'));
  const hash = 'a'.repeat(64);
  const cases: [unknown, string | undefined][] = [
    [{ 'component-hash': hash }, 'genesis'],
    [{ 'component-hash': hash, key: 'k' }, 'genesis'],
    [{ state: 1 }, 'state'],
    [{ state: null, sends: [], journal: [['new']] }, 'state'],
    [{ state: 1, journal: [] }, undefined],
    [{ state: 1, extra: true }, undefined],
    [{ message: {} }, 'message'],
    [{ message: [] }, undefined],
    [{ message: {}, 'idempotency-key': 'order-17' }, 'message'],
    [{ message: {}, 'idempotency-key': '' }, undefined],
    [{ message: {}, 'idempotency-key': 'k', sender }, 'message'],
    [{ message: {}, 'idempotency-key': 'k', sender: 'not a key' }, undefined],
    [{ upgrade: { 'component-hash': hash } }, 'upgrade'],
    [{ upgrade: { 'component-hash': 'A'.repeat(64) } }, undefined],
    [[], undefined],
  ];
  for (const [data, kind] of cases) {
    assert.equal(runtimeKind(data), kind, JSON.stringify(data));
    // The page shows data that fits no kind as the kind whose required members it holds.
    const shown = pageKind({ hash, parent: hash, data: data as Record<string, unknown> });
    if (kind !== undefined) assert.equal(shown, kind, JSON.stringify(data));
  }
});
