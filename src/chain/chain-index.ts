/**
 * What a file-backed chain keeps in memory: for each entry its hash and the byte offset of
 * its line, never its content. 48 to 56 bytes an entry, so a million entries cost ~50 MB
 * whatever the size of the states.
 *
 *   position:   0        1        2
 *   hashes:   [32 B]   [32 B]   [32 B]  ...       raw SHA-256, in chunks of 1 MiB (tlog/merkle-chunks.ts)
 *   offsets:  [f64]    [f64]    [f64]   ...       a Float64Array of 512 KiB per 65,536 positions
 *
 *   slots (hash → position): open addressing, linear probing, keyed by the hash's first
 *   4 bytes (SHA-256 is uniform); a slot holds position + 1, 0 is empty; kept between a
 *   quarter and half full (8 to 16 bytes per entry); filled at the first lookup after adds,
 *   so a reopen's million adds cost one pass over the hashes, not a rebuild per doubling.
 *
 * Chunks are never copied when the chain grows (but the first MiB of hashes, which grows to
 * its size); only the slot table is rebuilt on doubling.
 */
import { HASH_PATTERN } from '../json/canonical.js';
import { CHUNK_HASHES, HashChunks } from '../tlog/merkle-chunks.js';

const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;
const HASH_BYTES = 32;

export class ChainIndex {
  readonly #hashes = new HashChunks();
  readonly #offsets: Float64Array[] = [];
  #length = 0;
  #slots = new Uint32Array(1024);
  /** Entries [0, #slotted) are in #slots. */
  #slotted = 0;

  get length(): number {
    return this.#length;
  }

  /** Record the entry at the next position. */
  add(hash: string, offset: number): void {
    const position = this.#length;
    const chunk = position >>> CHUNK_BITS;
    const at = position & CHUNK_MASK;
    if (at === 0) this.#offsets.push(new Float64Array(CHUNK_SIZE));
    this.#hashes.pushHex(hash);
    this.#offsets[chunk]![at] = offset;
    this.#length = position + 1;
  }

  /**
   * Record many entries at once: `hashes` holds their raw 32-byte hashes back to back. An empty
   * index keeps them where they are (the caller gives the buffer up): a million entries' 32 MB
   * are not copied at a start.
   */
  addMany(hashes: Buffer, offsets: Float64Array): void {
    const bytes = hashes.subarray(0, offsets.length * HASH_BYTES);
    if (this.#length === 0) this.#hashes.adopt(bytes, offsets.length);
    else this.#hashes.pushAll(bytes);
    for (let done = 0; done < offsets.length;) {
      const position = this.#length;
      const at = position & CHUNK_MASK;
      if (at === 0) this.#offsets.push(new Float64Array(CHUNK_SIZE));
      const count = Math.min(CHUNK_SIZE - at, offsets.length - done);
      this.#offsets[position >>> CHUNK_BITS]!.set(offsets.subarray(done, done + count), at);
      this.#length += count;
      done += count;
    }
  }

  /** The raw hashes of the entries at positions [from, to), back to back (what a checkpoint stores). */
  hashBytes(from: number, to: number): Buffer {
    return this.#hashes.range(from, to);
  }

  positionOf(hash: string): number | undefined {
    if (!HASH_PATTERN.test(hash)) return undefined;
    this.#slotNewEntries();
    const key = Buffer.from(hash, 'hex');
    const mask = this.#slots.length - 1;
    for (let slot = key.readUInt32BE(0) & mask; ; slot = (slot + 1) & mask) {
      const value = this.#slots[slot]!;
      if (value === 0) return undefined;
      const position = value - 1;
      const at = this.#hashes.offset(position);
      if (this.#hashes.chunk(position).compare(key, 0, HASH_BYTES, at, at + HASH_BYTES) === 0) return position;
    }
  }

  hashAt(position: number): string {
    const at = this.#hashes.offset(position);
    return this.#hashes.chunk(position).toString('hex', at, at + HASH_BYTES);
  }

  /** Byte offset in chain.ndjson of the line of the entry at `position`. */
  offsetAt(position: number): number {
    return this.#offsets[position >>> CHUNK_BITS]![position & CHUNK_MASK]!;
  }

  /** Bytes held, for the benchmark's report. */
  get memoryBytes(): number {
    return this.#hashes.byteLength + this.#offsets.length * CHUNK_SIZE * 8 + this.#slots.byteLength;
  }

  /**
   * Slot the entries added since the last lookup. Lookups are rare (a parent or an entry asked
   * for by hash) and adds are many (every line of a reopen), so the slots are filled lazily:
   * in one rebuild when the table must grow, else entry by entry.
   */
  #slotNewEntries(): void {
    if (this.#slotted === this.#length) return;
    let size = this.#slots.length;
    while (this.#length * 2 > size) size *= 2;
    if (size !== this.#slots.length) this.#rebuildSlots(size);
    else for (let position = this.#slotted; position < this.#length; position++) this.#insert(position);
    this.#slotted = this.#length;
  }

  #insert(position: number): void {
    const mask = this.#slots.length - 1;
    let slot = this.#hashes.chunk(position).readUInt32BE(this.#hashes.offset(position)) & mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & mask;
    this.#slots[slot] = position + 1;
  }

  #rebuildSlots(size: number): void {
    const slots = new Uint32Array(size);
    const mask = size - 1;
    // #insert's loop, inlined over each chunk: a million entries are re-slotted at every start.
    for (let first = 0; first < this.#length; first += CHUNK_HASHES) {
      const hashes = this.#hashes.chunk(first);
      const count = Math.min(CHUNK_HASHES, this.#length - first);
      for (let at = 0; at < count; at++) {
        const byte = at * HASH_BYTES;
        let slot = ((hashes[byte]! << 24) | (hashes[byte + 1]! << 16) | (hashes[byte + 2]! << 8) | hashes[byte + 3]!) & mask;
        while (slots[slot] !== 0) slot = (slot + 1) & mask;
        slots[slot] = first + at + 1;
      }
    }
    this.#slots = slots;
  }
}
