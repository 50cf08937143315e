import type { ChainStore } from './store.js';
import type { SealedEntry } from './entry.js';

/** Entries a chunk holds: a chunk's arrays and map never grow past this. */
const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

interface Chunk {
  hashes: string[];
  texts: string[];
  /** Hash → position, for this chunk's entries. */
  positions: Map<string, number>;
}

/**
 * The seed's store: the entries in the order they were committed, and where each hash is. Kept
 * in chunks of 65,536 entries, each with its own arrays and map: one array and one map for the
 * whole chain grew by copying everything they held, and the append that crossed a size waited
 * for it (in process, at a million entries: 230 ms for one batch of 1,024 appends). A lookup by
 * hash asks the newest chunk first (the head, a page's `after`); lookups are rare (reads by
 * hash), appends are every message.
 */
export class MemoryStore implements ChainStore {
  readonly #chunks: Chunk[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  get head(): string | null {
    return this.#length === 0 ? null : this.hashAt(this.#length - 1);
  }

  append(entries: readonly SealedEntry[]): Promise<void> {
    for (const { hash, text } of entries) {
      const position = this.#length++;
      if ((position & CHUNK_MASK) === 0) this.#chunks.push({ hashes: [], texts: [], positions: new Map() });
      const chunk = this.#chunks[this.#chunks.length - 1]!;
      chunk.positions.set(hash, position);
      chunk.hashes.push(hash);
      chunk.texts.push(text);
    }
    return Promise.resolve();
  }

  indexOf(hash: string): number | undefined {
    for (let i = this.#chunks.length - 1; i >= 0; i--) {
      const position = this.#chunks[i]!.positions.get(hash);
      if (position !== undefined) return position;
    }
    return undefined;
  }

  hashAt(position: number): string {
    return this.#chunks[position >>> CHUNK_BITS]?.hashes[position & CHUNK_MASK] as string;
  }

  #textAt(position: number): string {
    return this.#chunks[position >>> CHUNK_BITS]?.texts[position & CHUNK_MASK] as string;
  }

  read(from: number, to: number, maxBytes = Infinity): Promise<string[]> {
    const texts: string[] = [];
    for (let bytes = 0, position = from; position < to; position++) {
      const text = this.#textAt(position);
      bytes += Buffer.byteLength(text) + 1;
      if (bytes > maxBytes && position > from) break;
      texts.push(text);
    }
    return Promise.resolve(texts);
  }

  readEntry(position: number): Promise<Buffer> {
    return Promise.resolve(Buffer.from(this.#textAt(position)));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
