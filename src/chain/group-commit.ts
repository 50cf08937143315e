/**
 * FileStore's group commit. `enqueue` queues a group's bytes; one flush loop writes every
 * queued group in a single write, durable with fsync 'always' (an O_DSYNC write, or a write
 * then an fdatasync on a handle opened without it), and only then settles those groups'
 * promises. Groups enqueued while a write is in flight wait and share the next one, so the
 * cost of a sync is spread over every message that completed during the previous one:
 *
 *   append A ─┐                          append C ─┐
 *   append B ─┴─ durable write(A+B) ─ resolve A, B ─ durable write(C+D) ─ resolve C, D
 *                            append D ─┘
 *
 * A failed write or sync is final. The file is cut back to the end of the last group that
 * resolved, so a pair that was answered with an error does not come back on the next
 * start (should the cut fail as well, that start's recovery cuts what is torn, but a whole
 * pair would stay). Then the groups in flight reject, every later append rejects with the
 * same CHAIN_WRITE_FAILED, and `failed` settles so the owner can exit.
 */
import { ActorchainError } from '../errors.js';
import type { ChainFileHandle, FsyncMode } from './file-store.js';

interface QueuedGroup {
  bytes: Buffer;
  entries: number;
  resolve: () => void;
  reject: (err: ActorchainError) => void;
}

export interface GroupCommitParts {
  /** The file's name, for the error. */
  file: string;
  handle: ChainFileHandle;
  fsync: FsyncMode;
  /** The entries already in the file, which are durable, and where they end. */
  durableCount: number;
  durableOffset: number;
  /** Told how long each durable write of appended groups took (the fsync metric). */
  onSync: (seconds: number) => void;
  /** Told where the durable groups now end, after each write (and sync) that made some durable, and the bytes that write added (ending at offset). */
  onDurable: (count: number, offset: number, bytes: Buffer) => void;
}

export class GroupCommit {
  readonly #parts: GroupCommitParts;
  /** Set while the sealer has the file: the flush loop waits. */
  #paused: Promise<void> | undefined;
  /** The flush loop's write and sync in flight (settled between two). */
  #writing: Promise<void> = Promise.resolve();
  /** Entries whose group resolved, and where they end in the file. */
  #durableCount: number;
  #durableOffset: number;
  #queue: QueuedGroup[] = [];
  #flushing = false;
  #drained: Promise<void> = Promise.resolve();
  #failure: ActorchainError | undefined;
  #reportFailure!: (err: ActorchainError) => void;
  /** Settles (never rejects) with the error when a write or sync fails. */
  readonly failed: Promise<ActorchainError>;

  constructor(parts: GroupCommitParts) {
    this.#parts = parts;
    this.#durableCount = parts.durableCount;
    this.#durableOffset = parts.durableOffset;
    this.failed = new Promise((resolve) => (this.#reportFailure = resolve));
  }

  get durableCount(): number {
    return this.#durableCount;
  }

  get durableOffset(): number {
    return this.#durableOffset;
  }

  /** The failure that ended the writes, if one did. */
  get failure(): ActorchainError | undefined {
    return this.#failure;
  }

  /** Settles once the groups queued so far are written (or failed). */
  get drained(): Promise<void> {
    return this.#drained;
  }

  /** Queue a group of `entries` entries, whose lines are `bytes`; resolves when it is durable. */
  enqueue(bytes: Buffer, entries: number): Promise<void> {
    const durable = new Promise<void>((resolve, reject) => {
      this.#queue.push({ bytes, entries, resolve, reject });
    });
    if (!this.#flushing) {
      this.#flushing = true;
      this.#drained = this.#flush();
    }
    return durable;
  }

  /** Run `fn` with the file to itself: after the write in flight, before the next. */
  async between<T>(fn: () => Promise<T>): Promise<T> {
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
        let written!: () => void;
        this.#writing = new Promise((resolve) => (written = resolve));
        try {
          const started = performance.now();
          await this.#writeFully(bytes);
          if (this.#parts.fsync === 'always') {
            // Opened O_DSYNC, the write was the sync (one system call and one trip to the
            // thread pool a group instead of two: measured, 20-24 against 36-62 µs of this
            // thread's time a group); otherwise an fdatasync follows it.
            if (!this.#parts.handle.syncsWrites) await this.#parts.handle.datasync();
            this.#parts.onSync((performance.now() - started) / 1000);
          }
        } catch (err) {
          await this.#fail(err as Error, batch);
          written();
          return;
        }
        this.#durableCount += batch.reduce((sum, g) => sum + g.entries, 0);
        this.#durableOffset += bytes.length;
        for (const group of batch) group.resolve();
        this.#parts.onDurable(this.#durableCount, this.#durableOffset, bytes);
        written();
      }
    } finally {
      // Cleared in the same tick the loop sees an empty queue, so no append is left unflushed.
      this.#flushing = false;
    }
  }

  async #writeFully(bytes: Buffer): Promise<void> {
    for (let done = 0; done < bytes.length;) {
      const { bytesWritten } = await this.#parts.handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
  }

  /** Cut the unacknowledged bytes, then reject every waiting group (those queued meanwhile too). */
  async #fail(cause: Error, batch: QueuedGroup[]): Promise<void> {
    let uncut = '';
    try {
      await this.#parts.handle.truncate(this.#durableOffset);
    } catch (err) {
      uncut = `; cutting the unacknowledged entries from it failed too (${(err as Error).message}), so the next start may find them`;
    }
    this.#failure = new ActorchainError('CHAIN_WRITE_FAILED', `writing ${this.#parts.file} failed (${cause.message}); no further message will be acknowledged${uncut}`, {
      cause,
    });
    for (const group of [...batch, ...this.#queue]) group.reject(this.#failure);
    this.#queue = [];
    this.#reportFailure(this.#failure);
  }
}
