/**
 * --max-memory is enforced by rewriting the maxima of the memories a core module defines. A
 * cached transpile keeps them padded to five bytes (padMemoryMaxima) so that each load lowers
 * them where they lie (limitMemoryInPlace) instead of copying a 12 MB module: the two must
 * give the same limits as the copying rewrite, checked here by growing real instances.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from '@bytecodealliance/jco';
import { limitMemory, limitMemoryInPlace, padMemoryMaxima } from '../../src/component/memory-limit.js';
import { ActorchainError } from '../../src/errors.js';

const module = async (memory: string) => Uint8Array.from(await parse(`(module ${memory} (export "memory" (memory 0)))`));

/** How many pages the exported memory can grow to, found by growing a real instance page by page. */
async function reachablePages(bytes: Uint8Array): Promise<number> {
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>);
  const memory = instance.exports.memory as WebAssembly.Memory;
  for (;;) {
    try {
      memory.grow(1);
    } catch {
      return memory.buffer.byteLength / 65536;
    }
    if (memory.buffer.byteLength / 65536 > 64) return Infinity;
  }
}

test('a padded module limited in place reaches exactly the pages the copying rewrite allows', async () => {
  for (const [memory, declared, limit, expected] of [
    ['(memory 1)', undefined, 4, 4],
    ['(memory 2 10)', 10, 4, 4],
    ['(memory 2 3)', 3, 8, 3],
    ['(memory 0)', undefined, 0, 0],
  ] as const) {
    const original = await module(memory);
    const copied = limitMemory(original, limit);
    const padded = padMemoryMaxima(original);
    // A maximum of five bytes where there was none (flags, min, max), or one byte that became five.
    assert.equal(padded.length, original.length + (declared === undefined ? 5 : 4), memory);
    assert.equal(await reachablePages(padded), declared ?? Infinity, `${memory}: padding limits nothing new`);
    assert.equal(limitMemoryInPlace(padded, limit), true, memory);
    assert.equal(await reachablePages(copied), expected, `${memory}, copied`);
    assert.equal(await reachablePages(padded), expected, `${memory}, in place`);
    // Limiting again (a second load of the same cached bytes would start from the padded form; the
    // lowered maximum stays padded, so it can be lowered again but not raised past it).
    assert.equal(limitMemoryInPlace(padded, limit + 1), true);
    assert.equal(await reachablePages(padded), expected);
  }
});

test('a module whose memories are not padded is left untouched, and one too big for the limit is refused either way', async () => {
  const original = await module('(memory 1 2)');
  const before = Buffer.from(original);
  assert.equal(limitMemoryInPlace(original, 8), false);
  assert.deepEqual(Buffer.from(original), before);
  const unlimited = await module('(memory 1)');
  assert.equal(limitMemoryInPlace(unlimited, 8), false);

  const big = padMemoryMaxima(await module('(memory 20)'));
  const refused = (err: unknown) => err instanceof ActorchainError && err.code === 'MEMORY_LIMIT_TOO_LOW' && /at least 2 MiB/.test(err.message);
  assert.throws(() => limitMemoryInPlace(big, 16), refused);
  assert.throws(() => limitMemory(big, 16), refused);
});

test('a module without a memory section (it imports its memory) needs nothing', async () => {
  const importing = Uint8Array.from(await parse('(module (import "env" "memory" (memory 1)))'));
  assert.equal(padMemoryMaxima(importing), importing);
  assert.equal(limitMemoryInPlace(importing, 1), true);
});
