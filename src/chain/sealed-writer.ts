/** Appends blocks to chain.sealed (the format: sealed.ts). */
import type { FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib } from 'node:zlib';
import { applyDelta, diffBytes } from './delta.js';
import { BLOCK_BYTES, BLOCK_ENTRIES, BLOCK_MIN_BYTES, DELTA_DEPTH, HASH_PREFIX, MIN_DELTA_BYTES, SEALED_MAGIC, varint, type SealedSeed } from './sealed.js';

/**
 * Brotli's quality for a block. 3, not 5: on a 64 KB block of echo entries (their parents'
 * hashes are random hex) 0.4-0.5 ms against 1.4-1.8 ms, and 27.1 % of the bytes against 29.0 %;
 * the accounts ledger's sealed chain is 8 % larger (517 against 478 bytes a message, 0.30 % of
 * its canonical bytes). Readers do not depend on it: any quality decodes alike.
 */
const BROTLI_QUALITY = 3;

/** In the zlib thread pool: a runtime's event loop keeps serving while a block is compressed. */
const compress = promisify(brotliCompress);

/** Appends blocks to chain.sealed from entries given in chain order. */
export class SealedWriter {
  readonly #handle: FileHandle;
  #header: number[] = [];
  /** The block's body so far (each entry's length and payload), in #bodyBytes of a buffer that grows. */
  #body = Buffer.allocUnsafe(64 << 10);
  #bodyBytes = 0;
  #blockEntries = 0;
  #blockBytes = 0;
  /** The last two entries' texts and delta depths (0 for a full text). */
  #previous: SealedSeed[];
  entries = 0;
  /** Where the next block goes in the file (its size once finished). */
  bytesWritten: number;

  private constructor(handle: FileHandle, at: number, seeds: SealedSeed[]) {
    this.#handle = handle;
    this.bytesWritten = at;
    this.#previous = seeds.slice(-2);
  }

  /** A new chain.sealed (the handle's file is empty). */
  static async create(handle: FileHandle): Promise<SealedWriter> {
    await handle.write(SEALED_MAGIC, 0, SEALED_MAGIC.length, 0);
    return new SealedWriter(handle, SEALED_MAGIC.length, []);
  }

  /** Blocks written from byte `at` on, after the sealed entries whose last two are `seeds` (SealedReader.seeds). */
  static append(handle: FileHandle, at: number, seeds: SealedSeed[]): SealedWriter {
    return new SealedWriter(handle, at, seeds);
  }

  /**
   * Add an entry. Returns the write of the block it ended, when it ended one (a block is
   * written while the next fills): wait for it before adding more.
   */
  add(text: string | Buffer, hash: string): Promise<void> | undefined {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    const before = this.#previous.length === 2 ? this.#previous[0]! : undefined;
    const delta = before && before.depth < DELTA_DEPTH && bytes.length >= MIN_DELTA_BYTES ? diffBytes(before.text, bytes) : undefined;
    // A delta that would not rebuild the text must never reach the disk.
    if (delta && !applyDelta(before!.text, delta, 'the entry being sealed').equals(bytes)) throw new Error(`the delta of entry ${hash} does not rebuild it`);
    const depth = delta ? before!.depth + 1 : 0;
    const blockFull = (this.#blockEntries >= BLOCK_ENTRIES && this.#blockBytes >= BLOCK_MIN_BYTES) || this.#blockBytes >= BLOCK_BYTES;
    const written = !delta && blockFull ? this.#flush() : undefined;
    const payload = delta ?? bytes;
    varint(this.#header, bytes.length);
    this.#header.push(delta ? 1 : 0);
    // The hash's first bytes, from its (lowercase) hex digits: no Buffer made per entry.
    for (let i = 0; i < HASH_PREFIX * 2; i += 2) this.#header.push(hexDigit(hash.charCodeAt(i)) * 16 + hexDigit(hash.charCodeAt(i + 1)));
    this.#appendBody(payload);
    this.#blockEntries++;
    this.#blockBytes += bytes.length;
    this.#previous.push({ text: bytes, depth });
    if (this.#previous.length > 2) this.#previous.shift();
    this.entries++;
    return written;
  }

  /** Write the last block and sync (the caller closes the handle). */
  async finish(): Promise<void> {
    await this.#flush();
    await this.#handle.datasync();
  }

  async #flush(): Promise<void> {
    if (this.#blockEntries === 0) return;
    const count: number[] = [];
    varint(count, this.#blockEntries);
    const header = Buffer.from([...count, ...this.#header]);
    const raw = Buffer.from(this.#body.subarray(0, this.#bodyBytes));
    this.#header = [];
    this.#bodyBytes = 0;
    this.#blockEntries = 0;
    this.#blockBytes = 0;
    // A block is compressed on its own: a window larger than the block finds nothing more,
    // and costs its tables (a 9 KB block: 200 µs with a 16 MB window, 100-120 µs with 64 KB).
    const window = Math.min(24, Math.max(16, Math.ceil(Math.log2(raw.length))));
    const body = await compress(raw, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_LGWIN]: window, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length },
    });
    const lengths = Buffer.alloc(8);
    lengths.writeUInt32BE(header.length, 0);
    lengths.writeUInt32BE(body.length, 4);
    const block = Buffer.concat([lengths, header, body]);
    for (let done = 0; done < block.length;) {
      const { bytesWritten } = await this.#handle.write(block, done, block.length - done, this.bytesWritten + done);
      done += bytesWritten;
    }
    this.bytesWritten += block.length;
  }

  /** The payload's length (a varint) and its bytes, copied to the end of the block's body. */
  #appendBody(payload: Buffer): void {
    const needed = this.#bodyBytes + 10 + payload.length;
    if (needed > this.#body.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#body.length * 2));
      this.#body.copy(grown, 0, 0, this.#bodyBytes);
      this.#body = grown;
    }
    let at = this.#bodyBytes;
    for (let value = payload.length; ; value = Math.floor(value / 0x80)) {
      if (value < 0x80) {
        this.#body[at++] = value;
        break;
      }
      this.#body[at++] = (value % 0x80) | 0x80;
    }
    this.#bodyBytes = at + payload.copy(this.#body, at);
  }
}

/** The value of a hex digit's character code (0-9, a-f). */
function hexDigit(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}
