/**
 * A data dir's chain as one file of canonical NDJSON, whatever its layout: chain.ndjson
 * alone (plain), or chain.sealed followed by chain.ndjson (compacted, see sealed.ts). Byte
 * offsets are those of the plain layout, so the index, checkpoints, exports and every reader
 * see the same bytes either way; appends and cuts go to chain.ndjson.
 *
 * chain.ndjson decides where chain.sealed ends: at the entry its first line names as parent
 * (sealed.ts). Entries move from chain.ndjson into chain.sealed in three steps, by
 * `actorchain compact` and by a running runtime's sealer (live-seal.ts) alike:
 *
 *   append their blocks to chain.sealed, sync ─ write chain.ndjson.next (the lines after
 *   them), sync ─ rename chain.ndjson.next → chain.ndjson, sync the dir (the switch)
 *
 * Before the switch, the old chain.ndjson still starts where chain.sealed's old blocks end,
 * so the new blocks are ignored (and cut by the next start, with chain.ndjson.next); after
 * it, the new chain.ndjson starts after them. A reader opens chain.ndjson before
 * chain.sealed, so it sees one layout or the other, never a mix: blocks are only appended,
 * and a chain.ndjson it holds open keeps its bytes when it is replaced.
 */
import { constants } from 'node:fs';
import { access, open, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ActorchainError } from '../errors.js';
import { ChainBytes } from './chain-bytes-view.js';
import { eachLine, LineChunks } from './line-source.js';
import { SealedReader, type SealedEnd } from './sealed-reader.js';
import { SEALED_FILE, SEALED_MAGIC } from './sealed.js';

export { ChainBytes };

export const CHAIN_FILE = 'chain.ndjson';
export const PLAIN_NEXT = `${CHAIN_FILE}.next`;
/** What the first `actorchain compact` (before live sealing) wrote chain.sealed as before its switch. */
const LEGACY_SEALED_TEMP = `${SEALED_FILE}.tmp`;
/** A new chain.sealed while its magic line is written (createSealedFile, live-seal.ts). */
export const SEALED_NEW = `${SEALED_FILE}.new`;

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );
const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** How far chain.sealed goes, as the first line of chain.ndjson (open as `plain`) says. */
async function sealedEnd(plain: FileHandle): Promise<SealedEnd> {
  // (Not a file, such as a device a test stands in: read nothing.)
  const info = await plain.stat();
  let line: Buffer | undefined;
  for await (const first of eachLine(new LineChunks(plain, 0, info.isFile() ? info.size : 0, 64 << 10))) {
    line = first;
    break;
  }
  // No whole line: nothing can have been sealed after it.
  if (line === undefined) return 'all';
  // A canonical entry ends with its parent ("data" sorts before "parent").
  const tail = /,"parent":(null|"([0-9a-f]{64})")\}$/.exec(line.toString('latin1', Math.max(0, line.length - 80)));
  if (!tail) return 'all';
  return { after: tail[2] ?? null };
}

/**
 * Drop what a seal cut short by a crash left (the data dir's lock is held): a
 * chain.ndjson.next that was not renamed, and blocks past those chain.ndjson follows.
 */
export async function settleCompaction(dir: string): Promise<void> {
  let changed = false;
  for (const leftover of [LEGACY_SEALED_TEMP, PLAIN_NEXT, SEALED_NEW]) {
    if (await exists(path.join(dir, leftover))) {
      await rm(path.join(dir, leftover), { force: true });
      changed = true;
    }
  }
  // A chain.sealed cut short within its magic line (created in place by an earlier version,
  // which a kill could stop there) holds no block: it is made again whole.
  const sealedFile = path.join(dir, SEALED_FILE);
  const sealedSize = (await stat(sealedFile).catch(() => undefined))?.size;
  if (sealedSize !== undefined && sealedSize < SEALED_MAGIC.length) {
    const handle = await open(sealedFile, 'r+');
    try {
      const start = Buffer.alloc(sealedSize);
      await handle.read(start, 0, sealedSize, 0);
      if (SEALED_MAGIC.subarray(0, sealedSize).equals(start)) {
        await handle.write(SEALED_MAGIC, 0, SEALED_MAGIC.length, 0);
        await handle.datasync();
        changed = true;
      }
    } finally {
      await handle.close();
    }
  }
  const chain = await openChainBytes(path.join(dir, CHAIN_FILE)).catch((err: unknown) => {
    if (isMissing(err)) return undefined;
    throw err;
  });
  if (chain?.sealed) {
    try {
      const size = (await chain.sealed.handle.stat()).size;
      if (size > chain.sealed.fileBytes) {
        const handle = await open(chain.sealed.file, 'r+');
        try {
          await handle.truncate(chain.sealed.fileBytes);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        changed = true;
      }
    } finally {
      await chain.close();
    }
  } else await chain?.close();
  if (changed) await syncDirectory(dir);
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Open the chain whose chain.ndjson is `file` (any other file is read as it is), with
 * `flags` for chain.ndjson. A damaged chain.sealed is CHAIN_CORRUPT; a missing chain.ndjson
 * is the error `open` gives.
 */
export async function openChainBytes(file: string, flags: number | string = 'r'): Promise<ChainBytes> {
  // chain.ndjson first: it says how far chain.sealed goes (see above).
  const plain = await open(file, flags);
  const syncsWrites = typeof flags === 'number' && (flags & constants.O_DSYNC) !== 0;
  if (path.basename(file) !== CHAIN_FILE) return new ChainBytes(plain, undefined, syncsWrites);
  const sealedFile = path.join(path.dirname(file), SEALED_FILE);
  try {
    let sealedHandle: FileHandle;
    try {
      sealedHandle = await open(sealedFile, 'r');
    } catch (err) {
      if (isMissing(err)) return new ChainBytes(plain, undefined, syncsWrites);
      throw err;
    }
    try {
      return new ChainBytes(plain, await SealedReader.open(sealedFile, sealedHandle, await sealedEnd(plain)), syncsWrites);
    } catch (err) {
      await sealedHandle.close();
      throw err;
    }
  } catch (err) {
    await plain.close();
    if (err instanceof ActorchainError) throw err;
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot read ${sealedFile}: ${(err as Error).message}`, { cause: err });
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
