/**
 * What the block headers of chain.sealed say (the format: sealed.ts), held in typed arrays: the
 * part of SealedReader that knows where everything is, without reading an entry. Per entry: per entry, where its line starts in the canonical NDJSON, whether it is a delta,
 * its hash prefix and its block; per block, where its compressed body lies. Read from the
 * headers alone: the bodies are read when an entry is asked for.
 */
import type { FileHandle } from 'node:fs/promises';
import { ActorchainError } from '../errors.js';
import { HASH_PREFIX, SEALED_MAGIC, VarintReader } from './sealed.js';

export interface BlockInfo {
  first: number;
  count: number;
  /** Where its compressed body lies in the file. */
  bodyAt: number;
  bodyBytes: number;
}

/** A typed array that doubles when full. */
class Growable<T extends Float64Array | Uint8Array | Uint32Array> {
  length = 0;
  constructor(
    public array: T,
    readonly make: (size: number) => T,
  ) {}
  push(value: number): void {
    if (this.length === this.array.length) {
      const grown = this.make(this.array.length * 2);
      grown.set(this.array);
      this.array = grown;
    }
    this.array[this.length++] = value;
  }
}

/** The entries and blocks of a chain.sealed, as its block headers give them. */
export class SealedIndex {
  /** offsets[p]: where entry p's line starts in the canonical NDJSON; offsets[entries]: its length. */
  readonly #offsets = new Growable(new Float64Array(1024), (n) => new Float64Array(n));
  readonly #delta = new Growable(new Uint8Array(1024), (n) => new Uint8Array(n));
  #hashPrefixes = Buffer.alloc(1024 * HASH_PREFIX);
  readonly #blockOf = new Growable(new Uint32Array(1024), (n) => new Uint32Array(n));
  readonly #blocks: BlockInfo[] = [];
  /** Where the blocks read so far end in the file. */
  #fileBytes = SEALED_MAGIC.length;

  constructor() {
    this.#offsets.push(0);
  }

  get entries(): number {
    return this.#delta.length;
  }

  /** Bytes of canonical NDJSON the sealed entries make. */
  get bytes(): number {
    return this.#offsets.array[this.entries]!;
  }

  /** Where the blocks that belong to the chain end in the file (what follows is a seal cut short). */
  get fileBytes(): number {
    return this.#fileBytes;
  }

  /** offsets[p]: where entry p's line starts in the canonical NDJSON; offsets[entries]: its length. */
  protected get offsets(): Float64Array {
    return this.#offsets.array;
  }

  /** delta[p]: 1 when entry p is a delta against the entry two before, 0 when it is a full text. */
  protected get delta(): Uint8Array {
    return this.#delta.array;
  }

  /** The number of the block that holds entry `position`. */
  protected blockOf(position: number): number {
    return this.#blockOf.array[position]!;
  }

  protected block(index: number): BlockInfo {
    return this.#blocks[index]!;
  }

  /** Whether `hash` (a full SHA-256) starts with the prefix sealed with entry `position`. */
  protected matchesPrefix(position: number, hash: Buffer): boolean {
    return hash.compare(this.#hashPrefixes, position * HASH_PREFIX, (position + 1) * HASH_PREFIX, 0, HASH_PREFIX) === 0;
  }

  /** The hash prefix sealed with entry `position`, in hex. */
  protected prefixHex(position: number): string {
    return this.#hashPrefixes.toString('hex', position * HASH_PREFIX, (position + 1) * HASH_PREFIX);
  }

  /** The entry whose line holds byte `position` of the canonical NDJSON. */
  protected entryAt(position: number): number {
    const offsets = this.#offsets.array;
    let lo = 0;
    let hi = this.entries - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The `count` entries a block's header describes (read by `reader`, past the count): their
   * offsets, delta flags and hash prefixes. A method of its own rather than a loop inside the
   * async `scan`, whose loop V8 compiled afresh at every seal.
   */
  #indexEntries(header: Buffer, reader: VarintReader, count: number, bad: () => ActorchainError): void {
    for (let k = 0; k < count; k++) {
      const p = this.entries;
      this.#offsets.push(this.#offsets.array[p]! + reader.next() + 1);
      if (reader.at + 1 + HASH_PREFIX > header.length) throw bad();
      this.#delta.push(header[reader.at++]!);
      if ((p + 1) * HASH_PREFIX > this.#hashPrefixes.length) {
        const grown = Buffer.alloc(this.#hashPrefixes.length * 2);
        this.#hashPrefixes.copy(grown);
        this.#hashPrefixes = grown;
      }
      header.copy(this.#hashPrefixes, p * HASH_PREFIX, reader.at, reader.at + HASH_PREFIX);
      reader.at += HASH_PREFIX;
      this.#blockOf.push(this.#blocks.length);
    }
  }

  /**
   * Scan the block headers of `file` (open as `handle`) from where the last scan ended up to
   * `size`, or only until a block ending with the entry whose hash starts with `until`.
   */
  protected async scan(file: string, handle: FileHandle, size: number, until: Buffer | undefined): Promise<void> {
    const lengths = Buffer.alloc(8);
    for (let at = this.#fileBytes; at < size;) {
      const entry = this.entries;
      const bad = () => new ActorchainError('CHAIN_CORRUPT', `${file}: the block that starts with entry ${entry} (line ${entry + 1}) is damaged or cut short`);
      if ((await handle.read(lengths, 0, 8, at)).bytesRead !== 8) throw bad();
      const headerBytes = lengths.readUInt32BE(0);
      const bodyBytes = lengths.readUInt32BE(4);
      if (at + 8 + headerBytes + bodyBytes > size) throw bad();
      const header = Buffer.alloc(headerBytes);
      await handle.read(header, 0, headerBytes, at + 8);
      const reader = new VarintReader(header, bad);
      const count = reader.next();
      this.#indexEntries(header, reader, count, bad);
      this.#blocks.push({ first: entry, count, bodyAt: at + 8 + headerBytes, bodyBytes });
      at += 8 + headerBytes + bodyBytes;
      this.#fileBytes = at;
      if (until && count > 0 && until.compare(this.#hashPrefixes, (this.entries - 1) * HASH_PREFIX, this.entries * HASH_PREFIX) === 0) return;
    }
    if (until) {
      throw new ActorchainError(
        'CHAIN_CORRUPT',
        `${file} does not hold the entry ${until.toString('hex')}… that the first line of chain.ndjson follows (after entry ${this.entries - 1}, line ${this.entries}); restore the data dir from a copy or an export`,
      );
    }
  }
}
