/**
 * Opening a data dir: take its lock, check every line of an existing chain.ndjson (the
 * prefix a valid checkpoint covers as one stream, see checkpoint.ts), cut a torn tail,
 * build the index, and hand back the store with the state the chain ends with, so the actor
 * resumes where it stopped instead of calling init. A chain that fails any other check is
 * refused and left as it is: never start a new chain over data.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ActorchainError } from '../errors.js';
import { canonicalOfParsed } from '../json/canonical.js';
import { checkPrefix, readCheckpoint, trimCheckpointHashes, CHECKPOINT_FILE, type CheckedPrefix } from './checkpoint.js';
import type { CommittedState } from './chain.js';
import { ChainFileReader, CHAIN_FILE, type ChainTail } from './chain-file.js';
import { scanPrefix } from './prefix-scan.js';
import { ChainIndex } from './chain-index.js';
import { lockDataDir } from './data-dir-lock.js';
import type { Send, StateData } from './entry.js';
import { CHECKPOINT_AFTER_LINES, FileStore, type FsyncMode } from './file-store.js';

export interface OpenFileStoreOptions {
  /** The component the chain must have been made by. */
  componentHash: string;
  fsync: FsyncMode;
  /** Told about a torn tail before it is cut, a stale lock before it is taken over, and a checkpoint it cannot use. */
  onWarning: (message: string, details: { tail: ChainTail } | { lock: string; stalePid: number } | { checkpoint: string }) => void;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Told how long each fdatasync of appended entries took. */
  onSync?: (seconds: number) => void;
  /** Told of each state entry with sends, in chain order (the outbox finds the sends still owed). */
  onSends?: (stateHash: string, sends: Send[]) => void;
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
}

/** The prefix a checkpoint vouches for, when there is one that fits the file. */
async function checkpointedPrefix(dir: string, handle: FileHandle, options: OpenFileStoreOptions): Promise<CheckedPrefix | undefined> {
  const size = (await handle.stat()).size;
  const checkpoint = size > 0 ? await readCheckpoint(dir) : undefined;
  // Another component's chain: the line-by-line check names the mismatch.
  if (checkpoint === undefined || (typeof checkpoint !== 'string' && checkpoint.componentHash !== options.componentHash)) return undefined;
  const prefix = typeof checkpoint === 'string' ? checkpoint : await checkPrefix(handle, size, checkpoint);
  if (typeof prefix !== 'string') return prefix;
  const where = path.join(dir, CHECKPOINT_FILE);
  options.onWarning(`not using ${where}: ${prefix}; checking every line of chain.ndjson instead`, { checkpoint: where });
  return undefined;
}

async function openForAppend(file: string) {
  try {
    return await open(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT);
  } catch (err) {
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot open ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export async function openFileStore(dir: string, options: OpenFileStoreOptions): Promise<OpenedFileStore> {
  const file = path.join(dir, CHAIN_FILE);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
  }
  // Before anything is read or cut: another runtime may be appending.
  const lock = await lockDataDir(dir, options.onWarning);
  let handle: FileHandle | undefined;
  try {
    handle = await openForAppend(file);
    const prefix = await checkpointedPrefix(dir, handle, options);
    const index = prefix?.index ?? new ChainIndex();
    const prefixEntries = index.length;
    let offset = prefix?.bytes ?? 0;
    const prefixHash = prefix?.prefixHash ?? createHash('sha256');
    // The checkpoint's lines are not checked one by one, but their keys and sends still count.
    const prior = prefix && (await scanPrefix(handle, prefix.bytes, index));
    for (const { stateHash, sends } of prior?.sends ?? []) options.onSends?.(stateHash, sends);
    const reader = new ChainFileReader(file, {
      componentHash: options.componentHash,
      knownKeys: prior?.keys,
      onProgress: options.onProgress,
      resume: prefix && { offset, position: prefixEntries, parent: index.hashAt(prefixEntries - 1) },
      prefixHash,
    });
    let lastState = prefix && (JSON.parse(prefix.lastLine) as { data: StateData }).data;
    for await (const group of reader.groups()) {
      for (const entry of group) {
        index.add(entry.hash, offset);
        offset += Buffer.byteLength(entry.text) + 1;
      }
      lastState = group[1].data as StateData;
      if (lastState.sends !== undefined) options.onSends?.(group[1].hash, lastState.sends);
    }
    const tail = reader.tail;
    if (tail) {
      options.onWarning(
        `cutting ${tail.bytes} bytes from line ${tail.line} of ${file} back to the last whole message/state pair: ${tail.reason}`,
        { tail },
      );
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
    const checkpoint = {
      dir,
      componentHash: options.componentHash,
      prefixHash,
      // What a checkpoint of this format covers (one of the earlier format counts for nothing: it is rewritten).
      covered: hashesOnDisk,
      // A start that checked many lines, or found a checkpoint of the earlier format, writes one at once.
      writeNow: checkedLines >= CHECKPOINT_AFTER_LINES || (prefix !== undefined && !prefix.appendable),
      hashesOnDisk,
      hashesDigest,
    };
    const store = new FileStore({ file, handle, index, endOffset: offset, fsync: options.fsync, lock, checkpoint, onSync: options.onSync });
    return { store, state, recovered: index.length, checkedLines, keys: reader.idempotencyKeys };
  } catch (err) {
    await handle?.close();
    await lock.release();
    throw err;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
