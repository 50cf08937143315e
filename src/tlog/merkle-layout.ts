/**
 * Where a Merkle tree's kept hashes lie in its stored form (merkle.ts): how many a tree of n
 * leaves keeps, and the bit arithmetic of leaf indexes and subtree sizes it is computed with.
 * Sizes may pass 2^31 (no bitwise operators there); below 2^32 the 32-bit ones are used.
 *
 * Stored form (MerkleTree's storedHashes / fromStoredHashes): the kept hashes, 32 bytes each, in
 * the order they are completed, which is the "stored hash index" order of
 * golang.org/x/mod/sumdb/tlog. Leaf i is followed by the parents it completes, one per trailing 1
 * bit of i:
 *
 *   leaf 0 | leaf 1, node [0..2) | leaf 2 | leaf 3, node [2..4), node [0..4) | leaf 4 | ...
 *
 * The file only grows: appending leaves [m, n) appends storedHashes(m, n). Its length says how many
 * leaves it holds (storedHashesLength(n) bytes for n leaves); a torn tail is a shorter whole prefix.
 */
import { HASH_BYTES } from './merkle-hash.js';

/** The number of hashes a tree of size leaves keeps: 2 * size - popcount(size). */
export function storedHashCount(size: number): number {
  return 2 * size - popcount(size);
}

/** The length in bytes of the stored form of a tree of size leaves. */
export function storedHashesLength(size: number): number {
  return storedHashCount(size) * HASH_BYTES;
}

/** Bits set in n (n may pass 2^31: no bitwise operators). */
export function popcount(n: number): number {
  if (n <= 0xffffffff) {
    // The usual case (fewer than 2^32 leaves), with 32-bit operations.
    let v = n >>> 0;
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  let ones = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) ones += rest % 2;
  return ones;
}

/** The largest power of two <= n (n >= 1). */
export function powerOfTwoAtMost(n: number): number {
  // An unsigned shift, not 2 ** (31 - clz): the power was a call to Math.pow, and 1.3 µs of each
  // POST / (its inclusion proof asks for one a level).
  if (n <= 0xffffffff) return 0x80000000 >>> Math.clz32(n);
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}

/** log2 of a power of two. */
export function log2(powerOfTwo: number): number {
  return powerOfTwo <= 0xffffffff ? 31 - Math.clz32(powerOfTwo) : Math.round(Math.log2(powerOfTwo));
}

/** The largest power of two < n (n >= 2; 1 for n <= 1): where RFC 6962 splits a range of n leaves. */
export function largestPowerOfTwoBelow(n: number): number {
  return n <= 1 ? 1 : powerOfTwoAtMost(n - 1);
}

/**
 * The leaf ranges whose hashes make leaf index's RFC 6962 audit path in the tree of size leaves
 * (index < size), leaf side first, each as `hash(lo, hi)` makes it.
 */
export function auditPath<T>(index: number, size: number, hash: (lo: number, hi: number) => T): T[] {
  const proof: T[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      proof.push(hash(lo + k, hi));
      hi = lo + k;
    } else {
      proof.push(hash(lo, lo + k));
      lo += k;
    }
  }
  return proof.reverse();
}
