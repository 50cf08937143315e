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
 * Stored form (storedHashes / fromStoredHashes): see merkle-layout.ts.
 */
import { ActorchainError } from '../errors.js';
import { HashChunks } from './merkle-chunks.js';
import { EMPTY_ROOT, HASH_BYTES, nodeHash } from './merkle-hash.js';
import { auditPath, largestPowerOfTwoBelow, log2, popcount, powerOfTwoAtMost, storedHashCount } from './merkle-layout.js';

export { EMPTY_ROOT, HASH_BYTES, leafHash, nodeHash } from './merkle-hash.js';
export { storedHashCount, storedHashesLength } from './merkle-layout.js';

/** How many base64 strings of stored hashes a tree keeps (a stored hash's slot is its position modulo this): the paths of a few thousand recent receipts. */
const BASE64_KEPT = 4096;

/**
 * An append-only RFC 6962 tree that answers roots and proofs for every size up to its own.
 * Its hashes live in the stored form's order (in chunks: merkle-chunks.ts), so the complete
 * subtree of height h ending at leaf L is hash number 2L - popcount(L) + h: loading a stored
 * tree is one copy.
 */

export class MerkleTree {
  /** The stored hashes (storedHashCount(size) of them), in chunks. */
  private readonly hashes = new HashChunks();
  private leaves = 0;
  /** The incomplete ranges [lo, edgeSize) folded lately, by lo (see rangeHash). */
  private edgeSize = -1;
  private readonly edge = new Map<number, Uint8Array>();
  /**
   * Stored hashes in base64 as receipts asked for them lately (see inclusionProofBase64): slot position %
   * BASE64_KEPT, of the hash at base64At's position (-1: none). Arrays, not a Map: no hashing of positions.
   */
  private readonly base64At = new Array<number>(BASE64_KEPT).fill(-1);
  private readonly base64 = new Array<string>(BASE64_KEPT).fill('');

  /** The number of leaves. */
  get size(): number {
    return this.leaves;
  }

  /** Appends a leaf hash (leafHash(entry bytes)); returns its index. */
  append(leaf: Uint8Array): number {
    if (leaf.length !== HASH_BYTES) throw new TypeError(`A leaf hash is ${HASH_BYTES} bytes, not ${leaf.length}.`);
    const index = this.leaves;
    this.hashes.push(leaf);
    // One parent per trailing 1 bit of the index: each completes a subtree whose right child
    // is the hash just written, and whose left child is the same height's subtree before it.
    for (let height = 1, n = index; n % 2 === 1; height++, n = (n - 1) / 2) {
      const leftLast = index - 2 ** (height - 1);
      this.hashes.pushNode(2 * leftLast - popcount(leftLast) + height - 1, this.hashes.count - 1);
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

  /** inclusionProof in base64, what a receipt carries: the receipts of a group share most of their paths, so a stored hash's string is kept (4.7 to 2.9 µs a proof at 50,000 leaves; kept in arrays, 1.8 to 0.8 µs at 200,000). */
  inclusionProofBase64(index: number, size: number = this.size): string[] {
    this.checkPath(index, size);
    return auditPath(index, size, (lo, hi) => this.rangeBase64(lo, hi));
  }

  private checkPath(index: number, size: number): void {
    checkRange(
      Number.isSafeInteger(index) && Number.isSafeInteger(size) && 0 <= index && index < size && size <= this.size,
      `an inclusion proof of leaf ${index} in a tree of size ${size} (the tree has ${this.size})`,
    );
  }

  /** The audit path as views into the tree's buffer (or fresh hashes for incomplete subtrees). */
  private inclusionPath(index: number, size: number): Uint8Array[] {
    this.checkPath(index, size);
    return auditPath(index, size, (lo, hi) => this.rangeHash(lo, hi));
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
    return this.hashes.range(storedHashCount(fromSize), storedHashCount(toSize));
  }

  /**
   * A tree from its stored form: one buffer, or pieces of whole chunks (see HashChunks.adopt). Bytes past the longest whole prefix (a torn tail) are ignored:
   * compare the result's size with the count expected. With check, every parent is recomputed
   * from its children (n hashes) and a mismatch throws CHAIN_CORRUPT; without, the bytes are trusted.
   */
  static fromStoredHashes(bytes: Uint8Array | readonly Buffer[], options: { check?: boolean } = {}): MerkleTree {
    const byteLength = bytes instanceof Uint8Array ? bytes.length : bytes.reduce((sum, piece) => sum + piece.length, 0);
    const hashCount = Math.floor(byteLength / HASH_BYTES);
    // The most leaves whose stored form fits (storedHashCount only grows): a binary search.
    let leaves = 0;
    for (let high = hashCount; leaves < high;) {
      const mid = Math.ceil((leaves + high) / 2);
      if (storedHashCount(mid) <= hashCount) leaves = mid;
      else high = mid - 1;
    }
    const tree = new MerkleTree();
    // Pieces (whole chunks read from a file, see HashChunks.adopt) are kept without a copy.
    if (bytes instanceof Uint8Array) tree.hashes.pushAll(bytes.subarray(0, storedHashCount(leaves) * HASH_BYTES));
    else tree.hashes.adopt(bytes, storedHashCount(leaves));
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

  /** rangeHash(lo, hi) in base64; a stored hash's string is kept (see inclusionProofBase64). */
  private rangeBase64(lo: number, hi: number): string {
    const first = powerOfTwoAtMost(hi - lo);
    if (first !== hi - lo) return Buffer.from(this.rangeHash(lo, hi)).toString('base64');
    const position = 2 * (hi - 1) - popcount(hi - 1) + log2(first);
    const slot = position % BASE64_KEPT;
    if (this.base64At[slot] === position) return this.base64[slot]!;
    const at = this.hashes.offset(position);
    const text = this.hashes.chunk(position).toString('base64', at, at + HASH_BYTES);
    this.base64At[slot] = position;
    this.base64[slot] = text;
    return text;
  }

  /** The complete subtree of `height` whose last leaf is `last`. */
  private node(height: number, last: number): Buffer {
    return this.at(2 * last - popcount(last) + height);
  }

  private at(position: number): Buffer {
    return this.hashes.at(position);
  }
}

function checkRange(ok: boolean, what: string): void {
  if (!ok) throw new ActorchainError('PROOF_OUT_OF_RANGE', `The tree has no ${what}.`);
}
