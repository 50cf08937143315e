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
