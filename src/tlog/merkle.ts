/**
 * The RFC 6962 Merkle tree of an append-only log (RFC 6962 section 2.1; proofs checked as in
 * RFC 9162 sections 2.1.3.2 and 2.1.4.2).
 *
 *   leaf hash   SHA-256(0x00 || entry bytes)
 *   node hash   SHA-256(0x01 || left || right)
 *   MTH({})     SHA-256()                       (the empty tree)
 *   MTH(D[n])   node(MTH(D[0:k]), MTH(D[k:n]))  k = the largest power of two below n
 *
 * The tree keeps every complete, aligned subtree hash, level by level (level h holds the hashes of
 * the subtrees of 2^h leaves starting at multiples of 2^h; level 0 holds the leaf hashes):
 *
 *   level 2   [0..4)                                      5 leaves: 5 + 2 + 1 = 8 hashes kept
 *   level 1   [0..2)  [2..4)
 *   level 0   0   1   2   3   4
 *
 * A tree of n leaves keeps 2n - popcount(n) hashes (64 bytes a leaf, 64 MB for a million). Appending
 * computes one leaf's new parents (two hashes on average). The hash of any other range a proof
 * needs (the incomplete right edge of a smaller tree) folds at most log2(n) kept hashes, so roots
 * and proofs of any size up to the current one cost O(log n) hashes.
 *
 * Stored form (storedHashes / fromStoredHashes): the kept hashes, 32 bytes each, in the order they
 * are completed, which is the "stored hash index" order of golang.org/x/mod/sumdb/tlog. Leaf i is
 * followed by the parents it completes, one per trailing 1 bit of i:
 *
 *   leaf 0 | leaf 1, node [0..2) | leaf 2 | leaf 3, node [2..4), node [0..4) | leaf 4 | ...
 *
 * The file only grows: appending leaves [m, n) appends storedHashes(m, n). Its length says how many
 * leaves it holds (storedHashesLength(n) bytes for n leaves); a torn tail is a shorter whole prefix.
 */
import { createHash } from 'node:crypto';
import { ActorchainError } from '../errors.js';

export const HASH_BYTES = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const scratch = Buffer.alloc(1 + 2 * HASH_BYTES);
scratch[0] = 0x01;

/** RFC 6962 leaf hash: SHA-256(0x00 || bytes). */
export function leafHash(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(bytes).digest();
}

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_BYTES);
  return createHash('sha256').update(scratch).digest();
}

/** The root of the empty tree, SHA-256 of nothing. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** The number of hashes a tree of size leaves keeps: 2 * size - popcount(size). */
export function storedHashCount(size: number): number {
  let ones = 0;
  for (let n = size; n > 0; n = Math.floor(n / 2)) ones += n % 2;
  return 2 * size - ones;
}

/** The length in bytes of the stored form of a tree of size leaves. */
export function storedHashesLength(size: number): number {
  return storedHashCount(size) * HASH_BYTES;
}

// 4096 hashes (128 KiB) a chunk: a level grows without copying what it holds.
const CHUNK_SHIFT = 12;
const CHUNK_HASHES = 1 << CHUNK_SHIFT;

/** The hashes of one level, in chunks of CHUNK_HASHES. */
class Level {
  private readonly chunks: Buffer[] = [];
  count = 0;

  push(hash: Uint8Array): void {
    const offset = this.count & (CHUNK_HASHES - 1);
    if (offset === 0) this.chunks.push(Buffer.allocUnsafe(CHUNK_HASHES * HASH_BYTES));
    this.chunks[this.chunks.length - 1]!.set(hash, offset * HASH_BYTES);
    this.count++;
  }

  /** Appends the hash at source[offset .. offset + 32) without an intermediate view. */
  pushFrom(source: Buffer, offset: number): void {
    const at = this.count & (CHUNK_HASHES - 1);
    if (at === 0) this.chunks.push(Buffer.allocUnsafe(CHUNK_HASHES * HASH_BYTES));
    source.copy(this.chunks[this.chunks.length - 1]!, at * HASH_BYTES, offset, offset + HASH_BYTES);
    this.count++;
  }

  get(index: number): Buffer {
    const start = (index & (CHUNK_HASHES - 1)) * HASH_BYTES;
    return this.chunks[Math.floor(index / CHUNK_HASHES)]!.subarray(start, start + HASH_BYTES);
  }

  copyTo(index: number, target: Buffer, offset: number): void {
    const start = (index & (CHUNK_HASHES - 1)) * HASH_BYTES;
    this.chunks[Math.floor(index / CHUNK_HASHES)]!.copy(target, offset, start, start + HASH_BYTES);
  }
}

/** An append-only RFC 6962 tree that answers roots and proofs for every size up to its own. */
export class MerkleTree {
  private readonly levels: Level[] = [new Level()];

  /** The number of leaves. */
  get size(): number {
    return this.levels[0]!.count;
  }

  /** Appends a leaf hash (leafHash(entry bytes)); returns its index. */
  append(leaf: Uint8Array): number {
    if (leaf.length !== HASH_BYTES) throw new TypeError(`A leaf hash is ${HASH_BYTES} bytes, not ${leaf.length}.`);
    const index = this.size;
    this.levels[0]!.push(leaf);
    let hash: Uint8Array = leaf;
    for (let level = 0, n = index; n % 2 === 1; level++, n = (n - 1) / 2) {
      hash = nodeHash(this.levels[level]!.get(n - 1), hash);
      if (this.levels.length === level + 1) this.levels.push(new Level());
      this.levels[level + 1]!.push(hash);
    }
    return index;
  }

  /** The leaf hash at index. */
  leaf(index: number): Buffer {
    checkRange(0 <= index && index < this.size, `leaf ${index} of a tree of ${this.size}`);
    return Buffer.from(this.levels[0]!.get(index));
  }

  /** The root hash of the tree's first size leaves (size 0: EMPTY_ROOT). */
  root(size: number = this.size): Buffer {
    checkRange(Number.isSafeInteger(size) && 0 <= size && size <= this.size, `the root of size ${size} in a tree of ${this.size}`);
    return size === 0 ? Buffer.from(EMPTY_ROOT) : Buffer.from(this.rangeHash(0, size));
  }

  /** The RFC 6962 audit path of leaf index in the tree of size leaves, leaf side first. */
  inclusionProof(index: number, size: number = this.size): Buffer[] {
    checkRange(
      Number.isSafeInteger(index) && Number.isSafeInteger(size) && 0 <= index && index < size && size <= this.size,
      `an inclusion proof of leaf ${index} in a tree of size ${size} (the tree has ${this.size})`,
    );
    const proof: Uint8Array[] = [];
    let lo = 0;
    let hi = size;
    while (hi - lo > 1) {
      const k = largestPowerOfTwoBelow(hi - lo);
      if (index < lo + k) {
        proof.push(this.rangeHash(lo + k, hi));
        hi = lo + k;
      } else {
        proof.push(this.rangeHash(lo, lo + k));
        lo += k;
      }
    }
    return proof.reverse().map((hash) => Buffer.from(hash));
  }

  /** The RFC 6962 consistency proof from the tree of oldSize leaves to that of size (empty when oldSize is 0 or size). */
  consistencyProof(oldSize: number, size: number = this.size): Buffer[] {
    checkRange(
      Number.isSafeInteger(oldSize) && Number.isSafeInteger(size) && 0 <= oldSize && oldSize <= size && size <= this.size,
      `a consistency proof from size ${oldSize} to ${size} (the tree has ${this.size})`,
    );
    if (oldSize === 0) return [];
    // RFC 6962 SUBPROOF(m, D[lo:hi], b), unrolled: m counts from lo.
    const proof: Uint8Array[] = [];
    let m = oldSize;
    let lo = 0;
    let hi = size;
    let complete = true;
    for (;;) {
      if (m === hi - lo) {
        if (!complete) proof.push(this.rangeHash(lo, hi));
        break;
      }
      const k = largestPowerOfTwoBelow(hi - lo);
      if (m <= k) {
        proof.push(this.rangeHash(lo + k, hi));
        hi = lo + k;
      } else {
        proof.push(this.rangeHash(lo, lo + k));
        m -= k;
        lo += k;
        complete = false;
      }
    }
    return proof.reverse().map((hash) => Buffer.from(hash));
  }

  /** The stored form of leaves [fromSize, toSize): the bytes to append to a file holding fromSize leaves. */
  storedHashes(fromSize = 0, toSize: number = this.size): Buffer {
    checkRange(0 <= fromSize && fromSize <= toSize && toSize <= this.size, `stored hashes of leaves ${fromSize} to ${toSize} of ${this.size}`);
    const out = Buffer.allocUnsafe(storedHashesLength(toSize) - storedHashesLength(fromSize));
    let offset = 0;
    for (let index = fromSize; index < toSize; index++) {
      this.levels[0]!.copyTo(index, out, offset);
      offset += HASH_BYTES;
      for (let level = 1, n = index; n % 2 === 1; level++, n = (n - 1) / 2) {
        this.levels[level]!.copyTo((n - 1) / 2, out, offset);
        offset += HASH_BYTES;
      }
    }
    return out;
  }

  /**
   * A tree from its stored form. Bytes past the longest whole prefix (a torn tail) are ignored:
   * compare the result's size with the count expected. With check, every parent is recomputed
   * from its children (n hashes) and a mismatch throws CHAIN_CORRUPT; without, the bytes are trusted.
   */
  static fromStoredHashes(bytes: Uint8Array, options: { check?: boolean } = {}): MerkleTree {
    const tree = new MerkleTree();
    const source = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const hashCount = Math.floor(source.length / HASH_BYTES);
    for (let index = 0, offset = 0; ; index++) {
      let completed = 0;
      for (let n = index; n % 2 === 1; n = (n - 1) / 2) completed++;
      if (offset / HASH_BYTES + 1 + completed > hashCount) break;
      tree.levels[0]!.pushFrom(source, offset);
      offset += HASH_BYTES;
      for (let level = 0, n = index; level < completed; level++, n = (n - 1) / 2) {
        if (tree.levels.length === level + 1) tree.levels.push(new Level());
        if (options.check === true) {
          const expected = nodeHash(tree.levels[level]!.get(n - 1), tree.levels[level]!.get(n));
          if (expected.compare(source, offset, offset + HASH_BYTES) !== 0) {
            throw new ActorchainError('CHAIN_CORRUPT', `The stored tree hashes are wrong at leaf ${index} (level ${level + 1}); delete the tree file to rebuild it from the chain.`);
          }
        }
        tree.levels[level + 1]!.pushFrom(source, offset);
        offset += HASH_BYTES;
      }
    }
    return tree;
  }

  /**
   * The hash of leaves [lo, hi), where lo is a multiple of the smallest power of two >= hi - lo
   * (every range a proof or root asks for is): the complete subtrees it splits into, largest first,
   * folded from the right.
   */
  private rangeHash(lo: number, hi: number): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let start = lo; start < hi; ) {
      let level = 0;
      while (2 ** (level + 1) <= hi - start) level++;
      parts.push(this.levels[level]!.get(start / 2 ** level));
      start += 2 ** level;
    }
    let hash = parts[parts.length - 1]!;
    for (let i = parts.length - 2; i >= 0; i--) hash = nodeHash(parts[i]!, hash);
    return hash;
  }
}

/** Whether proof shows leaf at index in the tree of size with root (RFC 9162 section 2.1.3.2). */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leaf.length !== HASH_BYTES || proof.some((p) => p.length !== HASH_BYTES)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(r).equals(root);
}

/**
 * Whether proof shows the tree of oldSize with oldRoot is a prefix of the tree of size with root
 * (RFC 9162 section 2.1.4.2). Equal sizes need an empty proof and equal roots; oldSize 0 needs an
 * empty proof and oldRoot EMPTY_ROOT.
 */
export function verifyConsistency(
  oldSize: number,
  size: number,
  oldRoot: Uint8Array,
  root: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(size) || oldSize < 0 || oldSize > size) return false;
  if (oldRoot.length !== HASH_BYTES || root.length !== HASH_BYTES || proof.some((p) => p.length !== HASH_BYTES)) return false;
  if (oldSize === 0) return proof.length === 0 && Buffer.from(oldRoot).equals(EMPTY_ROOT);
  if (oldSize === size) return proof.length === 0 && Buffer.from(oldRoot).equals(root);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = size - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return Buffer.from(fr).equals(oldRoot) && Buffer.from(sr).equals(root) && sn === 0;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function checkRange(ok: boolean, what: string): void {
  if (!ok) throw new ActorchainError('PROOF_OUT_OF_RANGE', `The tree has no ${what}.`);
}
