import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChainIndex } from '../../src/chain/chain-index.js';
import { sha256 } from '../support/runtime.js';

test('the index finds every hash across chunk boundaries and table growth, and nothing else', () => {
  const index = new ChainIndex();
  const count = 150_000; // more than two chunks of 65,536
  const hashes = Array.from({ length: count }, (_, i) => sha256(String(i)));
  hashes.forEach((hash, i) => index.add(hash, i * 100));
  assert.equal(index.length, count);
  for (let i = 0; i < count; i++) {
    assert.equal(index.positionOf(hashes[i]!), i);
    assert.equal(index.hashAt(i), hashes[i]);
    assert.equal(index.offsetAt(i), i * 100);
  }
  assert.equal(index.positionOf(sha256('not added')), undefined);
  assert.equal(index.positionOf('not a hash'), undefined);
  // 32 bytes of hash and 8 of offset per entry, at most one chunk not yet filled, 8-16 bytes of table slots.
  assert.ok(index.memoryBytes <= count * (40 + 16) + 65_536 * 40, `${index.memoryBytes} bytes`);
});

test('hashes recorded many at once (a checkpoint read at a start) are kept without a copy, and entries added after them are found too', () => {
  const count = 70_000; // past two chunks of 32,768 hashes: the last view is short
  const hashes = Array.from({ length: count + 40_000 }, (_, i) => sha256(`entry ${i}`));
  const raw = Buffer.from(hashes.slice(0, count).join(''), 'hex');
  const offsets = Float64Array.from({ length: count }, (_, i) => i * 100);
  for (const [name, index] of [
    ['an empty index', new ChainIndex()],
    ['an index holding one entry', new ChainIndex()],
  ] as const) {
    const first = name === 'an empty index' ? 0 : 1;
    if (first === 1) index.add(hashes[0]!, 0);
    index.addMany(raw.subarray(first * 32), offsets.subarray(first));
    for (let i = count; i < hashes.length; i++) index.add(hashes[i]!, i * 100);
    assert.equal(index.length, hashes.length, name);
    for (let i = 0; i < hashes.length; i++) {
      assert.equal(index.hashAt(i), hashes[i], `${name}: hash ${i}`);
      assert.equal(index.positionOf(hashes[i]!), i, `${name}: position of ${i}`);
      assert.equal(index.offsetAt(i), i * 100, `${name}: offset ${i}`);
    }
  }
  // The empty index kept the buffer it was given (no copy): what the caller gave up, it sees.
  const kept = new ChainIndex();
  const given = Buffer.from(raw);
  kept.addMany(given, offsets);
  given[32] ^= 0xff;
  assert.notEqual(kept.hashAt(1), hashes[1]);
  assert.equal(kept.hashAt(0), hashes[0]);
});
