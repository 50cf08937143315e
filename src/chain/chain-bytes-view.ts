/**
 * The chain as one file (chain-bytes.ts): reads below chain.ndjson's first byte go to
 * chain.sealed, the rest, and every write and cut, to chain.ndjson. A seal's switch hands it a
 * new chain.ndjson; a read that began before keeps the layout it began with.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ChainFileHandle } from './file-store.js';
import type { SealedReader } from './sealed-reader.js';

/** chain.ndjson as one reader found it, and where it starts in the chain's bytes. */
interface PlainView {
  plain: FileHandle;
  plainFrom: number;
  /** Reads in flight through it. */
  reads: number;
  /** Set once it is replaced: closes the handle when the last read ends. */
  retire?: () => void;
}

/** The chain as one file: the sealed entries' bytes, then chain.ndjson's. */
export class ChainBytes implements ChainFileHandle {
  #view: PlainView;
  #sealed: SealedReader | undefined;
  readonly #retired: Promise<void>[] = [];

  /** chain.ndjson was opened O_DSYNC (see ChainFileHandle); a seal's switch opens the next one so too. */
  readonly syncsWrites: boolean;

  constructor(plain: FileHandle, sealed: SealedReader | undefined, syncsWrites = false) {
    this.#view = { plain, plainFrom: sealed?.bytes ?? 0, reads: 0 };
    this.#sealed = sealed;
    this.syncsWrites = syncsWrites;
  }

  get plain(): FileHandle {
    return this.#view.plain;
  }

  get sealed(): SealedReader | undefined {
    return this.#sealed;
  }

  /**
   * The hash of entry `position` when it is sealed and was rebuilt (and held to its sealed
   * hash prefix) by a read of this view lately; undefined otherwise.
   */
  sealedDigest(position: number): string | undefined {
    return this.#sealed && position < this.#sealed.entries ? this.#sealed.digestOf(position) : undefined;
  }

  /** Where chain.ndjson starts in the chain's bytes. */
  get plainFrom(): number {
    return this.#view.plainFrom;
  }

  async stat(): Promise<{ size: number }> {
    const view = this.#view;
    return { size: view.plainFrom + (await view.plain.stat()).size };
  }

  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }> {
    return this.#view.plain.write(buffer, offset, length);
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    // The layout this read began with, whatever a seal switches meanwhile.
    const view = this.#view;
    view.reads++;
    try {
      let done = 0;
      if (this.#sealed && position < view.plainFrom) done = await this.#sealed.read(buffer, offset, Math.min(length, view.plainFrom - position), position);
      if (done < length) {
        const { bytesRead } = await view.plain.read(buffer, offset + done, length - done, position + done - view.plainFrom);
        done += bytesRead;
      }
      return { bytesRead: done };
    } finally {
      if (--view.reads === 0) view.retire?.();
    }
  }

  datasync(): Promise<void> {
    return this.#view.plain.datasync();
  }

  truncate(length: number): Promise<void> {
    const view = this.#view;
    if (length < view.plainFrom) throw new Error(`cannot cut a compacted chain into its sealed part (at ${length} of ${view.plainFrom})`);
    return view.plain.truncate(length - view.plainFrom);
  }

  /**
   * After a seal's switch: chain.ndjson is now `plain` (opened for appending), which starts
   * at byte `plainFrom`, after the entries `sealed` holds. The old chain.ndjson is closed
   * once the reads that use it end.
   */
  switchPlain(plain: FileHandle, plainFrom: number, sealed: SealedReader): void {
    const old = this.#view;
    this.#view = { plain, plainFrom, reads: 0 };
    this.#sealed = sealed;
    this.#retired.push(
      new Promise<void>((resolve) => {
        old.retire = () => resolve(old.plain.close().catch(() => {}));
        if (old.reads === 0) old.retire();
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.#retired);
    await this.#sealed?.close();
    await this.#view.plain.close();
  }
}
