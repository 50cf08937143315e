/**
 * The explorer's own RFC 8785 canonicalization (the browser has no library to lean on) gives
 * the RFC's vectors byte for byte, and with WebCrypto names real entries as the runtime does.
 * The page's module is run here in Node, as it is.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import canonicalize from 'canonicalize';
import { buildFixture } from '../../fixtures/build.js';
import { canonicalJson } from '../../src/explorer/page/canonical-json.js';
import { checkEntries, entryHash } from '../../src/explorer/page/entry-check.js';
import { fetchChain, postJson } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

const root = new URL('../../../fixtures/jcs/', import.meta.url);

for (const name of readdirSync(new URL('input/', root))) {
  test(`the explorer canonicalizes RFC 8785 vector ${name} byte for byte`, () => {
    const input: unknown = JSON.parse(readFileSync(new URL(`input/${name}`, root), 'utf8'));
    const expected = readFileSync(new URL(`output/${name}`, root));
    assert.deepEqual(Buffer.from(canonicalJson(input), 'utf8'), expected);
  });
}

test('the explorer agrees with the canonicalize package on awkward values', () => {
  const values: unknown[] = [
    { '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, ö: 4, a: [-0, 1e21, 1e-7, 5e-324, 0.1 + 0.2, 2 ** 53 + 2] },
    ['\u0000\u001f\u007f', 'line\nbreak', { '': null }],
    { nested: { deeper: { z: true, y: false, x: [[], {}] } } },
  ];
  for (const value of values) assert.equal(canonicalJson(value), canonicalize(value));
  assert.throws(() => canonicalJson({ n: Infinity }), TypeError);
  assert.throws(() => canonicalJson(['\ud800']), TypeError, 'a lone surrogate, as canonicalize refuses it');
  assert.throws(() => canonicalJson({ '\udc00x': 1 }), TypeError);
});

test('the explorer names real entries as the runtime does, and refuses a broken link or content', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  assert.equal((await postJson(runtime.url, { ünïcode: '\u2028', n: 1.5e300, list: [3, 2, 1] })).status, 200);
  const { entries } = await fetchChain(runtime.url);
  for (const entry of entries) assert.equal(await entryHash(entry), entry.hash);
  assert.deepEqual(await checkEntries(entries, null), [true, true, true, true]);

  const tampered = entries.map((entry, i) => (i === 2 ? { ...entry, data: { message: { n: 2 } } } : entry));
  assert.deepEqual(await checkEntries(tampered, null), [true, true, false, true]);
  assert.deepEqual(await checkEntries(entries.slice(2), entries[0]!.hash), [false, true], 'the first must follow the entry named before it');
  assert.deepEqual(await checkEntries(entries.slice(2), entries[1]!.hash), [true, true]);
});

test('the explorer checks entries nested 3,000 levels deep (and deeper) that the runtime accepts', async (t) => {
  const runtime = await startInProcess(t, await buildFixture('echo'));
  const depth = 3000;
  const deep = `{"deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)},"list":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  assert.equal((await postJson(runtime.url, deep)).status, 200, 'the runtime accepts it');
  const { entries } = await fetchChain(runtime.url);
  assert.deepEqual(await checkEntries(entries, null), [true, true, true, true], 'every entry passes, as verify and sha256sum agree');
  // Deeper than the runtime's own canonicalizer goes: the page has no depth limit of its own.
  const deeper = JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`) as unknown;
  assert.equal(canonicalJson(deeper).length, 40_000);
});
