/**
 * Opening a data dir: take its lock, check every line of an existing chain.ndjson (the
 * prefix a valid checkpoint covers as one stream, see prefix-check.ts), cut a torn tail,
 * build the index, and hand back the store with the state the chain ends with, so the actor
 * resumes where it stopped instead of calling init. A chain that fails any other check is
 * refused and left as it is: never start a new chain over data.
 */
import { constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { ActorchainError } from '../errors.js';
import { canonicalOfParsed } from '../json/canonical.js';
import { readCheckpoint, trimCheckpointHashes, CHECKPOINT_FILE, type Checkpoint } from './checkpoint.js';
import { checkPrefix, type CheckedPrefix } from './prefix-check.js';
import type { CommittedState } from './chain.js';
import { APPEND_FLAGS, openChainBytes, settleCompaction, syncDirectory, type ChainBytes } from './chain-bytes.js';
import { CHAIN_FILE, type ChainTail } from './chain-file.js';
import { componentMismatch } from './check.js';
import { ChainIndex } from './chain-index.js';
import { lockDataDir } from './data-dir-lock.js';
import type { Send, StateData } from './entry.js';
import { CHECKPOINT_AFTER_LINES } from './checkpoint-keeper.js';
import { FileStore, type FsyncMode } from './file-store.js';
import { createSealedFile, LiveSealer, type SealedRange } from './live-seal.js';
import { SEALED_FILE } from './sealed.js';
import { checkOnOneThread, checkOnTwoThreads, TWO_THREADS_FROM_BYTES, TWO_THREADS_UP_TO_BYTES, type LinesToCheck } from './reopen-check.js';
import { makeDirs } from '../make-dirs.js';

export interface OpenFileStoreOptions {
  /**
   * The component the chain must run (the one its last upgrade, or else its genesis, names);
   * undefined to open the chain whatever it runs (`actorchain upgrade`).
   */
  componentHash: string | undefined;
  /** The file that component was read from, named in a mismatch's advice (`actorchain upgrade <dir> <file>`). */
  componentPath?: string;
  fsync: FsyncMode;
  /** Told about a torn tail before it is cut, a stale lock before it is taken over, and a checkpoint it cannot use. */
  onWarning: (message: string, details: { tail: ChainTail } | { lock: string; stalePid: number } | { checkpoint: string } | { seal: string }) => void;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Told how long each durable write of appended entries took (the fsync metric). */
  onSync?: (seconds: number) => void;
  /** Told of each state entry with sends, in chain order (the outbox finds the sends still owed). */
  onSends?: (stateHash: string, sends: Send[]) => void;
  /** From how many bytes of lines to check a second thread hashes them (default 8 MiB; Infinity: never). */
  twoThreadsFromBytes?: number;
  /**
   * Seal the start of chain.ndjson into chain.sealed once it holds this many bytes, while the
   * store runs (live-seal.ts); undefined or 0: never. Only a data dir in the compacted
   * layout (one with chain.sealed) is sealed, or a new one (it is created in that layout): a
   * plain one stays plain until `actorchain compact` converts it.
   */
  sealAfterBytes?: number;
  /** Told of each seal (entries and canonical bytes moved into chain.sealed). */
  onSealed?: (range: SealedRange) => void;
}

export interface OpenedFileStore {
  store: FileStore;
  /** The state the chain ends with; undefined for a new (or empty) chain. */
  state: CommittedState | undefined;
  /** Entries found on disk. */
  recovered: number;
  /** The idempotency keys those entries record → the position of their message entry. */
  keys: Map<string, number>;
  /** Of those, the entries checked line by line (the rest: the checkpoint's prefix, re-hashed as a whole). */
  checkedLines: number;
  /** The threads that checked them: 2 when a hash thread helped. */
  checkThreads: 1 | 2;
  /** The component the chain runs (its last upgrade's, or its genesis'); undefined for a new chain. */
  componentHash: string | undefined;
}

/** The prefix a checkpoint vouches for, when there is one that fits the file. */
async function checkpointedPrefix(dir: string, handle: ChainBytes, options: OpenFileStoreOptions): Promise<{ prefix: CheckedPrefix; componentHash: string } | undefined> {
  const size = (await handle.stat()).size;
  const checkpoint = size > 0 ? await readCheckpoint(dir) : undefined;
  // Another component's chain: the line-by-line check names the mismatch.
  if (checkpoint === undefined || (typeof checkpoint !== 'string' && options.componentHash !== undefined && checkpoint.componentHash !== options.componentHash)) {
    return undefined;
  }
  const prefix = typeof checkpoint === 'string' ? checkpoint : await checkPrefix(handle, size, checkpoint);
  if (typeof prefix !== 'string') return { prefix, componentHash: (checkpoint as Checkpoint).componentHash };
  const where = path.join(dir, CHECKPOINT_FILE);
  options.onWarning(`not using ${where}: ${prefix}; checking every line of chain.ndjson instead`, { checkpoint: where });
  return undefined;
}

async function openForAppend(dir: string, file: string, sealing: boolean, fsync: FsyncMode): Promise<ChainBytes> {
  let handle: ChainBytes;
  try {
    await settleCompaction(dir);
    // A new chain (no chain.ndjson, or an empty one) is made in the compacted layout when it is to be sealed as it grows.
    if (sealing && !(await stat(file).catch(() => undefined))?.size && !(await stat(path.join(dir, SEALED_FILE)).catch(() => undefined))) {
      await createSealedFile(dir);
    }
    // With --fsync always, each group's one write is durable when it returns (see ChainFileHandle.syncsWrites).
    handle = await openChainBytes(file, fsync === 'always' ? APPEND_FLAGS | constants.O_DSYNC : APPEND_FLAGS);
  } catch (err) {
    if (err instanceof ActorchainError) throw err;
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot open ${file}: ${(err as Error).message}`, { cause: err });
  }
  // A file reached through a symbolic link, or with another name (a hard link), is refused:
  // the lock holds this data dir, not the folder the other name is in, so two runtimes could
  // append to one file. (A link to a device, such as /dev/full, is no other runtime's chain.)
  const [opened, named] = await Promise.all([handle.plain.stat(), lstat(file)]);
  if (opened.isFile() && (named.isSymbolicLink() || named.ino !== opened.ino || named.dev !== opened.dev || opened.nlink > 1)) {
    await handle.close();
    const what = named.isSymbolicLink() ? 'is a symbolic link' : 'has another name (a hard link)';
    throw new ActorchainError(
      'CHAIN_SOURCE_UNREADABLE',
      `${file} ${what}: the data dir's lock does not cover the file's other place, so two runtimes could write one file; keep the file itself, with one name, in the data dir (or give its folder as --data-dir)`,
    );
  }
  return handle;
}

export async function openFileStore(dir: string, options: OpenFileStoreOptions): Promise<OpenedFileStore> {
  const file = path.join(dir, CHAIN_FILE);
  try {
    await makeDirs(dir);
  } catch (err) {
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
  }
  // Before anything is read or cut: another runtime may be appending.
  const lock = await lockDataDir(dir, options.onWarning);
  let handle: ChainBytes | undefined;
  try {
    handle = await openForAppend(dir, file, (options.sealAfterBytes ?? 0) > 0, options.fsync);
    const checkpoint = await checkpointedPrefix(dir, handle, options);
    const prefix = checkpoint?.prefix;
    const index = prefix?.index ?? new ChainIndex();
    const prefixEntries = index.length;
    const prefixBytes = prefix?.bytes ?? 0;
    // The checkpoint's lines are not checked one by one, but their keys and sends still count.
    const prior = prefix?.records;
    for (const { stateHash, sends } of prior?.sends ?? []) options.onSends?.(stateHash, sends);
    const lines: LinesToCheck = {
      file,
      size: (await handle.stat()).size,
      readerOptions: {
        // Sealed entries were checked before they were sealed; their rebuilt texts are held to their hash prefixes.
        trustSealed: true,
        // The component in use is checked at the end (an upgrade may name it); a checkpoint
        // that is used names the one given.
        knownKeys: prior?.keys,
        onProgress: options.onProgress,
        resume: prefix && {
          offset: prefixBytes,
          position: prefixEntries,
          parent: index.hashAt(prefixEntries - 1),
          componentHash: checkpoint!.componentHash,
        },
      },
      index,
      from: prefixBytes,
    };
    const toCheck = lines.size - prefixBytes;
    // A chain with sealed entries is checked on one thread: their hashes come from their rebuild (trustSealed), not a hash pass.
    const twoThreads = handle.plainFrom === 0 && toCheck >= (options.twoThreadsFromBytes ?? TWO_THREADS_FROM_BYTES) && toCheck <= TWO_THREADS_UP_TO_BYTES;
    const onTwo = twoThreads ? await checkOnTwoThreads(lines) : undefined;
    const checked = onTwo ?? (await checkOnOneThread(lines));
    for (const { stateHash, sends } of checked.sends) options.onSends?.(stateHash, sends);
    const { reader, lastStateEntry } = checked;
    const inUse = reader.component;
    if (inUse !== undefined && options.componentHash !== undefined && inUse !== options.componentHash) {
      throw componentMismatch(`${reader.where(reader.componentAt)} of ${file}`, inUse, options.componentHash, dir, options.componentPath);
    }
    const offset = checked.end;
    const lastState = lastStateEntry ? (lastStateEntry.data as StateData) : prefix && (JSON.parse(prefix.lastLine) as { data: StateData }).data;
    const tail = reader.tail;
    if (tail) {
      options.onWarning(`cutting ${tail.bytes} bytes from line ${tail.line} of ${file} back to the last whole message/state pair: ${tail.reason}`, { tail });
      await handle.truncate(tail.offset);
      await handle.datasync();
    }
    // A new file's name must survive a crash as well as its contents.
    if (index.length === 0) await syncDirectory(dir);
    const state = lastState && { value: lastState.state, canonical: canonicalOfParsed(lastState.state) };
    const checkedLines = index.length - prefixEntries;
    // The hashes file keeps what this checkpoint vouched for, and nothing after it: the next
    // checkpoint appends there. (Only now: a chain refused above leaves the data dir as it was.)
    const hashesOnDisk = prefix?.appendable ? prefixEntries : 0;
    await trimCheckpointHashes(dir, hashesOnDisk, prefix === undefined);
    const hashesDigest = prefix?.appendable ? prefix.hashesDigest : createHash('sha256');
    const checkpointParts = {
      dir,
      componentHash: inUse ?? options.componentHash ?? '',
      // The digest of the bytes the checkpoint vouched for; the store catches it up with the rest.
      prefixHash: prefix?.prefixHash ?? createHash('sha256'),
      prefixHashBytes: prefixBytes,
      // What a checkpoint of this format covers (one of the earlier format counts for nothing: it is rewritten).
      covered: hashesOnDisk,
      // A start that checked many lines, or found a checkpoint of the earlier format, writes one at once.
      writeNow: checkedLines >= CHECKPOINT_AFTER_LINES || (prefix !== undefined && !prefix.appendable),
      hashesOnDisk,
      hashesDigest,
    };
    const sealer =
      handle.sealed && options.sealAfterBytes
        ? new LiveSealer({
            dir,
            chain: handle,
            afterBytes: options.sealAfterBytes,
            onWarning: (message) => options.onWarning(message, { seal: message }),
            onSealed: options.onSealed,
            hashAt: (position) => index.hashAt(position),
          })
        : undefined;
    const store = new FileStore({ file, handle, index, endOffset: offset, fsync: options.fsync, lock, checkpoint: checkpointParts, onSync: options.onSync, sealer });
    return { store, state, recovered: index.length, checkedLines, checkThreads: onTwo ? 2 : 1, keys: reader.idempotencyKeys, componentHash: inUse };
  } catch (err) {
    await handle?.close();
    await lock.release();
    throw err;
  }
}
