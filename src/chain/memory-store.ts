import type { ChainStore } from './store.js';
import type { SealedEntry } from './entry.js';

/** The seed's store: a hash-map of entries plus the order they were committed in. */
export class MemoryStore implements ChainStore {
  readonly #positions = new Map<string, number>();
  readonly #texts: string[] = [];
  readonly #hashes: string[] = [];

  get length(): number {
    return this.#hashes.length;
  }

  get head(): string | null {
    return this.#hashes.at(-1) ?? null;
  }

  append(entries: readonly SealedEntry[]): Promise<void> {
    for (const { hash, text } of entries) {
      this.#positions.set(hash, this.#hashes.length);
      this.#hashes.push(hash);
      this.#texts.push(text);
    }
    return Promise.resolve();
  }

  indexOf(hash: string): number | undefined {
    return this.#positions.get(hash);
  }

  hashAt(position: number): string {
    return this.#hashes[position]!;
  }

  read(from: number, to: number, maxBytes = Infinity): Promise<string[]> {
    let end = from;
    for (let bytes = 0; end < to; end++) {
      bytes += Buffer.byteLength(this.#texts[end]!) + 1;
      if (bytes > maxBytes && end > from) break;
    }
    return Promise.resolve(this.#texts.slice(from, end));
  }

  readEntry(position: number): Promise<Buffer> {
    return Promise.resolve(Buffer.from(this.#texts[position]!));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
