/**
 * A data dir's checkpoint: what a runtime already knows about a prefix of chain.ndjson, so
 * the next start re-hashes that prefix as one stream instead of checking it line by line.
 *
 *   checkpoint:         {"format":…,"component-hash":…,"entries":N,"bytes":B,"chain-sha256":…,"hashes-sha256":…}\n
 *   checkpoint.hashes:  [32 B hash of entry 0][32 B hash of entry 1] … [32 B hash of entry N-1] (and maybe more)
 *
 *   chain-sha256:  SHA-256 of the first B bytes of chain.ndjson (N lines, whole groups)
 *   hashes-sha256: SHA-256 of the first N raw hashes of checkpoint.hashes
 *
 * The hashes are only ever appended: a runtime that has run for a while adds the hashes of
 * the entries made since its last checkpoint, syncs them, then replaces the small header
 * (whole or not at all). So a checkpoint costs what was appended since the one before, and
 * one can be taken every CHECKPOINT_AFTER_LINES entries whatever the chain's length: a
 * runtime that is killed leaves few lines to check one by one. Hashes past the header's N
 * (a checkpoint cut short before its header was replaced) are cut by the next start.
 *
 * The runtime writes one when it closes the chain, after a start that had to check many
 * lines, and as it runs; every line it covers was either checked by a start or written by
 * the runtime itself. A start uses it only when the file's first B bytes still hash to
 * chain-sha256 and hold exactly N lines, the hashes still hash to hashes-sha256, and the
 * last covered line still hashes to the last hash; any difference (an altered, cut or
 * restored file, a damaged checkpoint) means a check of every line, as if there were no
 * checkpoint. Chains are append-only, so an old checkpoint stays valid for its prefix however
 * much was appended since. The checkpoint of an earlier version (format 1: header and hashes
 * in `checkpoint`) is still read.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rename, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import { isJsonObject } from './entry.js';
import { HASH_PATTERN } from '../json/canonical.js';

export const CHECKPOINT_FILE = 'checkpoint';
export const CHECKPOINT_HASHES_FILE = 'checkpoint.hashes';
const FORMAT = 'actorchain-checkpoint 2';
/** Header and hashes in one file, rewritten whole each time. */
const FORMAT_1 = 'actorchain-checkpoint 1';
export const HASH_BYTES = 32;
const NEWLINE = 0x0a;

export interface Checkpoint {
  componentHash: string;
  /** Entries covered: whole groups, from genesis. */
  entries: number;
  /** Bytes of chain.ndjson they take, newlines included. */
  bytes: number;
  /** SHA-256 (hex) of those bytes. */
  chainSha256: string;
  /** The entries' raw hashes, back to back. */
  hashes: Buffer;
  /** The running digest of those hashes (later checkpoints feed it what they append). */
  hashesDigest: Hash;
  /** Whether checkpoint.hashes holds them (this version's format), so later checkpoints can append to it. */
  appendable: boolean;
}

/** The checkpoint in `dir`; undefined when there is none, a sentence saying why when it is unusable. */
export async function readCheckpoint(dir: string): Promise<Checkpoint | string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(dir, CHECKPOINT_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `it cannot be read (${(err as Error).message})`;
  }
  const headerEnd = bytes.indexOf(NEWLINE);
  let header: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = headerEnd > 0 ? JSON.parse(bytes.toString('utf8', 0, headerEnd)) : undefined;
    header = isJsonObject(parsed) ? parsed : undefined;
  } catch {
    header = undefined;
  }
  if (header?.format !== FORMAT && header?.format !== FORMAT_1) return 'its header is not one this version writes';
  const { entries, bytes: chainBytes } = header;
  const wellFormed =
    typeof header['component-hash'] === 'string' &&
    Number.isSafeInteger(entries) &&
    (entries as number) >= 2 &&
    (entries as number) % 2 === 0 &&
    Number.isSafeInteger(chainBytes) &&
    // Every line takes a byte at least (its newline): fewer bytes than lines is impossible.
    (chainBytes as number) >= (entries as number) &&
    typeof header['chain-sha256'] === 'string' &&
    HASH_PATTERN.test(header['chain-sha256']);
  if (!wellFormed) return 'its header is malformed';
  const appendable = header.format === FORMAT;
  let hashes: Buffer;
  if (appendable) {
    try {
      hashes = await readFile(path.join(dir, CHECKPOINT_HASHES_FILE));
    } catch (err) {
      return `${CHECKPOINT_HASHES_FILE} cannot be read (${(err as Error).message})`;
    }
    if (hashes.length < (entries as number) * HASH_BYTES) return `${CHECKPOINT_HASHES_FILE} is cut short`;
    hashes = hashes.subarray(0, (entries as number) * HASH_BYTES);
  } else {
    hashes = bytes.subarray(headerEnd + 1);
    if (hashes.length !== (entries as number) * HASH_BYTES) return 'its hashes are cut short';
  }
  const hashesDigest = createHash('sha256').update(hashes);
  if (hashesDigest.copy().digest('hex') !== header['hashes-sha256']) return 'its hashes do not match their digest (the file is damaged)';
  return {
    componentHash: header['component-hash'] as string,
    entries: entries as number,
    bytes: chainBytes as number,
    chainSha256: header['chain-sha256'] as string,
    hashes,
    hashesDigest,
    appendable,
  };
}

/** What a checkpoint being written says, with the hashes of the entries it adds. */
export interface CheckpointAppend {
  componentHash: string;
  entries: number;
  bytes: number;
  chainSha256: string;
  /** How many hashes checkpoint.hashes already holds for this chain, and the raw hashes of the entries after them. */
  hashesFrom: number;
  newHashes: Buffer;
  /** SHA-256 (hex) of all the hashes once they are appended. */
  hashesSha256: string;
}

/**
 * Write a checkpoint: append the new hashes to checkpoint.hashes and sync them, then replace
 * the header whole or not at all (a temporary file, synced, renamed over the old one). Until
 * the rename, the old header still describes a prefix of the hashes file.
 */
export async function appendCheckpoint(dir: string, checkpoint: CheckpointAppend): Promise<void> {
  // Written at its place rather than appended, and cut there: an earlier append that failed
  // half way leaves nothing behind.
  const hashesFile = await open(path.join(dir, CHECKPOINT_HASHES_FILE), constants.O_WRONLY | constants.O_CREAT);
  try {
    const at = checkpoint.hashesFrom * HASH_BYTES;
    for (let done = 0; done < checkpoint.newHashes.length;) {
      done += (await hashesFile.write(checkpoint.newHashes, done, checkpoint.newHashes.length - done, at + done)).bytesWritten;
    }
    await hashesFile.truncate(at + checkpoint.newHashes.length);
    await hashesFile.datasync();
  } finally {
    await hashesFile.close();
  }
  const header = {
    format: FORMAT,
    'component-hash': checkpoint.componentHash,
    entries: checkpoint.entries,
    bytes: checkpoint.bytes,
    'chain-sha256': checkpoint.chainSha256,
    'hashes-sha256': checkpoint.hashesSha256,
  };
  const temporary = path.join(dir, `${CHECKPOINT_FILE}.tmp`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
  try {
    await handle.writeFile(`${JSON.stringify(header)}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path.join(dir, CHECKPOINT_FILE));
}

/**
 * Make checkpoint.hashes hold exactly the first `entries` hashes a start found good (none:
 * no usable checkpoint of this format), so the next checkpoint appends right after them.
 * `unusable`: the data dir has no checkpoint a start can use, so its header goes too, rather
 * than naming hashes that are gone.
 */
export async function trimCheckpointHashes(dir: string, entries: number, unusable: boolean): Promise<void> {
  const ignoreMissing = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  };
  if (unusable) await rm(path.join(dir, CHECKPOINT_FILE)).catch(ignoreMissing);
  await truncate(path.join(dir, CHECKPOINT_HASHES_FILE), entries * HASH_BYTES).catch(ignoreMissing);
}
