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
 * A failed write or sync is final. The file is cut back to the end of the last group that
 * resolved, so a pair that was answered with an error does not come back on the next
 * start (should the cut fail as well, that start's recovery cuts what is torn, but a whole
 * pair would stay). Then the groups in flight reject, every later append rejects with the
 * same CHAIN_WRITE_FAILED, and `failed` settles so the owner can exit.
 *
 * Checkpoint. The store keeps the data dir's checkpoint (checkpoint.ts) through a
 * CheckpointKeeper (checkpoint-keeper.ts): one when it closes, so the next start re-hashes
 * the durable bytes as one stream instead of checking every line, and one in the background
 * every CHECKPOINT_AFTER_LINES entries, so a runtime that is killed leaves at most about
 * that many lines to check one by one, however long its chain.
 */
import { ActorchainError } from '../errors.js';
import type { ChainIndex } from './chain-index.js';
import { CheckpointKeeper, type CheckpointState } from './checkpoint-keeper.js';
import type { DataDirLock } from './data-dir-lock.js';
import type { SealedEntry } from './entry.js';
import type { ChainStore } from './store.js';

export type FsyncMode = 'always' | 'never';

/**
 * Told where each batch of durable groups ends; may take the file over between two group
 * writes (`between`), to replace chain.ndjson (live-seal.ts).
 */
export interface StoreSealer {
  durable(offset: number, between: <T>(fn: () => Promise<T>) => Promise<T>): void;
  /** Let what it does finish, then seal up to `offset` (the end of the last durable group), if given. */
  close(offset: number | undefined): Promise<void>;
}

/** What the store needs of a FileHandle, so that a test can stand in a slow or failing disk. */
export interface ChainFileHandle {
  /** Opened for appending: every write lands at the end of the file. */
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface FileStoreParts {
  file: string;
  handle: ChainFileHandle;
  /** The entries already in the file, which are durable. */
  index: ChainIndex;
  /** Where those entries end. */
  endOffset: number;
  fsync: FsyncMode;
  /** Held until close. */
  lock: DataDirLock;
  /** Told how long each fdatasync of appended groups took (the fsync metric). */
  onSync?: (seconds: number) => void;
  /** Seals the start of chain.ndjson as it grows (a data dir in the compacted layout). */
  sealer?: StoreSealer;
  /** Where and for what to keep a checkpoint; none for a file that is not a data dir's. */
  checkpoint?: CheckpointState;
}

interface QueuedGroup {
  bytes: Buffer;
  entries: number;
  resolve: () => void;
  reject: (err: ActorchainError) => void;
}

export class FileStore implements ChainStore {
  readonly file: string;
  readonly #handle: ChainFileHandle;
  readonly #index: ChainIndex;
  readonly #fsync: FsyncMode;
  readonly #lock: DataDirLock;
  readonly #onSync: (seconds: number) => void;
  readonly #sealer: StoreSealer | undefined;
  /** Set while the sealer has the file: the flush loop waits. */
  #paused: Promise<void> | undefined;
  /** The flush loop's write and sync in flight (settled between two). */
  #writing: Promise<void> = Promise.resolve();
  /** File length once every queued group is written. */
  #endOffset: number;
  /** Entries whose group resolved, and where they end in the file. */
  #durableCount: number;
  #durableOffset: number;
  #queue: QueuedGroup[] = [];
  #flushing = false;
  #drained: Promise<void> = Promise.resolve();
  #closed = false;
  #failure: ActorchainError | undefined;
  #reportFailure!: (err: ActorchainError) => void;
  readonly #checkpoint: CheckpointKeeper | undefined;
  /** Settles (never rejects) with the error when a write or sync fails. */
  readonly failed: Promise<ActorchainError>;

  /** Use openFileStore (recovery.ts): it takes the lock, checks the file and builds the index first. */
  constructor(parts: FileStoreParts) {
    this.file = parts.file;
    this.#handle = parts.handle;
    this.#index = parts.index;
    this.#fsync = parts.fsync;
    this.#lock = parts.lock;
    this.#onSync = parts.onSync ?? (() => {});
    this.#sealer = parts.sealer;
    this.#endOffset = parts.endOffset;
    this.#durableOffset = parts.endOffset;
    this.#durableCount = parts.index.length;
    this.failed = new Promise((resolve) => (this.#reportFailure = resolve));
    this.#checkpoint = parts.checkpoint && new CheckpointKeeper(parts.checkpoint, { file: this.file, handle: this.#handle, index: this.#index });
    if (parts.checkpoint?.writeNow) this.#checkpoint!.start(this.#durableCount, this.#durableOffset);
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

  onGroupWrite?: (lengthAfter: number) => void;

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

  async read(from: number, to: number, maxBytes = Infinity): Promise<string[]> {
    if (to > this.#durableCount) throw new Error(`read of entries up to ${to}, but only ${this.#durableCount} are durable`);
    if (from >= to) return [];
    const start = this.#offsetOf(from);
    let end = from + 1;
    while (end < to && this.#offsetOf(end + 1) - start <= maxBytes) end++;
    const buffer = Buffer.allocUnsafe(this.#offsetOf(end) - start);
    for (let done = 0; done < buffer.length;) {
      const { bytesRead } = await this.#handle.read(buffer, done, buffer.length - done, start + done);
      if (bytesRead === 0) throw new ActorchainError('INTERNAL_ERROR', `${this.file} is shorter than its index (was it truncated?)`);
      done += bytesRead;
    }
    // One string per line: the whole range as one string could pass V8's limit on a string's length.
    const lines: string[] = [];
    for (let position = from; position < end; position++) {
      lines.push(buffer.toString('utf8', this.#offsetOf(position) - start, this.#offsetOf(position + 1) - start - 1));
    }
    return lines;
  }

  async readEntry(position: number): Promise<Buffer> {
    if (position >= this.#durableCount) throw new Error(`read of entry ${position}, but only ${this.#durableCount} are durable`);
    const start = this.#offsetOf(position);
    // The line, newline left out.
    const buffer = Buffer.allocUnsafe(this.#offsetOf(position + 1) - start - 1);
    for (let done = 0; done < buffer.length;) {
      const { bytesRead } = await this.#handle.read(buffer, done, buffer.length - done, start + done);
      if (bytesRead === 0) throw new ActorchainError('INTERNAL_ERROR', `${this.file} is shorter than its index (was it truncated?)`);
      done += bytesRead;
    }
    return buffer;
  }

  /** Let the groups in flight finish, sync once more, close the file and release the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#drained;
      if (!this.#failure && this.#fsync === 'never') await this.#handle.datasync().catch(() => {});
      // What chain.ndjson holds is sealed as well, so a stopped runtime's data dir is compact.
      await this.#sealer?.close(this.#failure ? undefined : this.#durableOffset);
      await this.#checkpoint?.settled();
      if (!this.#failure) await this.#checkpoint?.write(this.#durableCount, this.#durableOffset);
      await this.#handle.close();
    } finally {
      await this.#lock.release();
    }
  }

  componentChanged(componentHash: string): void {
    this.#checkpoint?.componentChanged(componentHash);
  }

  /** Byte offset of the line at `position`; the end of the file for the position after the last. */
  #offsetOf(position: number): number {
    return position < this.#index.length ? this.#index.offsetAt(position) : this.#endOffset;
  }

  async #flush(): Promise<void> {
    try {
      // No commit delay: groups that complete during a sync share the next one anyway, and
      // waiting for company (PostgreSQL's commit_delay) cost throughput and p99 here.
      while (this.#queue.length > 0) {
        if (this.#paused) {
          await this.#paused;
          continue;
        }
        const batch = this.#queue;
        this.#queue = [];
        const bytes = batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((g) => g.bytes));
        this.onGroupWrite?.(this.#durableCount + batch.reduce((sum, g) => sum + g.entries, 0));
        let written!: () => void;
        this.#writing = new Promise((resolve) => (written = resolve));
        try {
          await this.#writeFully(bytes);
          if (this.#fsync === 'always') {
            const started = performance.now();
            await this.#handle.datasync();
            this.#onSync((performance.now() - started) / 1000);
          }
        } catch (err) {
          await this.#fail(err as Error, batch);
          written();
          return;
        }
        this.#durableCount += batch.reduce((sum, g) => sum + g.entries, 0);
        this.#durableOffset += bytes.length;
        for (const group of batch) group.resolve();
        this.#checkpoint?.startIfDue(this.#durableCount, this.#durableOffset);
        this.#sealer?.durable(this.#durableOffset, (fn) => this.#between(fn));
        written();
      }
    } finally {
      // Cleared in the same tick the loop sees an empty queue, so no append is left unflushed.
      this.#flushing = false;
    }
  }

  /** Run `fn` with the file to itself: after the write in flight, before the next. */
  async #between<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#paused) await this.#paused;
    let resume!: () => void;
    this.#paused = new Promise((resolve) => (resume = resolve));
    try {
      await this.#writing;
      if (this.#failure) throw this.#failure;
      return await fn();
    } finally {
      this.#paused = undefined;
      resume();
    }
  }

  async #writeFully(bytes: Buffer): Promise<void> {
    for (let done = 0; done < bytes.length;) {
      const { bytesWritten } = await this.#handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
  }

  /** Cut the unacknowledged bytes, then reject every waiting group (those queued meanwhile too). */
  async #fail(cause: Error, batch: QueuedGroup[]): Promise<void> {
    let uncut = '';
    try {
      await this.#handle.truncate(this.#durableOffset);
    } catch (err) {
      uncut = `; cutting the unacknowledged entries from it failed too (${(err as Error).message}), so the next start may find them`;
    }
    this.#failure = new ActorchainError('CHAIN_WRITE_FAILED', `writing ${this.file} failed (${cause.message}); no further message will be acknowledged${uncut}`, {
      cause,
    });
    for (const group of [...batch, ...this.#queue]) group.reject(this.#failure);
    this.#queue = [];
    this.#reportFailure(this.#failure);
  }
}
