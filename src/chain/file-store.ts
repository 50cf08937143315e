/**
 * The durable store: chain.ndjson in a data dir, one entry's canonical JSON per line, in
 * chain order (so `sha256sum` of a line without its newline is the entry's hash). Memory
 * holds a ChainIndex (hash and byte offset per entry), never the entries; reads go to the
 * file.
 *
 * Group commit (group-commit.ts). `append` moves HEAD at once and queues the group; one
 * flush loop writes every queued group in a single write, durable when it returns with fsync
 * 'always' (chain.ndjson is then opened O_DSYNC), and only then settles their promises. A failed write or sync is final: every
 * later append rejects with the same CHAIN_WRITE_FAILED, and `failed` settles so the owner
 * can exit.
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
import { GroupCommit } from './group-commit.js';
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
  /**
   * Opened O_DSYNC (--fsync always): a write returns once its bytes, and the file size that
   * reaches them, are durable, as a write and an fdatasync would, in one system call.
   */
  readonly syncsWrites?: boolean;
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
  /** Told how long each durable write of appended groups took (the fsync metric). */
  onSync?: (seconds: number) => void;
  /** Seals the start of chain.ndjson as it grows (a data dir in the compacted layout). */
  sealer?: StoreSealer;
  /** Where and for what to keep a checkpoint; none for a file that is not a data dir's. */
  checkpoint?: CheckpointState;
}

export class FileStore implements ChainStore {
  readonly file: string;
  readonly #handle: ChainFileHandle;
  readonly #index: ChainIndex;
  readonly #fsync: FsyncMode;
  readonly #lock: DataDirLock;
  readonly #sealer: StoreSealer | undefined;
  /** File length once every queued group is written. */
  #endOffset: number;
  readonly #commit: GroupCommit;
  #closed = false;
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
    this.#sealer = parts.sealer;
    this.#endOffset = parts.endOffset;
    this.#commit = new GroupCommit({
      file: parts.file,
      handle: parts.handle,
      fsync: parts.fsync,
      durableCount: parts.index.length,
      durableOffset: parts.endOffset,
      onSync: parts.onSync ?? (() => {}),
      onDurable: (count, offset, bytes) => {
        this.#checkpoint?.durable(offset - bytes.length, bytes);
        this.#checkpoint?.startIfDue(count, offset);
        this.#sealer?.durable(offset, (fn) => this.#commit.between(fn));
      },
    });
    this.failed = this.#commit.failed;
    this.#checkpoint = parts.checkpoint && new CheckpointKeeper(parts.checkpoint, { file: this.file, handle: this.#handle, index: this.#index });
    if (parts.checkpoint?.writeNow) this.#checkpoint!.start(this.#commit.durableCount, this.#commit.durableOffset);
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
    if (this.#commit.failure) return Promise.reject(this.#commit.failure);
    if (this.#closed) return Promise.reject(new ActorchainError('ACTOR_UNAVAILABLE', 'the chain is closed'));
    let text = '';
    for (const { hash, text: line } of entries) {
      this.#index.add(hash, this.#endOffset);
      this.#endOffset += Buffer.byteLength(line) + 1;
      text += `${line}\n`;
    }
    return this.#commit.enqueue(Buffer.from(text), entries.length);
  }

  indexOf(hash: string): number | undefined {
    return this.#index.positionOf(hash);
  }

  hashAt(position: number): string {
    return this.#index.hashAt(position);
  }

  async read(from: number, to: number, maxBytes = Infinity): Promise<string[]> {
    const durableCount = this.#commit.durableCount;
    if (to > durableCount) throw new Error(`read of entries up to ${to}, but only ${durableCount} are durable`);
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
    const durableCount = this.#commit.durableCount;
    if (position >= durableCount) throw new Error(`read of entry ${position}, but only ${durableCount} are durable`);
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
    const commit = this.#commit;
    try {
      await commit.drained;
      if (!commit.failure && this.#fsync === 'never') await this.#handle.datasync().catch(() => {});
      // What chain.ndjson holds is sealed as well, so a stopped runtime's data dir is compact.
      await this.#sealer?.close(commit.failure ? undefined : commit.durableOffset);
      await this.#checkpoint?.settled();
      if (!commit.failure) await this.#checkpoint?.write(commit.durableCount, commit.durableOffset);
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
}
