/** Random access to the entries of chain.sealed (the format: sealed.ts). */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { brotliDecompressSync } from 'node:zlib';
import { ActorchainError } from '../errors.js';
import { applyDelta } from './delta.js';
import { HASH_PREFIX, SEALED_MAGIC, VarintReader, type SealedSeed } from './sealed.js';

/** Rebuilt entries kept: a sequential read rebuilds each from the one two before. */
const TEXT_CACHE = 8;
const BLOCK_CACHE = 8;
/**
 * Full hashes of the entries rebuilt last (two chunks of a sequential reader's small
 * entries): a start's line check takes them instead of hashing each entry a second time.
 */
const DIGEST_CACHE = 16_384;

/**
 * Which blocks of chain.sealed belong to the chain: those up to the entry whose hash is
 * `after` (none for null: chain.ndjson starts at the genesis), or all of them.
 */
export type SealedEnd = { after: string | null } | 'all';

interface BlockInfo {
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

/** Random access to the entries of a chain.sealed, as canonical texts and as NDJSON bytes. */
export class SealedReader {
  readonly file: string;
  readonly #handle: FileHandle;
  /** offsets[p]: where entry p's line starts in the canonical NDJSON; offsets[entries]: its length. */
  readonly #offsets = new Growable(new Float64Array(1024), (n) => new Float64Array(n));
  readonly #delta = new Growable(new Uint8Array(1024), (n) => new Uint8Array(n));
  #hashPrefixes = Buffer.alloc(1024 * HASH_PREFIX);
  readonly #blockOf = new Growable(new Uint32Array(1024), (n) => new Uint32Array(n));
  readonly #blocks: BlockInfo[] = [];
  readonly #texts = new Map<number, Buffer>();
  readonly #digests = new Map<number, string>();
  readonly #payloads = new Map<number, Buffer[]>();
  /** Where the blocks that belong to the chain end in the file. */
  #fileBytes = SEALED_MAGIC.length;

  private constructor(file: string, handle: FileHandle) {
    this.file = file;
    this.#handle = handle;
    this.#offsets.push(0);
  }

  /**
   * Read the headers (not the bodies) of the blocks that belong to the chain. A file cut
   * short or damaged there, or without the entry `end` names, is CHAIN_CORRUPT.
   */
  static async open(file: string, handle: FileHandle, end: SealedEnd = 'all'): Promise<SealedReader> {
    const size = (await handle.stat()).size;
    const magic = Buffer.alloc(SEALED_MAGIC.length);
    await handle.read(magic, 0, magic.length, 0);
    // Cut short within its magic line (a kill while an earlier version created it in place): no block, nothing sealed.
    const cutInMagic = size < SEALED_MAGIC.length && SEALED_MAGIC.subarray(0, size).equals(magic.subarray(0, size));
    if (cutInMagic) return new SealedReader(file, handle);
    if (!magic.equals(SEALED_MAGIC))
      throw new ActorchainError('CHAIN_CORRUPT', `${file} is not a sealed chain file (it does not start with ${JSON.stringify(SEALED_MAGIC.toString())})`);
    const reader = new SealedReader(file, handle);
    // With no block at all, chain.ndjson is the whole chain, whatever its first line says (the
    // line-by-line check names what is wrong with it, as in a plain data dir).
    if (end === 'all') await reader.#scan(size, undefined);
    else if (end.after !== null && size > SEALED_MAGIC.length) await reader.#scan(size, Buffer.from(end.after.slice(0, HASH_PREFIX * 2), 'hex'));
    return reader;
  }

  /** Take in the blocks a seal appended, up to byte `fileBytes` (chain.ndjson is about to start after them). */
  async extend(fileBytes: number): Promise<void> {
    await this.#scan(fileBytes, undefined);
    if (this.#fileBytes !== fileBytes) throw new Error(`${this.file}: the blocks end at byte ${this.#fileBytes}, not ${fileBytes}`);
  }

  /**
   * Scan block headers from #fileBytes up to `size`, or only until a block ending with the
   * entry whose hash starts with `until`.
   */
  async #scan(size: number, until: Buffer | undefined): Promise<void> {
    const lengths = Buffer.alloc(8);
    const file = this.file;
    for (let at = this.#fileBytes; at < size;) {
      const entry = this.entries;
      const bad = () => new ActorchainError('CHAIN_CORRUPT', `${file}: the block that starts with entry ${entry} (line ${entry + 1}) is damaged or cut short`);
      if ((await this.#handle.read(lengths, 0, 8, at)).bytesRead !== 8) throw bad();
      const headerBytes = lengths.readUInt32BE(0);
      const bodyBytes = lengths.readUInt32BE(4);
      if (at + 8 + headerBytes + bodyBytes > size) throw bad();
      const header = Buffer.alloc(headerBytes);
      await this.#handle.read(header, 0, headerBytes, at + 8);
      const reader = new VarintReader(header, bad);
      const count = reader.next();
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

  get handle(): FileHandle {
    return this.#handle;
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

  /** The last two entries, for a writer that appends after them. */
  async seeds(): Promise<SealedSeed[]> {
    const seeds: SealedSeed[] = [];
    for (let p = Math.max(0, this.entries - 2); p < this.entries; p++) {
      let depth = 0;
      for (let q = p; q >= 0 && this.#delta.array[q] === 1; q -= 2) depth++;
      seeds.push({ text: await this.text(p), depth });
    }
    return seeds;
  }

  #corrupt(position: number, why: string): ActorchainError {
    return new ActorchainError('CHAIN_CORRUPT', `${this.file}: entry ${position} (line ${position + 1}) ${why}; restore the data dir from a copy or an export`);
  }

  /**
   * The canonical text of entry `position`, rebuilt and checked against its hash prefix.
   * The entries it is rebuilt from are checked only when it fails (a sequential read checks
   * each, since each is asked for in turn): then the first that fails is named.
   */
  async text(position: number): Promise<Buffer> {
    const cached = this.#texts.get(position);
    if (cached) return cached;
    try {
      return await this.#rebuild(position, false);
    } catch {
      return this.#rebuild(position, true);
    }
  }

  async #rebuild(position: number, checkEach: boolean): Promise<Buffer> {
    const offsets = this.#offsets.array;
    const delta = this.#delta.array;
    // The chain of deltas back to a full text (or a text rebuilt already), rebuilt forwards.
    const chain: number[] = [];
    let base: Buffer | undefined;
    for (let p = position; ; p -= 2) {
      base = this.#texts.get(p);
      if (base) break;
      chain.push(p);
      if (delta[p] === 0) break;
      if (p < 2) throw this.#corrupt(p, 'is a delta with no entry two before it');
    }
    for (let k = chain.length - 1; k >= 0; k--) {
      const p = chain[k]!;
      const payload = await this.#payload(p);
      base = delta[p] === 0 ? payload : applyDelta(base!, payload, `${this.file}: entry ${p} (line ${p + 1})`);
      if (base.length !== offsets[p + 1]! - offsets[p]! - 1) throw this.#corrupt(p, 'has another length than recorded');
      if (k === 0 || checkEach) {
        const hash = createHash('sha256').update(base).digest();
        if (hash.compare(this.#hashPrefixes, p * HASH_PREFIX, (p + 1) * HASH_PREFIX, 0, HASH_PREFIX) !== 0) {
          throw this.#corrupt(p, `does not rebuild to the entry whose hash starts ${this.#hashPrefixes.toString('hex', p * HASH_PREFIX, (p + 1) * HASH_PREFIX)}`);
        }
        this.#remember(this.#texts, p, base, TEXT_CACHE);
        this.#remember(this.#digests, p, hash.toString('hex'), DIGEST_CACHE);
      }
    }
    return base!;
  }

  /**
   * The SHA-256 (hex) of entry `position` when this reader rebuilt it lately: the hash of
   * the text it gave out, which matched the hash prefix sealed with it.
   */
  digestOf(position: number): string | undefined {
    return this.#digests.get(position);
  }

  #remember<T>(cache: Map<number, T>, key: number, value: T, size: number): void {
    cache.delete(key);
    cache.set(key, value);
    if (cache.size > size) cache.delete(cache.keys().next().value!);
  }

  async #payload(position: number): Promise<Buffer> {
    const index = this.#blockOf.array[position]!;
    let payloads = this.#payloads.get(index);
    if (!payloads) {
      const block = this.#blocks[index]!;
      const body = Buffer.allocUnsafe(block.bodyBytes);
      await this.#handle.read(body, 0, body.length, block.bodyAt);
      let raw: Buffer;
      try {
        raw = brotliDecompressSync(body);
      } catch (err) {
        throw this.#corrupt(block.first, `cannot be decompressed (${(err as Error).message})`);
      }
      payloads = [];
      const reader = new VarintReader(raw, () => this.#corrupt(block.first, 'lies in a damaged block'));
      for (let k = 0; k < block.count; k++) {
        const length = reader.next();
        if (reader.at + length > raw.length) throw this.#corrupt(block.first + k, 'lies in a damaged block');
        payloads.push(raw.subarray(reader.at, reader.at + length));
        reader.at += length;
      }
      this.#remember(this.#payloads, index, payloads, BLOCK_CACHE);
    }
    return payloads[position - this.#blocks[index]!.first]!;
  }

  /** Copy the canonical NDJSON bytes [position, position + length) into `buffer` at `offset`. */
  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const offsets = this.#offsets.array;
    const end = Math.min(position + length, this.bytes);
    let done = 0;
    // The entry whose line holds `position`.
    let lo = 0;
    let hi = this.entries - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    for (let p = lo; position + done < end; p++) {
      const lineStart = offsets[p]!;
      const text = await this.text(p);
      const from = position + done - lineStart;
      const upTo = Math.min(text.length + 1, end - lineStart);
      if (from < text.length) done += text.copy(buffer, offset + done, from, Math.min(text.length, upTo));
      if (upTo === text.length + 1) buffer[offset + done++] = 0x0a;
    }
    return done;
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}
