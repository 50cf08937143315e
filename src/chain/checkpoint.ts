/**
 * A data dir's checkpoint: what a runtime already knows about a prefix of chain.ndjson, so
 * the next start re-hashes that prefix as one stream instead of checking it line by line.
 *
 *   checkpoint:  {"format":…,"component-hash":…,"entries":N,"bytes":B,"chain-sha256":…,"hashes-sha256":…}\n
 *                [32 B hash of entry 0][32 B hash of entry 1] … [32 B hash of entry N-1]
 *
 *   chain-sha256:  SHA-256 of the first B bytes of chain.ndjson (N lines, whole groups)
 *   hashes-sha256: SHA-256 of the N raw hashes that follow the header
 *
 * The runtime writes it when it closes the chain (and after a start that had to check many
 * lines), for the entries that are durable then; every line it covers was either checked
 * by a start or written by the runtime itself. A start uses it only when the file's first
 * B bytes still hash to chain-sha256 and hold exactly N lines, the hashes still hash to
 * hashes-sha256, and the last covered line still hashes to the last hash; any difference
 * (an altered, cut or restored file, a damaged checkpoint) means a check of every line, as
 * if there were no checkpoint. Chains are append-only, so an old checkpoint stays valid
 * for its prefix however much was appended since.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { isJsonObject } from './entry.js';
import { sha256Hex, HASH_PATTERN } from '../json/canonical.js';
import { ChainIndex } from './chain-index.js';

export const CHECKPOINT_FILE = 'checkpoint';
const FORMAT = 'actorchain-checkpoint 1';
const HASH_BYTES = 32;
const READ_BYTES = 4 << 20;
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
}

/** A prefix of chain.ndjson the checkpoint vouches for, ready for the rest to be checked. */
export interface CheckedPrefix {
  index: ChainIndex;
  /** Its length in bytes: where the lines still to check begin. */
  bytes: number;
  /** The running digest of the prefix, to be fed with what follows it. */
  prefixHash: Hash;
  /** The text of the prefix's last line (a state entry). */
  lastLine: string;
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
  if (header?.format !== FORMAT) return 'its header is not one this version writes';
  const { entries, bytes: chainBytes } = header;
  const hashes = bytes.subarray(headerEnd + 1);
  const wellFormed =
    typeof header['component-hash'] === 'string' &&
    Number.isSafeInteger(entries) &&
    (entries as number) >= 2 &&
    (entries as number) % 2 === 0 &&
    Number.isSafeInteger(chainBytes) &&
    typeof header['chain-sha256'] === 'string' &&
    HASH_PATTERN.test(header['chain-sha256']) &&
    hashes.length === (entries as number) * HASH_BYTES;
  if (!wellFormed) return 'its header is malformed or the hashes are cut short';
  if (sha256Hex(hashes) !== header['hashes-sha256']) return 'its hashes do not match their digest (the file is damaged)';
  return {
    componentHash: header['component-hash'] as string,
    entries: entries as number,
    bytes: chainBytes as number,
    chainSha256: header['chain-sha256'] as string,
    hashes,
  };
}

/** Write a checkpoint whole or not at all: into a temporary file, synced, then renamed over the old one. */
export async function writeCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const header = {
    format: FORMAT,
    'component-hash': checkpoint.componentHash,
    entries: checkpoint.entries,
    bytes: checkpoint.bytes,
    'chain-sha256': checkpoint.chainSha256,
    'hashes-sha256': sha256Hex(checkpoint.hashes),
  };
  const temporary = path.join(dir, `${CHECKPOINT_FILE}.tmp`);
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
  try {
    await handle.writeFile(Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), checkpoint.hashes]));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path.join(dir, CHECKPOINT_FILE));
}

/** What a file handle must offer to be re-hashed. */
interface Readable {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/**
 * Re-hash the prefix the checkpoint covers as one stream, noting where each line starts.
 * Resolves with the prefix, or a sentence saying why the checkpoint does not fit the file.
 */
export async function checkPrefix(handle: Readable, fileBytes: number, checkpoint: Checkpoint): Promise<CheckedPrefix | string> {
  if (fileBytes < checkpoint.bytes) return `chain.ndjson is shorter (${fileBytes} bytes) than the ${checkpoint.bytes} bytes it covers`;
  const offsets = new Float64Array(checkpoint.entries);
  const prefixHash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(READ_BYTES, checkpoint.bytes));
  let lines = 0;
  let lineStart = 0;
  for (let done = 0; done < checkpoint.bytes; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, checkpoint.bytes - done), done);
    if (bytesRead === 0) return 'chain.ndjson ended while it was read';
    const chunk = buffer.subarray(0, bytesRead);
    prefixHash.update(chunk);
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, nl + 1)) {
      if (lines === checkpoint.entries) return `the bytes it covers hold more than its ${checkpoint.entries} lines`;
      offsets[lines++] = lineStart;
      lineStart = done + nl + 1;
    }
    done += bytesRead;
  }
  if (lines !== checkpoint.entries || lineStart !== checkpoint.bytes) return `the bytes it covers do not hold exactly its ${checkpoint.entries} lines`;
  if (prefixHash.copy().digest('hex') !== checkpoint.chainSha256) return 'the bytes it covers have changed since it was written';
  const lastStart = offsets[lines - 1]!;
  const last = Buffer.allocUnsafe(checkpoint.bytes - 1 - lastStart);
  await handle.read(last, 0, last.length, lastStart);
  const lastHash = checkpoint.hashes.toString('hex', (lines - 1) * HASH_BYTES, lines * HASH_BYTES);
  if (sha256Hex(last) !== lastHash) return 'its last hash is not the hash of the last line it covers';
  const index = new ChainIndex();
  index.addMany(checkpoint.hashes, offsets);
  return { index, bytes: checkpoint.bytes, prefixHash, lastLine: last.toString('utf8') };
}
