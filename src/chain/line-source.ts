/**
 * The one way a chain's bytes are read as lines: recovery and verify (chain-file.ts), the
 * hash thread (worker/line-hash-worker.ts), the pass over a checkpoint's plain prefix
 * (prefix-check.ts), the live sealer, export and the end of chain.sealed (chain-bytes.ts)
 * all take their lines from here. What it reads is any positional reader: a ChainBytes
 * (chain.sealed's rebuilt entries, then chain.ndjson) or a plain file.
 *
 *   bytes [from, to):   line\n line\n line\n li│ne\n line\n …   line wi(thout newline)
 *                       └──── chunk 1 ─────────┘                 └ rest ┘
 *                                  └──── chunk 2 (starts with the carried "li") ───┘
 *
 * A chunk holds whole lines only, each ending with its newline; the partial line a read
 * ends with is carried to the start of the next chunk (the only bytes copied), and a chunk
 * grows with a long line so that joining stays linear. The next chunk is read while the
 * consumer works on this one. Lines past `to`, and a last line without its newline (`rest`),
 * are never handed out: what a crash may have cut short is the consumer's to judge.
 */
const NEWLINE = 0x0a;
const DEFAULT_CHUNK_BYTES = 1 << 20;

/** What the line source reads: a FileHandle, a ChainBytes, or anything with the same read. */
export interface ByteReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

export interface LineChunk {
  /** Whole lines, each with its newline (empty when a read ended inside a long line). */
  lines: Buffer;
  /** Where `lines` starts in the file. */
  offset: number;
  /** How far the file has been read so far (the next chunk's read may already be under way past it). */
  readTo: number;
}

export class LineChunks implements AsyncIterable<LineChunk> {
  readonly #reader: ByteReader;
  readonly #from: number;
  readonly #to: number;
  readonly #chunkBytes: number;
  #rest: Buffer = Buffer.alloc(0);
  #readTo: number;

  /** The lines of `reader` in bytes [from, to); `from` is the start of a line. */
  constructor(reader: ByteReader, from: number, to: number, chunkBytes = DEFAULT_CHUNK_BYTES) {
    this.#reader = reader;
    this.#from = from;
    this.#to = to;
    this.#chunkBytes = chunkBytes;
    this.#readTo = from;
  }

  /** After a whole iteration: the bytes after the last newline (a last line without its newline). */
  get rest(): Buffer {
    return this.#rest;
  }

  /** After a whole iteration: where reading stopped (before `to` when the file ended sooner). */
  get readTo(): number {
    return this.#readTo;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LineChunk> {
    const to = this.#to;
    // The next chunk leaves room at its start for the partial line this one ends with. A read
    // that fails while the consumer is busy must not go unhandled: it is thrown when its turn
    // comes (the catch only marks it as looked after).
    const prefetch = (carryBytes: number, position: number) => {
      const chunk = Buffer.allocUnsafe(carryBytes + Math.min(Math.max(this.#chunkBytes, carryBytes), to - position));
      const pending = this.#reader.read(chunk, carryBytes, chunk.length - carryBytes, position).then(({ bytesRead }) => ({ chunk, bytesRead }));
      pending.catch(() => {});
      return pending;
    };
    let carry = Buffer.alloc(0);
    let offset = this.#from;
    let read = this.#from;
    let next = read < to ? prefetch(0, read) : undefined;
    try {
      while (next !== undefined) {
        const { chunk, bytesRead } = await next;
        next = undefined;
        if (bytesRead === 0) break;
        read += bytesRead;
        carry.copy(chunk, 0);
        const buffer = chunk.subarray(0, carry.length + bytesRead);
        const whole = buffer.lastIndexOf(NEWLINE) + 1;
        if (read < to) next = prefetch(buffer.length - whole, read);
        yield { lines: buffer.subarray(0, whole), offset, readTo: read };
        offset += whole;
        carry = buffer.subarray(whole);
      }
      this.#rest = carry;
      this.#readTo = read;
    } finally {
      // A read still in flight (the consumer stopped early) ends before the file may be closed.
      await next?.catch(() => {});
    }
  }
}

/**
 * Each whole line `source` reads, without its newline (a view, not a copy: it stays valid).
 * For readers that take lines one at a time; hot loops walk the chunks themselves.
 */
export async function* eachLine(source: LineChunks): AsyncGenerator<Buffer> {
  for await (const { lines } of source) {
    let start = 0;
    for (let nl = lines.indexOf(NEWLINE); nl !== -1; nl = lines.indexOf(NEWLINE, start)) {
      yield lines.subarray(start, nl);
      start = nl + 1;
    }
  }
}
