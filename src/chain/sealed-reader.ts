/** Random access to the entries of chain.sealed (the format: sealed.ts; what its block headers say: sealed-index.ts). */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { brotliDecompressSync } from 'node:zlib';
import { ActorchainError } from '../errors.js';
import { applyDeltaToPieces } from './delta.js';
import { PieceText } from './piece-text.js';
import { SealedIndex } from './sealed-index.js';
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

/** Random access to the entries of a chain.sealed, as canonical texts and as NDJSON bytes: the index of its headers, and the entries read from its blocks' bodies. */
export class SealedReader extends SealedIndex {
  readonly file: string;
  readonly #handle: FileHandle;
  readonly #texts = new Map<number, Buffer>();
  readonly #digests = new Map<number, string>();
  readonly #payloads = new Map<number, Buffer[]>();
  /**
   * Whether text() holds each rebuilt text to its hash prefix; false for a reader whose texts
   * are hashed and held to them elsewhere (verify's hash thread, see hasHashPrefix).
   */
  checkTexts = true;

  private constructor(file: string, handle: FileHandle) {
    super();
    this.file = file;
    this.#handle = handle;
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
    if (this.fileBytes !== fileBytes) throw new Error(`${this.file}: the blocks end at byte ${this.fileBytes}, not ${fileBytes}`);
  }

  #scan(size: number, until: Buffer | undefined): Promise<void> {
    return this.scan(this.file, this.#handle, size, until);
  }

  get handle(): FileHandle {
    return this.#handle;
  }

  /** The last two entries, for a writer that appends after them. */
  async seeds(): Promise<SealedSeed[]> {
    const seeds: SealedSeed[] = [];
    for (let p = Math.max(0, this.entries - 2); p < this.entries; p++) {
      let depth = 0;
      for (let q = p; q >= 0 && this.delta[q] === 1; q -= 2) depth++;
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
    if (!this.checkTexts) return this.uncheckedText(position);
    try {
      return await this.#rebuild(position, false);
    } catch {
      return this.#rebuild(position, true);
    }
  }

  /**
   * The canonical text of entry `position`, rebuilt but not held to its hash prefix: for a
   * sequential reader that checks the texts another way (a checkpoint's digest of them all,
   * prefix-check.ts). It calls forget() when it is done, so that no text it was given is
   * served unchecked from the cache afterwards.
   */
  async uncheckedText(position: number): Promise<Buffer> {
    return this.#texts.get(position) ?? this.#rebuild(position, false, false);
  }

  /** Whether `hash` (an entry's full SHA-256) starts with the prefix sealed with entry `position`. */
  hasHashPrefix(position: number, hash: Buffer): boolean {
    return this.matchesPrefix(position, hash);
  }

  /** Drop the rebuilt texts and hashes kept (after uncheckedText). */
  forget(): void {
    this.#texts.clear();
    this.#digests.clear();
  }

  /** Where entry `position`'s line starts in the canonical NDJSON (`entries`: where the last ends). */
  lineStart(position: number): number {
    return this.offsets[position]!;
  }

  async #rebuild(position: number, checkEach: boolean, checkTarget = true): Promise<Buffer> {
    const offsets = this.offsets;
    const delta = this.delta;
    // The chain of deltas back to a full text (or a text rebuilt already), rebuilt forwards,
    // as pieces of the payloads: the text is copied out once, at the end (or at each entry
    // checked on the way).
    const chain: number[] = [];
    let cached: Buffer | undefined;
    for (let p = position; ; p -= 2) {
      cached = this.#texts.get(p);
      if (cached) break;
      chain.push(p);
      if (delta[p] === 0) break;
      if (p < 2) throw this.#corrupt(p, 'is a delta with no entry two before it');
    }
    let text = cached && PieceText.of(cached);
    let bytes = cached;
    for (let k = chain.length - 1; k >= 0; k--) {
      const p = chain[k]!;
      const payload = await this.#payload(p);
      text = delta[p] === 0 ? PieceText.of(payload) : applyDeltaToPieces(text!, payload, `${this.file}: entry ${p} (line ${p + 1})`);
      if (text.length !== offsets[p + 1]! - offsets[p]! - 1) throw this.#corrupt(p, 'has another length than recorded');
      if (k === 0 && !checkTarget) {
        bytes = text.toBuffer();
        this.#remember(this.#texts, p, bytes, TEXT_CACHE);
      } else if (k === 0 || checkEach) {
        bytes = text.toBuffer();
        const hash = createHash('sha256').update(bytes).digest();
        if (!this.matchesPrefix(p, hash)) throw this.#corrupt(p, `does not rebuild to the entry whose hash starts ${this.prefixHex(p)}`);
        this.#remember(this.#texts, p, bytes, TEXT_CACHE);
        this.#remember(this.#digests, p, hash.toString('hex'), DIGEST_CACHE);
        text = PieceText.of(bytes);
      }
    }
    return bytes!;
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
    const index = this.blockOf(position);
    const block = this.block(index);
    let payloads = this.#payloads.get(index);
    if (!payloads) {
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
    return payloads[position - block.first]!;
  }

  /** Copy the canonical NDJSON bytes [position, position + length) into `buffer` at `offset`. */
  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const offsets = this.offsets;
    const end = Math.min(position + length, this.bytes);
    let done = 0;
    for (let p = this.entryAt(position); position + done < end; p++) {
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
