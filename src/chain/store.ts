import type { SealedEntry } from './entry.js';

/**
 * Where a chain's entries live. `append` updates the store's view at once (HEAD moves
 * before the returned promise settles) so the next message can be processed while the
 * previous group is still being made durable; whoever acknowledges an entry to the
 * outside world awaits the promise first. Appends settle in the order they were made.
 */
export interface ChainStore {
  readonly length: number;
  readonly head: string | null;
  /** Append entries as one group (all or none survive a crash); resolves when durable. */
  append(entries: readonly SealedEntry[]): Promise<void>;
  /** Position of an entry in chain order (genesis is 0), or undefined when unknown. */
  indexOf(hash: string): number | undefined;
  /** Hash of the entry at a position (0 <= position < length). */
  hashAt(position: number): string;
  /**
   * Canonical JSON text of the entries at positions [from, to), in chain order, all of them
   * durable (their append resolved). Stops early rather than go over `maxBytes` (counting
   * each entry as its line in chain.ndjson, newline included), but always gives one entry.
   */
  read(from: number, to: number, maxBytes?: number): Promise<string[]>;
  /** The canonical bytes of the durable entry at `position` (what GET /chain/<hash> serves). */
  readEntry(position: number): Promise<Buffer>;
  /** An upgrade was appended: the chain now runs this component (a data dir's checkpoint says so). */
  componentChanged?(componentHash: string): void;
  close(): Promise<void>;
}
