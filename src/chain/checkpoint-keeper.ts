/**
 * How a running store keeps its data dir's checkpoint (the format: checkpoint.ts): one when
 * it closes, one at start-up after a start that checked many lines, and one in the
 * background every CHECKPOINT_AFTER_LINES durable entries. Each appends only the hashes of
 * the entries since the one before. The digest of the covered bytes is kept running: a
 * checkpoint reads back from the file what it has not seen (so a start that checked every
 * line need not hash the file a second time on its way to serving), and from then on each
 * durable group's bytes feed it as they are written. Reading back is what it avoids: once
 * the live sealer has moved entries into chain.sealed, reading them means rebuilding them
 * (brotli, deltas, a hash each), which cost a loaded runtime more than hashing each group.
 * Best effort: without a checkpoint the next start checks more lines, and that is all.
 */
import type { Hash } from 'node:crypto';
import type { ChainIndex } from './chain-index.js';
import { appendCheckpoint } from './checkpoint.js';
import type { ChainFileHandle } from './file-store.js';

/** Below this many entries a start checks every line in well under 0.1 s: no checkpoint is kept. */
const CHECKPOINT_MIN_ENTRIES = 10_000;
/** Fewer entries than this past the checkpoint are not worth a new one while running. */
export const CHECKPOINT_AFTER_LINES = 20_000;
/** A checkpoint reads back what its digest has not seen in slices of this size. */
const PREFIX_READ_BYTES = 1 << 20;

/** What a start found of the data dir's checkpoint, and where to keep the next (recovery.ts). */
export interface CheckpointState {
  dir: string;
  componentHash: string;
  /**
   * A running digest of the file's first `prefixHashBytes` bytes. A checkpoint catches it
   * up from the file, so a start need not hash what it checks; once caught up, durable
   * groups feed it (CheckpointKeeper.durable).
   */
  prefixHash: Hash;
  prefixHashBytes: number;
  /** Entries the data dir's checkpoint covers already (0 for none). */
  covered: number;
  /** Write one for the entries already there at once (a start that checked many lines). */
  writeNow: boolean;
  /** How many hashes checkpoint.hashes holds (the covered entries', or none), and their running digest. */
  hashesOnDisk: number;
  hashesDigest: Hash;
}

export class CheckpointKeeper {
  readonly #state: CheckpointState;
  readonly #chain: { file: string; handle: Pick<ChainFileHandle, 'read'>; index: ChainIndex };
  #writing: Promise<void> = Promise.resolve();
  #busy = false;

  constructor(state: CheckpointState, chain: { file: string; handle: Pick<ChainFileHandle, 'read'>; index: ChainIndex }) {
    this.#state = state;
    this.#chain = chain;
  }

  /** An upgrade was appended: the next checkpoint names the component now in use. */
  componentChanged(componentHash: string): void {
    this.#state.componentHash = componentHash;
  }

  /**
   * The bytes of groups made durable, which start at byte `at`: they feed the running digest
   * when it has seen everything before them (after the first checkpoint's catch-up), so later
   * checkpoints need not read them back. A gap (a start's bytes not yet caught up) leaves the
   * digest alone, and the next checkpoint reads back from where it stands.
   */
  durable(at: number, bytes: Buffer): void {
    const checkpoint = this.#state;
    if (checkpoint.prefixHashBytes !== at) return;
    checkpoint.prefixHash.update(bytes);
    checkpoint.prefixHashBytes += bytes.length;
  }

  /** After a group is durable: a checkpoint in the background when enough entries came since the last. */
  startIfDue(entries: number, bytes: number): void {
    if (this.#busy) return;
    if (entries - this.#state.covered >= CHECKPOINT_AFTER_LINES) this.start(entries, bytes);
  }

  /** A checkpoint of the first `entries` entries (`bytes` of the file), written in the background. */
  start(entries: number, bytes: number): void {
    this.#busy = true;
    this.#writing = this.write(entries, bytes).finally(() => (this.#busy = false));
  }

  /** Settles once the checkpoint in the background (if any) is written or given up. */
  settled(): Promise<void> {
    return this.#writing;
  }

  /** A checkpoint of the first `entries` durable entries, which end at byte `bytes`. Never rejects. */
  async write(entries: number, bytes: number): Promise<void> {
    const checkpoint = this.#state;
    if (entries < CHECKPOINT_MIN_ENTRIES || entries === checkpoint.covered) return;
    let chainSha256: string;
    try {
      chainSha256 = await this.#digestOfFirst(bytes);
    } catch {
      return;
    }
    const newHashes = this.#chain.index.hashBytes(checkpoint.hashesOnDisk, entries);
    // The digest of every hash once these are appended, without disturbing the running one
    // until they are on disk.
    const hashesDigest = checkpoint.hashesDigest.copy().update(newHashes);
    const parts = {
      componentHash: checkpoint.componentHash,
      entries,
      bytes,
      chainSha256,
      hashesFrom: checkpoint.hashesOnDisk,
      newHashes,
      hashesSha256: hashesDigest.copy().digest('hex'),
    };
    checkpoint.covered = entries;
    return appendCheckpoint(checkpoint.dir, parts).then(
      () => {
        checkpoint.hashesOnDisk = entries;
        checkpoint.hashesDigest = hashesDigest;
      },
      () => {},
    );
  }

  /**
   * The digest (hex) of the file's first `bytes` bytes: the running digest, fed first what it
   * has not seen, read back from the file (the whole file, in the background, after a start
   * that checked it line by line; nothing once durable groups feed it). Reads in slices, so
   * the event loop keeps serving meanwhile. The digest is taken in the same step as the last
   * bytes are fed: a group made durable after that feeds the running digest, not this one.
   */
  async #digestOfFirst(bytes: number): Promise<string> {
    const checkpoint = this.#state;
    const slice = Buffer.allocUnsafe(Math.min(PREFIX_READ_BYTES, Math.max(0, bytes - checkpoint.prefixHashBytes)));
    while (checkpoint.prefixHashBytes < bytes) {
      const length = Math.min(slice.length, bytes - checkpoint.prefixHashBytes);
      const { bytesRead } = await this.#chain.handle.read(slice, 0, length, checkpoint.prefixHashBytes);
      if (bytesRead === 0) throw new Error(`${this.#chain.file} ends before byte ${bytes}`);
      checkpoint.prefixHash.update(slice.subarray(0, bytesRead));
      checkpoint.prefixHashBytes += bytesRead;
    }
    if (checkpoint.prefixHashBytes !== bytes) throw new Error(`the running digest has passed byte ${bytes}`);
    return checkpoint.prefixHash.copy().digest('hex');
  }
}
