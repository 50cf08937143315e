/**
 * The RFC 6962 Merkle tree of an append-only log (RFC 6962 section 2.1): its roots and the
 * proofs it gives out (checking them, as a client does: proof-check.ts).
 *
 *   leaf hash   SHA-256(0x00 || entry bytes)
 *   node hash   SHA-256(0x01 || left || right)
 *   MTH({})     SHA-256()                       (the empty tree)
 *   MTH(D[n])   node(MTH(D[0:k]), MTH(D[k:n]))  k = the largest power of two below n
 *
 * The tree keeps every complete, aligned subtree hash (height h: the subtrees of 2^h leaves
 * starting at multiples of 2^h; height 0: the leaf hashes), in the stored form's order below:
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
import crypto from 'node:crypto';
import { ActorchainError } from '../errors.js';

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

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_BYTES);
  return oneShot ? oneShot('sha256', scratch, 'buffer') : crypto.createHash('sha256').update(scratch).digest();
}

/** 32 bytes from `from` at `at` to `to` at `into`: a loop, cheaper than a view and set() for so few. */
function copyHash(from: Uint8Array, at: number, to: Uint8Array, into: number): void {
  for (let i = 0; i < HASH_BYTES; i++) to[into + i] = from[at + i]!;
}

/** The root of the empty tree, SHA-256 of nothing. */
export const EMPTY_ROOT: Buffer = crypto.createHash('sha256').digest();

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

/** Bits set in n (n may pass 2^31: no bitwise operators). */
function popcount(n: number): number {
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
function powerOfTwoAtMost(n: number): number {
  if (n <= 0xffffffff) return 2 ** (31 - Math.clz32(n));
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}

/** log2 of a power of two. */
function log2(powerOfTwo: number): number {
  return powerOfTwo <= 0xffffffff ? 31 - Math.clz32(powerOfTwo) : Math.round(Math.log2(powerOfTwo));
}

/**
 * An append-only RFC 6962 tree that answers roots and proofs for every size up to its own.
 * Its hashes live in one buffer in the stored form's order, so the complete subtree of height
 * h ending at leaf L is hash number 2L - popcount(L) + h: loading a stored tree is one copy.
 */
export class MerkleTree {
  private hashes: Buffer = Buffer.allocUnsafe(1024 * HASH_BYTES);
  /** Hashes held (storedHashCount(size)). */
  private count = 0;
  private leaves = 0;
  /** The incomplete ranges [lo, edgeSize) folded lately, by lo (see rangeHash). */
  private edgeSize = -1;
  private readonly edge = new Map<number, Uint8Array>();

  /** The number of leaves. */
  get size(): number {
    return this.leaves;
  }

  /** Appends a leaf hash (leafHash(entry bytes)); returns its index. */
  append(leaf: Uint8Array): number {
    if (leaf.length !== HASH_BYTES) throw new TypeError(`A leaf hash is ${HASH_BYTES} bytes, not ${leaf.length}.`);
    const index = this.leaves;
    this.reserve(1 + trailingOnes(index));
    this.hashes.set(leaf, this.count * HASH_BYTES);
    this.count++;
    // One parent per trailing 1 bit of the index: each completes a subtree whose right child
    // is the hash just written, and whose left child is the same height's subtree before it.
    for (let height = 1, n = index; n % 2 === 1; height++, n = (n - 1) / 2) {
      const leftLast = index - 2 ** (height - 1);
      // Children copied by offset into the node's input: no view made per child.
      copyHash(this.hashes, (2 * leftLast - popcount(leftLast) + height - 1) * HASH_BYTES, scratch, 1);
      copyHash(this.hashes, (this.count - 1) * HASH_BYTES, scratch, 1 + HASH_BYTES);
      const parent = oneShot ? oneShot('sha256', scratch, 'buffer') : crypto.createHash('sha256').update(scratch).digest();
      this.hashes.set(parent, this.count * HASH_BYTES);
      this.count++;
    }
    this.leaves = index + 1;
    return index;
  }

  /** The leaf hash at index. */
  leaf(index: number): Buffer {
    checkRange(0 <= index && index < this.size, `leaf ${index} of a tree of ${this.size}`);
    return Buffer.from(this.node(0, index));
  }

  /** The root hash of the tree's first size leaves (size 0: EMPTY_ROOT). */
  root(size: number = this.size): Buffer {
    checkRange(Number.isSafeInteger(size) && 0 <= size && size <= this.size, `the root of size ${size} in a tree of ${this.size}`);
    return size === 0 ? Buffer.from(EMPTY_ROOT) : Buffer.from(this.rangeHash(0, size));
  }

  /** The RFC 6962 audit path of leaf index in the tree of size leaves, leaf side first. */
  inclusionProof(index: number, size: number = this.size): Buffer[] {
    return this.inclusionPath(index, size).map((hash) => Buffer.from(hash));
  }

  /** inclusionProof's hashes in base64, read where they lie (no copy per hash): what a receipt carries. */
  inclusionProofBase64(index: number, size: number = this.size): string[] {
    return this.inclusionPath(index, size).map((hash) => (hash as Buffer).toString('base64'));
  }

  /** The audit path as views into the tree's buffer (or fresh hashes for incomplete subtrees). */
  private inclusionPath(index: number, size: number): Uint8Array[] {
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
    return proof.reverse();
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
    return Buffer.from(this.hashes.subarray(storedHashesLength(fromSize), storedHashesLength(toSize)));
  }

  /**
   * A tree from its stored form. Bytes past the longest whole prefix (a torn tail) are ignored:
   * compare the result's size with the count expected. With check, every parent is recomputed
   * from its children (n hashes) and a mismatch throws CHAIN_CORRUPT; without, the bytes are trusted.
   */
  static fromStoredHashes(bytes: Uint8Array, options: { check?: boolean } = {}): MerkleTree {
    const hashCount = Math.floor(bytes.length / HASH_BYTES);
    // The most leaves whose stored form fits (storedHashCount only grows): a binary search.
    let leaves = 0;
    for (let high = hashCount; leaves < high;) {
      const mid = Math.ceil((leaves + high) / 2);
      if (storedHashCount(mid) <= hashCount) leaves = mid;
      else high = mid - 1;
    }
    const tree = new MerkleTree();
    const count = storedHashCount(leaves);
    tree.hashes = Buffer.allocUnsafe(Math.max(1024, Math.ceil(count * 1.25)) * HASH_BYTES);
    tree.hashes.set(bytes.subarray(0, count * HASH_BYTES));
    tree.count = count;
    tree.leaves = leaves;
    if (options.check === true) {
      for (let index = 0; index < leaves; index++) {
        for (let height = 1, n = index; n % 2 === 1; height++, n = (n - 1) / 2) {
          const expected = nodeHash(tree.node(height - 1, index - 2 ** (height - 1)), tree.node(height - 1, index));
          if (!expected.equals(tree.node(height, index))) {
            throw new ActorchainError(
              'CHAIN_CORRUPT',
              `The stored tree hashes are wrong at leaf ${index} (level ${height}); delete the tree file to rebuild it from the chain.`,
            );
          }
        }
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
    // The complete subtrees are the bits of hi - lo, largest first; one bit is one stored hash.
    const first = powerOfTwoAtMost(hi - lo);
    if (first === hi - lo) return this.node(log2(first), hi - 1);
    // An incomplete range ends at the size of the tree asked about, and every receipt of one
    // group asks about the same size: its ranges are folded once. (A range's hash never
    // changes: the tree only grows.)
    if (hi !== this.edgeSize) {
      this.edgeSize = hi;
      this.edge.clear();
    }
    const known = this.edge.get(lo);
    if (known !== undefined) return known;
    const parts: Uint8Array[] = [];
    for (let start = lo; start < hi;) {
      const size = powerOfTwoAtMost(hi - start);
      parts.push(this.node(log2(size), start + size - 1));
      start += size;
    }
    let hash = parts[parts.length - 1]!;
    for (let i = parts.length - 2; i >= 0; i--) hash = nodeHash(parts[i]!, hash);
    this.edge.set(lo, hash);
    return hash;
  }

  /** The complete subtree of `height` whose last leaf is `last`. */
  private node(height: number, last: number): Buffer {
    return this.at(2 * last - popcount(last) + height);
  }

  private at(position: number): Buffer {
    return this.hashes.subarray(position * HASH_BYTES, (position + 1) * HASH_BYTES);
  }

  private reserve(more: number): void {
    if ((this.count + more) * HASH_BYTES <= this.hashes.length) return;
    const grown = Buffer.allocUnsafe(this.hashes.length * 2);
    this.hashes.copy(grown, 0, 0, this.count * HASH_BYTES);
    this.hashes = grown;
  }
}

function trailingOnes(n: number): number {
  let ones = 0;
  for (let rest = n; rest % 2 === 1; rest = (rest - 1) / 2) ones++;
  return ones;
}

function largestPowerOfTwoBelow(n: number): number {
  return n <= 1 ? 1 : powerOfTwoAtMost(n - 1);
}

function checkRange(ok: boolean, what: string): void {
  if (!ok) throw new ActorchainError('PROOF_OUT_OF_RANGE', `The tree has no ${what}.`);
}
