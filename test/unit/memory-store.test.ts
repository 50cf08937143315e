/**
 * The in-memory store keeps its entries in chunks of 65,536: what it answers across a chunk's
 * end must be what one array and one map answered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/chain/memory-store.js';

test('an in-memory store past its first chunk answers by position and by hash, reads across chunk ends, and gives the head', async () => {
  const store = new MemoryStore();
  assert.equal(store.head, null);
  assert.equal(store.indexOf('x'), undefined);
  const COUNT = 140_000;
  const hash = (i: number) => `h${i}`;
  const text = (i: number) => `{"n":${i}}`;
  for (let i = 0; i < COUNT; i += 2)
    await store.append([
      { hash: hash(i), text: text(i) },
      { hash: hash(i + 1), text: text(i + 1) },
    ]);
  assert.equal(store.length, COUNT);
  assert.equal(store.head, hash(COUNT - 1));
  for (const i of [0, 1, 65_535, 65_536, 65_537, 131_071, 131_072, COUNT - 1]) {
    assert.equal(store.hashAt(i), hash(i), `hashAt(${i})`);
    assert.equal(store.indexOf(hash(i)), i, `indexOf(${hash(i)})`);
    assert.equal((await store.readEntry(i)).toString(), text(i));
  }
  assert.equal(store.indexOf('h-1'), undefined);
  // A read across two chunk ends, whole and stopped by bytes (each entry counted with its newline).
  const across = await store.read(65_530, 131_080);
  assert.equal(across.length, 131_080 - 65_530);
  assert.deepEqual([across[0], across[6], across.at(-1)], [text(65_530), text(65_536), text(131_079)]);
  const bytes = text(65_534).length + 1 + text(65_535).length + 1 + text(65_536).length + 1;
  assert.deepEqual(await store.read(65_534, 65_540, bytes), [text(65_534), text(65_535), text(65_536)]);
  assert.deepEqual(await store.read(65_534, 65_540, 1), [text(65_534)], 'always one entry');
});
