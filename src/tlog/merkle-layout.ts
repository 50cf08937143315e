/**
 * Where a Merkle tree's kept hashes lie in its stored form (merkle.ts): how many a tree of n
 * leaves keeps, and the bit arithmetic of leaf indexes and subtree sizes it is computed with.
 * Sizes may pass 2^31 (no bitwise operators there); below 2^32 the 32-bit ones are used.
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
  if (n <= 0xffffffff) return 2 ** (31 - Math.clz32(n));
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}

/** log2 of a power of two. */
export function log2(powerOfTwo: number): number {
  return powerOfTwo <= 0xffffffff ? 31 - Math.clz32(powerOfTwo) : Math.round(Math.log2(powerOfTwo));
}

/** 1 bits at the bottom of n: the parents leaf n completes. */
export function trailingOnes(n: number): number {
  let ones = 0;
  for (let rest = n; rest % 2 === 1; rest = (rest - 1) / 2) ones++;
  return ones;
}

/** The largest power of two < n (n >= 2; 1 for n <= 1): where RFC 6962 splits a range of n leaves. */
export function largestPowerOfTwoBelow(n: number): number {
  return n <= 1 ? 1 : powerOfTwoAtMost(n - 1);
}
