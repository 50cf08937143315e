/**
 * A start's one pass over the prefix a checkpoint covers (checkpoint.ts): its bytes are
 * hashed as one stream and held to the checkpoint's digest, each line's start is noted for
 * the index, and the keys and sends the lines record are taken (prefix-scan.ts).
 *
 * Sealed entries are rebuilt from chain.sealed in order and fed to the digest as they come,
 * without each being hashed on its own as well: the digest checks them all at once. A text
 * rebuilt wrong, or one that cannot be rebuilt, makes the checkpoint unusable, and the
 * line-by-line check that follows names the entry (CHAIN_CORRUPT). So the prefix costs one
 * SHA-256 pass over its canonical bytes, sealed or plain, and one rebuild of each sealed entry.
 */
import { createHash, type Hash } from 'node:crypto';
import { sha256Hex } from '../json/canonical.js';
import { HASH_BYTES, type Checkpoint } from './checkpoint.js';
import { ChainIndex } from './chain-index.js';
import { LineChunks, type ByteReader } from './line-source.js';
import { PrefixRecords } from './prefix-scan.js';
import type { SealedReader } from './sealed-reader.js';

const READ_BYTES = 4 << 20;
const NEWLINE = 0x0a;
const NEWLINE_BYTE = Buffer.from([NEWLINE]);

/** The chain's bytes (chain-bytes-view.ts), and its sealed entries when it has some. */
export interface PrefixSource extends ByteReader {
  readonly sealed: SealedReader | undefined;
}

/** A prefix of the chain the checkpoint vouches for, ready for the rest to be checked. */
export interface CheckedPrefix {
  index: ChainIndex;
  /** Its length in bytes: where the lines still to check begin. */
  bytes: number;
  /** The running digest of the prefix, to be fed with what follows it. */
  prefixHash: Hash;
  /** The text of the prefix's last line (a state entry). */
  lastLine: string;
  /** Whether checkpoint.hashes holds the prefix's hashes (see Checkpoint.appendable), and their digest. */
  appendable: boolean;
  hashesDigest: Hash;
  /** The idempotency keys and sends its lines record. */
  records: PrefixRecords;
}

/** What the pass has found so far. */
interface Pass {
  checkpoint: Checkpoint;
  offsets: Float64Array;
  lines: number;
  prefixHash: Hash;
  records: PrefixRecords;
  hashOf: (position: number) => string;
  /** The last line read, without its newline. */
  last: Buffer | undefined;
}

/** Feed the pass the sealed entries the checkpoint covers; a sentence when one cannot be rebuilt. */
async function passSealed(pass: Pass, sealed: SealedReader): Promise<string | undefined> {
  const upTo = Math.min(sealed.entries, pass.checkpoint.entries);
  try {
    for (; pass.lines < upTo; pass.lines++) {
      const text = await sealed.uncheckedText(pass.lines);
      pass.offsets[pass.lines] = sealed.lineStart(pass.lines);
      pass.prefixHash.update(text).update(NEWLINE_BYTE);
      pass.records.note(text, 0, text.length, pass.lines, pass.hashOf);
      pass.last = text;
    }
  } catch (err) {
    return `sealed entry ${pass.lines} cannot be rebuilt (${(err as Error).message})`;
  } finally {
    // Nothing rebuilt unchecked is served from the reader's cache.
    sealed.forget();
  }
  return undefined;
}

/** Feed the pass the lines of bytes [from, checkpoint.bytes); a sentence when they do not fit the checkpoint. */
async function passPlain(pass: Pass, handle: ByteReader, from: number): Promise<string | undefined> {
  const { checkpoint, offsets, records, hashOf } = pass;
  const source = new LineChunks(handle, from, checkpoint.bytes, READ_BYTES);
  for await (const { lines: chunk, offset } of source) {
    pass.prefixHash.update(chunk);
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      if (pass.lines === checkpoint.entries) return `the bytes it covers hold more than its ${checkpoint.entries} lines`;
      offsets[pass.lines] = offset + start;
      records.note(chunk, start, nl, pass.lines, hashOf);
      pass.last = chunk.subarray(start, nl);
      pass.lines++;
      start = nl + 1;
    }
  }
  if (source.readTo < checkpoint.bytes) return 'chain.ndjson ended while it was read';
  if (source.rest.length > 0) return `the bytes it covers do not hold exactly its ${checkpoint.entries} lines`;
  return undefined;
}

/**
 * Check the prefix the checkpoint covers in one pass (see above). Resolves with the prefix,
 * or a sentence saying why the checkpoint does not fit the file.
 */
export async function checkPrefix(handle: PrefixSource, fileBytes: number, checkpoint: Checkpoint): Promise<CheckedPrefix | string> {
  if (fileBytes < checkpoint.bytes) return `chain.ndjson is shorter (${fileBytes} bytes) than the ${checkpoint.bytes} bytes it covers`;
  const pass: Pass = {
    checkpoint,
    offsets: new Float64Array(checkpoint.entries),
    lines: 0,
    prefixHash: createHash('sha256'),
    records: new PrefixRecords(),
    hashOf: (position) => checkpoint.hashes.toString('hex', position * HASH_BYTES, (position + 1) * HASH_BYTES),
    last: undefined,
  };
  const sealed = handle.sealed;
  const unfit = sealed ? await passSealed(pass, sealed) : undefined;
  if (unfit) return unfit;
  const plainFrom = sealed ? sealed.lineStart(pass.lines) : 0;
  if (pass.lines < checkpoint.entries && plainFrom < checkpoint.bytes) {
    const unfitPlain = await passPlain(pass, handle, plainFrom);
    if (unfitPlain) return unfitPlain;
  }
  const end = sealed && pass.lines <= sealed.entries ? sealed.lineStart(pass.lines) : checkpoint.bytes;
  if (pass.lines !== checkpoint.entries || end !== checkpoint.bytes) return `the bytes it covers do not hold exactly its ${checkpoint.entries} lines`;
  if (pass.prefixHash.copy().digest('hex') !== checkpoint.chainSha256) return 'the bytes it covers have changed since it was written';
  const last = pass.last!;
  if (sha256Hex(last) !== pass.hashOf(pass.lines - 1)) return 'its last hash is not the hash of the last line it covers';
  const index = new ChainIndex();
  index.addMany(checkpoint.hashes, pass.offsets);
  return {
    index,
    bytes: checkpoint.bytes,
    prefixHash: pass.prefixHash,
    lastLine: last.toString('utf8'),
    appendable: checkpoint.appendable,
    hashesDigest: checkpoint.hashesDigest,
    records: pass.records,
  };
}
