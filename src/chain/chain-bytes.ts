/**
 * A data dir's chain as one file of canonical NDJSON, whatever its layout: chain.ndjson
 * alone (plain), or chain.sealed followed by chain.ndjson (compacted, see sealed.ts). Byte
 * offsets are those of the plain layout, so the index, checkpoints, exports and every reader
 * see the same bytes either way; appends and cuts go to chain.ndjson.
 *
 * `actorchain compact` switches layouts with two renames (compact.ts):
 *
 *   write chain.sealed.tmp, sync ─ write chain.ndjson.next (what follows), sync
 *   ─ rename chain.sealed.tmp → chain.sealed (the switch) ─ rename chain.ndjson.next → chain.ndjson
 *
 * so a dir with chain.ndjson.next and no chain.sealed.tmp has switched: .next is the part
 * that follows chain.sealed, and the next start (or compact) finishes the rename. With
 * chain.sealed.tmp still there, nothing has switched and the temporaries are dropped.
 */
import { constants } from 'node:fs';
import { access, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ActorchainError } from '../errors.js';
import type { ChainFileHandle } from './file-store.js';
import { SealedReader, SEALED_FILE } from './sealed.js';

export const CHAIN_FILE = 'chain.ndjson';
export const SEALED_TEMP = `${SEALED_FILE}.tmp`;
export const PLAIN_NEXT = `${CHAIN_FILE}.next`;

const exists = (file: string) => access(file).then(() => true, () => false);

/** Where the parts of the chain whose chain.ndjson is `file` are (no sealed part for a file outside a data dir). */
export async function chainParts(file: string): Promise<{ plain: string; sealed: string | undefined }> {
  if (path.basename(file) !== CHAIN_FILE) return { plain: file, sealed: undefined };
  const dir = path.dirname(file);
  const sealed = path.join(dir, SEALED_FILE);
  if (!(await exists(sealed))) return { plain: file, sealed: undefined };
  const next = path.join(dir, PLAIN_NEXT);
  const switched = (await exists(next)) && !(await exists(path.join(dir, SEALED_TEMP)));
  return { plain: switched ? next : file, sealed };
}

/** Finish or drop a compaction a crash interrupted (the data dir's lock is held). */
export async function settleCompaction(dir: string): Promise<void> {
  const next = path.join(dir, PLAIN_NEXT);
  if (await exists(path.join(dir, SEALED_TEMP))) {
    await rm(path.join(dir, SEALED_TEMP), { force: true });
    await rm(next, { force: true });
  } else if (await exists(next)) {
    await rename(next, path.join(dir, CHAIN_FILE));
  } else return;
  await syncDirectory(dir);
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The chain as one file: the sealed entries' bytes, then chain.ndjson's. */
export class ChainBytes implements ChainFileHandle {
  readonly plain: FileHandle;
  readonly sealed: SealedReader | undefined;
  /** Where chain.ndjson starts in the chain's bytes. */
  readonly plainFrom: number;

  constructor(plain: FileHandle, sealed: SealedReader | undefined) {
    this.plain = plain;
    this.sealed = sealed;
    this.plainFrom = sealed?.bytes ?? 0;
  }

  async stat(): Promise<{ size: number }> {
    return { size: this.plainFrom + (await this.plain.stat()).size };
  }

  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }> {
    return this.plain.write(buffer, offset, length);
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    let done = 0;
    if (this.sealed && position < this.plainFrom) done = await this.sealed.read(buffer, offset, length, position);
    if (done < length) {
      const { bytesRead } = await this.plain.read(buffer, offset + done, length - done, position + done - this.plainFrom);
      done += bytesRead;
    }
    return { bytesRead: done };
  }

  datasync(): Promise<void> {
    return this.plain.datasync();
  }

  truncate(length: number): Promise<void> {
    if (length < this.plainFrom) throw new Error(`cannot cut a compacted chain into its sealed part (at ${length} of ${this.plainFrom})`);
    return this.plain.truncate(length - this.plainFrom);
  }

  async close(): Promise<void> {
    await this.sealed?.close();
    await this.plain.close();
  }
}

/**
 * Open the chain whose chain.ndjson is `file` (any other file is read as it is), with
 * `flags` for chain.ndjson. A damaged chain.sealed is CHAIN_CORRUPT; a missing file is
 * the error `open` gives.
 */
export async function openChainBytes(file: string, flags: number | string = 'r'): Promise<ChainBytes> {
  const parts = await chainParts(file);
  const plain = await open(parts.plain, flags);
  if (parts.sealed === undefined) return new ChainBytes(plain, undefined);
  try {
    const sealedHandle = await open(parts.sealed, 'r');
    try {
      return new ChainBytes(plain, await SealedReader.open(parts.sealed, sealedHandle));
    } catch (err) {
      await sealedHandle.close();
      throw err;
    }
  } catch (err) {
    await plain.close();
    if (err instanceof ActorchainError) throw err;
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot read ${parts.sealed}: ${(err as Error).message}`, { cause: err });
  }
}

/** The whole chain's canonical bytes (for a log source that holds them in memory). */
export async function readChainBytes(file: string): Promise<Buffer> {
  const chain = await openChainBytes(file);
  try {
    const { size } = await chain.stat();
    const bytes = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await chain.read(bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return bytes.subarray(0, done);
  } finally {
    await chain.close();
  }
}

/** The size of the chain's canonical bytes now (undefined when it cannot be read). */
export async function chainSize(file: string): Promise<number | undefined> {
  const chain = await openChainBytes(file).catch(() => undefined);
  if (!chain) return undefined;
  try {
    return (await chain.stat()).size;
  } finally {
    await chain.close();
  }
}

export const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT;
