/**
 * The byte deltas compact storage keeps a state as (src/chain/delta.ts): every delta rebuilds
 * its target exactly, and a state changed in a few places costs about its change, whether
 * the change keeps the length (a balance moved), shifts the text (a number that gains a
 * digit, an account added or removed) or replaces a hash.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';
import { applyDelta, applyDeltaToPieces, diffBytes } from '../../src/chain/delta.js';
import { PieceText } from '../../src/chain/piece-text.js';

function ledger(balances: (number | [string, number])[], parent: string): Buffer {
  const accounts = balances.map((b, i) => (Array.isArray(b) ? `"${b[0]}":${b[1]}` : `"a${String(i).padStart(5, '0')}":${b}`)).join(',');
  return Buffer.from(`{"data":{"state":{"accounts":{${accounts}}}},"parent":"${parent}"}`);
}
const hashOf = (n: number) => createHash('sha256').update(String(n)).digest('hex');
const balances = Array.from({ length: 10_000 }, (_, i) => 1_000_000 + ((i * 7919) % 99_991));

function roundTrip(base: Buffer, target: Buffer): Buffer {
  const delta = diffBytes(base, target, Infinity);
  assert.ok(delta, 'a delta is made');
  assert.ok(applyDelta(base, delta, 'test').equals(target), 'the delta rebuilds the target byte for byte');
  return delta;
}

test('a balance moved in place and a new parent hash cost a few dozen bytes', () => {
  const next = balances.slice();
  next[17]! -= 250;
  next[9_000]! += 250;
  const delta = roundTrip(ledger(balances, hashOf(1)), ledger(next, hashOf(2)));
  assert.ok(delta.length < 120, `delta of ${delta.length} bytes`);
});

test('numbers that gain or lose a digit shift the text, and the delta finds its place again nearby', () => {
  const next = balances.slice();
  next[100] = 12; // loses five digits
  next[5_000] = 123_456_789_012; // gains five
  const delta = roundTrip(ledger(balances, hashOf(1)), ledger(next, hashOf(2)));
  assert.ok(delta.length < 200, `delta of ${delta.length} bytes`);
});

test('an account added and one removed (a long shift) cost a few hundred bytes, not the state', () => {
  const named = balances.map((b, i): [string, number] => [`a${String(i).padStart(5, '0')}`, b]);
  const next = named.slice();
  next.splice(2_000, 0, ['a01999x', 42], ['a01999y', 43]);
  next.splice(8_000, 1);
  const base = ledger(named, hashOf(1));
  const delta = roundTrip(base, ledger(next, hashOf(2)));
  assert.ok(delta.length < 1_500, `delta of ${delta.length} bytes against a ${base.length}-byte state`);
});

test('unrelated texts, empty texts and texts that share only a prefix rebuild exactly', () => {
  const random = (n: number, seed: number) => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = (seed = (seed * 1_103_515_245 + 12_345) >>> 0) >>> 24;
    return out;
  };
  const cases: [Buffer, Buffer][] = [
    [Buffer.alloc(0), Buffer.from('{"data":{"state":1}}')],
    [Buffer.from('{"data":{"state":1}}'), Buffer.alloc(0)],
    [random(5_000, 1), random(5_000, 2)],
    [random(5_000, 3), Buffer.concat([random(5_000, 3).subarray(0, 2_500), random(100, 4)])],
    [Buffer.concat([random(40, 5), random(4_000, 6)]), Buffer.concat([random(4_000, 6), random(40, 5)])],
  ];
  for (const [base, target] of cases) roundTrip(base, target);
});

test('a delta over its limit is not made', () => {
  const base = Buffer.from('x'.repeat(1_000));
  const target = Buffer.from('y'.repeat(1_000));
  assert.equal(diffBytes(base, target), undefined);
});

test('a run of deltas applied as pieces rebuilds each text exactly, with a few pieces a delta, and refuses one that does not fit', () => {
  // Sixty states, each a few balances moved, an account added or removed now and then, and a new parent.
  const named = balances.map((b, i): [string, number] => [`a${String(i).padStart(5, '0')}`, b]);
  const texts = [ledger(named, hashOf(0))];
  for (let n = 1; n <= 60; n++) {
    const at = (n * 7907) % named.length;
    named[at] = [named[at]![0], named[at]![1] - n];
    if (n % 10 === 0) named.splice((n * 104_729) % named.length, 0, [`b${n}`, n]);
    if (n % 15 === 0) named.splice((n * 31) % named.length, 1);
    texts.push(ledger(named, hashOf(n)));
  }
  let pieces = PieceText.of(texts[0]!);
  for (let n = 1; n < texts.length; n++) {
    const delta = diffBytes(texts[n - 1]!, texts[n]!, Infinity)!;
    pieces = applyDeltaToPieces(pieces, delta, 'test');
    assert.equal(pieces.length, texts[n]!.length);
    assert.ok(pieces.toBuffer().equals(texts[n]!), `text ${n} rebuilt byte for byte from pieces`);
    assert.ok(applyDelta(texts[n - 1]!, delta, 'test').equals(texts[n]!), `text ${n} rebuilt by applyDelta`);
  }
  assert.ok(pieces.pieces < 60 * 12, `${pieces.pieces} pieces after 60 deltas`);

  const tooFar = diffBytes(texts[0]!, texts[1]!, Infinity)!;
  assert.throws(
    () => applyDeltaToPieces(PieceText.of(texts[0]!.subarray(0, 100)), tooFar, 'entry 7'),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CHAIN_CORRUPT');
      assert.match(err.message, /entry 7: its delta does not fit/);
      return true;
    },
  );
});
