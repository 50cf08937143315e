/**
 * Test support: a chain.ndjson whose fdatasync the test decides. Writes, reads and cuts go
 * to a real file; each datasync waits until the test resolves or fails it, so a test can
 * look at what the store (and the HTTP API) shows while a sync is in flight, or make the
 * disk fail the way a full or broken one does.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ChainFileHandle, FsyncMode } from '../../src/chain/file-store.js';
import { FileStore } from '../../src/chain/file-store.js';
import { ChainIndex } from '../../src/chain/chain-index.js';

interface PendingSync {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GatedDisk implements ChainFileHandle {
  /** Every call the store made, in order: 'write', 'datasync', 'truncate <length>'. */
  readonly calls: string[] = [];
  readonly path: string;
  #syncs: PendingSync[] = [];
  readonly #file: FileHandle;
  /** As a file opened O_DSYNC: each write is the sync, and waits for the test like one. */
  readonly syncsWrites: boolean;

  private constructor(path: string, file: FileHandle, syncsWrites: boolean) {
    this.path = path;
    this.#file = file;
    this.syncsWrites = syncsWrites;
  }

  /** `path` (a new file) opened for appending, as openFileStore opens chain.ndjson (with `syncsWrites`, as it does for --fsync always). */
  static async create(path: string, { syncsWrites = false }: { syncsWrites?: boolean } = {}): Promise<GatedDisk> {
    return new GatedDisk(path, await open(path, 'a+'), syncsWrites);
  }

  async write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }> {
    this.calls.push('write');
    const written = await this.#file.write(buffer, offset, length);
    if (this.syncsWrites) await new Promise<void>((resolve, reject) => this.#syncs.push({ resolve, reject }));
    return written;
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return this.#file.read(buffer, offset, length, position);
  }

  datasync(): Promise<void> {
    this.calls.push('datasync');
    return new Promise((resolve, reject) => this.#syncs.push({ resolve, reject }));
  }

  truncate(length: number): Promise<void> {
    this.calls.push(`truncate ${length}`);
    return this.#file.truncate(length);
  }

  close(): Promise<void> {
    return this.#file.close();
  }

  /** Wait until the store has asked for a sync (its write is done by then; with syncsWrites, the write itself). */
  async syncRequested(): Promise<void> {
    while (this.#syncs.length === 0) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Let the oldest sync in flight complete, or fail it. */
  async completeSync(error?: Error): Promise<void> {
    await this.syncRequested();
    const sync = this.#syncs.shift()!;
    if (error) sync.reject(error);
    else sync.resolve();
  }

  /** A FileStore over this disk, for a chain that starts empty. */
  store(fsync: FsyncMode): FileStore {
    return new FileStore({ file: this.path, handle: this, index: new ChainIndex(), endOffset: 0, fsync, lock: { release: async () => {} } });
  }
}
