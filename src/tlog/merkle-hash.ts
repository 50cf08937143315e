/**
 * The hashes of an RFC 6962 Merkle tree (section 2.1): a leaf's, an interior node's, and the
 * empty tree's root. The tree that keeps them is merkle.ts.
 */
import crypto from 'node:crypto';

export const HASH_BYTES = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const scratch = Buffer.alloc(1 + 2 * HASH_BYTES);
scratch[0] = 0x01;

// crypto.hash (Node 20.12+) skips the Hash object (1.3 against 2.1 µs a leaf), and its digest
// asked for as a latin1 string, written back byte for byte into a buffer of ours, skips the
// ArrayBuffer its 'buffer' output makes for every digest: 0.35 against 1.4 µs a node hash.
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'latin1') => string }).hash;

/** SHA-256 of `data` (a string as its UTF-8 bytes) written into `into` at `at`; returns `into`. */
function digestInto(data: string | Uint8Array, into: Buffer, at: number): Buffer {
  if (oneShot) into.write(oneShot('sha256', data, 'latin1'), at, HASH_BYTES, 'latin1');
  else crypto.createHash('sha256').update(data).digest().copy(into, at);
  return into;
}

/** Bytes up to this long are hashed as a leaf from a copy after a 0x00 in leafInput; longer ones through a Hash object. */
const LEAF_INPUT_MAX = 1 << 20;
/** 0x00, then the bytes of the leaf being hashed. */
let leafInput = Buffer.alloc(4096);

/** RFC 6962 leaf hash: SHA-256(0x00 || bytes); a string is hashed as its UTF-8 bytes (an entry's text, without a copy). */
export function leafHash(bytes: Uint8Array | string): Buffer {
  // "\0" + text is, in UTF-8, exactly 0x00 followed by the text's bytes.
  if (typeof bytes === 'string') return digestInto(`\0${bytes}`, Buffer.allocUnsafe(HASH_BYTES), 0);
  if (!oneShot || bytes.length >= LEAF_INPUT_MAX) return crypto.createHash('sha256').update(LEAF_PREFIX).update(bytes).digest();
  // One call of crypto.hash over a copy costs less than a Hash object's three (verify's hash
  // thread, a leaf for each of a million 130-byte lines: 5.3 against 3.5 s for the whole verify).
  if (bytes.length >= leafInput.length) leafInput = Buffer.alloc(Math.min(LEAF_INPUT_MAX, 2 ** Math.ceil(Math.log2(bytes.length + 1))));
  leafInput.set(bytes, 1);
  return digestInto(leafInput.subarray(0, bytes.length + 1), Buffer.allocUnsafe(HASH_BYTES), 0);
}

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_BYTES);
  return digestInto(scratch, Buffer.allocUnsafe(HASH_BYTES), 0);
}

/** 32 bytes from `from` at `at` to `to` at `into`: a loop, cheaper than a view and set() for so few. */
function copyHash(from: Uint8Array, at: number, to: Uint8Array, into: number): void {
  for (let i = 0; i < HASH_BYTES; i++) to[into + i] = from[at + i]!;
}

/** The root of the empty tree, SHA-256 of nothing. */
export const EMPTY_ROOT: Buffer = crypto.createHash('sha256').digest();

/**
 * nodeHash of the two hashes that lie in `left` at byte offset `leftAt` and in `right` at
 * `rightAt`: the children are copied by offset into the node's input, with no view made per
 * child. The hash is written into `into` at `intoAt` (a new buffer's start by default), which
 * is returned.
 */
export function nodeHashAt(left: Uint8Array, leftAt: number, right: Uint8Array, rightAt: number, into: Buffer = Buffer.allocUnsafe(HASH_BYTES), intoAt = 0): Buffer {
  copyHash(left, leftAt, scratch, 1);
  copyHash(right, rightAt, scratch, 1 + HASH_BYTES);
  return digestInto(scratch, into, intoAt);
}
