/**
 * A growing array of 32-byte hashes, in chunks of 1 MiB (32,768 hashes), the first of which
 * grows by doubling up to that size: where a Merkle tree keeps its stored hashes (merkle.ts),
 * and a chain's index the entries' (chain/chain-index.ts). A tree that kept one buffer and doubled
 * it copied everything it held at each doubling, and the append that crossed the size waited
 * for it (in process: 90 ms at 524,289 leaves, 179 ms at 1,048,577, on a machine where memory
 * touched for the first time costs about 4 ms a MiB); a new chunk costs no copy.
 */
import { HASH_BYTES, nodeHashAt } from './merkle-hash.js';

/** Hashes a chunk holds (the first may hold fewer while it grows). */
export const CHUNK_HASHES = 1 << 15;
export const CHUNK_BYTES = CHUNK_HASHES * HASH_BYTES;
const FIRST_CHUNK_BYTES = 1024 * HASH_BYTES;

export class HashChunks {
  #chunks: Buffer[] = [Buffer.allocUnsafe(FIRST_CHUNK_BYTES)];
  #count = 0;

  /** The hashes held. */
  get count(): number {
    return this.#count;
  }

  /** The chunk holding hash `position`. */
  chunk(position: number): Buffer {
    return this.#chunks[Math.floor(position / CHUNK_HASHES)]!;
  }

  /** The byte offset of hash `position` in its chunk. */
  offset(position: number): number {
    return (position % CHUNK_HASHES) * HASH_BYTES;
  }

  /** Hash `position`, as a view. */
  at(position: number): Buffer {
    const at = this.offset(position);
    return this.chunk(position).subarray(at, at + HASH_BYTES);
  }

  /** Appends a copy of `hash`. */
  push(hash: Uint8Array): void {
    this.#room().set(hash, this.offset(this.#count));
    this.#count++;
  }

  /** Appends the hash given as 64 hex digits. */
  pushHex(hex: string): void {
    this.#room().write(hex, this.offset(this.#count), HASH_BYTES, 'hex');
    this.#count++;
  }

  /** Bytes held (the chunks' sizes). */
  get byteLength(): number {
    return this.#chunks.reduce((bytes, chunk) => bytes + chunk.length, 0);
  }

  /** Appends the node hash of the hashes at positions `left` and `right`. */
  pushNode(left: number, right: number): void {
    const into = this.#room();
    nodeHashAt(this.chunk(left), this.offset(left), this.chunk(right), this.offset(right), into, this.offset(this.#count));
    this.#count++;
  }

  /** A copy of hashes [from, to), as one buffer. */
  range(from: number, to: number): Buffer {
    const out = Buffer.allocUnsafe((to - from) * HASH_BYTES);
    for (let position = from; position < to;) {
      const chunkEnd = Math.min(to, (Math.floor(position / CHUNK_HASHES) + 1) * CHUNK_HASHES);
      this.chunk(position).copy(out, (position - from) * HASH_BYTES, this.offset(position), this.offset(position) + (chunkEnd - position) * HASH_BYTES);
      position = chunkEnd;
    }
    return out;
  }

  /**
   * Into an empty array, hashes read from elsewhere, kept where they are: no copy, so no second
   * megabyte of memory touched for each (a start's load of a million leaves' tree.hashes, or of
   * a checkpoint's entry hashes). `pieces`: whole chunks (each CHUNK_BYTES long but the last,
   * which may be shorter), or one buffer, held as views of a chunk each. The caller gives them
   * up. The first `count` hashes are held; bytes past them are written over by later appends.
   */
  adopt(pieces: readonly Buffer[] | Buffer, count: number): void {
    if (Buffer.isBuffer(pieces)) {
      const views: Buffer[] = [];
      for (let at = 0; at < pieces.length; at += CHUNK_BYTES) views.push(pieces.subarray(at, Math.min(pieces.length, at + CHUNK_BYTES)));
      return this.adopt(views, count);
    }
    const kept = pieces.filter((piece) => piece.length > 0);
    const capacity = kept.reduce((sum, piece) => sum + piece.length, 0) / HASH_BYTES;
    if (this.#count !== 0 || kept.slice(0, -1).some((piece) => piece.length !== CHUNK_BYTES) || count > capacity) {
      throw new RangeError('adopt takes whole chunks (but the last) into an empty array, and no more hashes than they hold');
    }
    if (kept.length > 0) this.#chunks = kept;
    this.#count = count;
  }

  /** Hashes from `bytes` (a whole number of them), appended. */
  pushAll(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length;) {
      const room = this.#room();
      const offset = this.offset(this.#count);
      const take = Math.min(bytes.length - at, room.length - offset);
      room.set(bytes.subarray(at, at + take), offset);
      at += take;
      this.#count += take / HASH_BYTES;
    }
  }

  /** The chunk where hash `count` goes, made or grown when it is not there yet. */
  #room(): Buffer {
    const index = Math.floor(this.#count / CHUNK_HASHES);
    const offset = this.offset(this.#count);
    if (index === this.#chunks.length) {
      this.#chunks.push(Buffer.allocUnsafe(CHUNK_BYTES));
    } else if (offset === this.#chunks[index]!.length) {
      // Only the first chunk grows (up to a whole chunk): a small tree stays small.
      const grown = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, offset * 2));
      this.#chunks[index]!.copy(grown, 0, 0, offset);
      this.#chunks[index] = grown;
    }
    return this.#chunks[index]!;
  }
}
