/**
 * The durable store: chain.ndjson in a data dir, one entry's canonical JSON per line, in
 * chain order (so `sha256sum` of a line without its newline is the entry's hash). Memory
 * holds a ChainIndex (hash and byte offset per entry), never the entries; reads go to the
 * file.
 *
 * Group commit. `append` moves HEAD at once and queues the group; one flush loop writes
 * every queued group in a single write, then, with fsync 'always', one fdatasync, and only
 * then settles those groups' promises. Groups appended while a write or fdatasync is in
 * flight wait and share the next one, so the cost of a sync is spread over every message
 * that completed during the previous one:
 *
 *   append A ─┐                     append C ─┐
 *   append B ─┴─ write(A+B) ─ fdatasync ─ resolve A, B ─ write(C+D) ─ fdatasync ─ resolve C, D
 *                            append D ─┘
 *
 * A failed write or sync is final: the groups in flight reject, every later append rejects
 * with the same CHAIN_WRITE_FAILED, and `failed` settles so the owner can exit. The file
 * may then end with a torn group, which recovery cuts on the next start.
 */
import type { FileHandle } from 'node:fs/promises';
import { ActorchainError } from '../errors.js';
import type { ChainIndex } from './chain-index.js';
import type { SealedEntry } from './entry.js';
import type { ChainStore } from './store.js';

export type FsyncMode = 'always' | 'never';

interface QueuedGroup {
  bytes: Buffer;
  entries: number;
  resolve: () => void;
  reject: (err: ActorchainError) => void;
}

interface WrittenWaiter {
  count: number;
  resolve: () => void;
  reject: (err: ActorchainError) => void;
}

export class FileStore implements ChainStore {
  readonly file: string;
  readonly #handle: FileHandle;
  readonly #index: ChainIndex;
  readonly #fsync: FsyncMode;
  /** File length once every queued group is written. */
  #endOffset: number;
  /** Entries whose bytes are in the file (not necessarily synced). */
  #writtenCount: number;
  #queue: QueuedGroup[] = [];
  #writtenWaiters: WrittenWaiter[] = [];
  #flushing = false;
  #drained: Promise<void> = Promise.resolve();
  #closed = false;
  #failure: ActorchainError | undefined;
  #reportFailure!: (err: ActorchainError) => void;
  /** Settles (never rejects) with the error when a write or sync fails. */
  readonly failed: Promise<ActorchainError>;

  /** Use openFileStore (recovery.ts): it checks the file and builds the index first. */
  constructor(file: string, handle: FileHandle, index: ChainIndex, endOffset: number, fsync: FsyncMode) {
    this.file = file;
    this.#handle = handle;
    this.#index = index;
    this.#endOffset = endOffset;
    this.#writtenCount = index.length;
    this.#fsync = fsync;
    this.failed = new Promise((resolve) => (this.#reportFailure = resolve));
  }

  get length(): number {
    return this.#index.length;
  }

  get head(): string | null {
    return this.#index.length === 0 ? null : this.#index.hashAt(this.#index.length - 1);
  }

  /** Bytes the in-memory index holds. */
  get indexBytes(): number {
    return this.#index.memoryBytes;
  }

  append(entries: readonly SealedEntry[]): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new ActorchainError('ACTOR_UNAVAILABLE', 'the chain is closed'));
    let text = '';
    for (const { hash, text: line } of entries) {
      this.#index.add(hash, this.#endOffset);
      this.#endOffset += Buffer.byteLength(line) + 1;
      text += `${line}\n`;
    }
    const durable = new Promise<void>((resolve, reject) => {
      this.#queue.push({ bytes: Buffer.from(text), entries: entries.length, resolve, reject });
    });
    if (!this.#flushing) {
      this.#flushing = true;
      this.#drained = this.#flush();
    }
    return durable;
  }

  indexOf(hash: string): number | undefined {
    return this.#index.positionOf(hash);
  }

  hashAt(position: number): string {
    return this.#index.hashAt(position);
  }

  async read(from: number, to: number): Promise<string[]> {
    if (from >= to) return [];
    if (to > this.#writtenCount) await this.#whenWritten(to);
    const start = this.#index.offsetAt(from);
    const end = to < this.#index.length ? this.#index.offsetAt(to) : this.#endOffset;
    const buffer = Buffer.allocUnsafe(end - start);
    for (let done = 0; done < buffer.length; ) {
      const { bytesRead } = await this.#handle.read(buffer, done, buffer.length - done, start + done);
      if (bytesRead === 0) throw new ActorchainError('INTERNAL_ERROR', `${this.file} is shorter than its index (was it truncated?)`);
      done += bytesRead;
    }
    const lines = buffer.toString('utf8').split('\n');
    lines.pop(); // the text after the last newline is empty
    return lines;
  }

  /** Let the groups in flight finish, sync once more, and close the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#drained;
    if (!this.#failure && this.#fsync === 'never') await this.#handle.datasync().catch(() => {});
    await this.#handle.close();
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        try {
          await this.#writeFully(batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((g) => g.bytes)));
          this.#writtenCount += batch.reduce((sum, g) => sum + g.entries, 0);
          this.#settleWritten();
          if (this.#fsync === 'always') await this.#handle.datasync();
        } catch (err) {
          this.#fail(err as Error, batch);
          return;
        }
        for (const group of batch) group.resolve();
      }
    } finally {
      // Cleared in the same tick the loop sees an empty queue, so no append is left unflushed.
      this.#flushing = false;
    }
  }

  async #writeFully(bytes: Buffer): Promise<void> {
    for (let done = 0; done < bytes.length; ) {
      // The file is opened for appending: every write lands at its end.
      const { bytesWritten } = await this.#handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
  }

  #whenWritten(count: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#writtenWaiters.push({ count, resolve, reject }));
  }

  #settleWritten(): void {
    const ready = this.#writtenWaiters.filter((w) => w.count <= this.#writtenCount);
    if (ready.length === 0) return;
    this.#writtenWaiters = this.#writtenWaiters.filter((w) => w.count > this.#writtenCount);
    for (const waiter of ready) waiter.resolve();
  }

  #fail(cause: Error, batch: QueuedGroup[]): void {
    this.#failure = new ActorchainError(
      'CHAIN_WRITE_FAILED',
      `writing ${this.file} failed (${cause.message}); no further message will be acknowledged`,
      { cause },
    );
    for (const group of [...batch, ...this.#queue]) group.reject(this.#failure);
    for (const waiter of this.#writtenWaiters) waiter.reject(this.#failure);
    this.#queue = [];
    this.#writtenWaiters = [];
    this.#reportFailure(this.#failure);
  }
}
