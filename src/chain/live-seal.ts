/**
 * Sealing: moving the whole groups at the start of chain.ndjson into chain.sealed (the
 * three steps in chain-bytes.ts). `actorchain compact` seals a stopped runtime's chain at
 * once; a running runtime's LiveSealer seals once chain.ndjson holds --seal-after bytes,
 * in the background:
 *
 *   durable group ─► chain.ndjson ≥ seal-after? ─► blocks appended to chain.sealed, synced
 *        (brotli in the zlib thread pool; one entry's delta per turn of the event loop)
 *   ─► chain.ndjson.next ← the lines after them (appends go on meanwhile)
 *   ─► between two group writes: the last lines copied, sync, rename, sync the dir, switch
 *
 * Appends wait only for that last step (a small copy and two syncs). Once a chain has been
 * sealed, a clean stop seals what chain.ndjson holds too, so a stopped runtime's data dir is all
 * but sealed. A crash anywhere
 * before the rename leaves the old chain.ndjson, which still starts where chain.sealed's
 * old blocks end; the next start drops the rest (settleCompaction).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CHAIN_FILE, PLAIN_NEXT, SEALED_NEW, syncDirectory } from './chain-bytes.js';
import type { ChainBytes } from './chain-bytes-view.js';
import type { StoreSealer } from './file-store.js';
import { LineChunks } from './line-source.js';
import { SealedWriter } from './sealed-writer.js';
import { SEALED_FILE, SEALED_MAGIC } from './sealed.js';

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const TURN_BYTES = 64 << 10;

/**
 * Create an empty chain.sealed, durably (its name too): the data dir is in the compacted
 * layout from now on. Written whole under another name and renamed, so a kill at any moment
 * leaves either no chain.sealed or one that holds its magic line (the caller holds the lock,
 * and there is no chain.sealed yet).
 */
export async function createSealedFile(dir: string): Promise<void> {
  const temp = path.join(dir, SEALED_NEW);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
  try {
    await handle.write(SEALED_MAGIC, 0, SEALED_MAGIC.length, 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temp, path.join(dir, SEALED_FILE));
  await syncDirectory(dir);
}

/**
 * A test's hook (ACTORCHAIN_TEST_SEAL_PAUSE=blocks|next): stop a seal for good at that
 * step, so that a test can kill the process there. Says so on stderr.
 */
async function testPause(step: 'blocks' | 'next'): Promise<void> {
  if (process.env.ACTORCHAIN_TEST_SEAL_PAUSE !== step) return;
  process.stderr.write(`actorchain: test: seal paused at ${step}\n`);
  await new Promise(() => {});
}

export interface SealedRange {
  entries: number;
  /** Canonical bytes of the entries sealed. */
  canonicalBytes: number;
  /** How long appends waited for the switch at the end (ms). */
  pauseMs: number;
}

/** Where the walk of a chunk's lines is: the next line's start, the next entry's position, a block write to wait for. */
interface Walk {
  start: number;
  position: number;
  written: Promise<void> | undefined;
}

/**
 * Add the lines of `lines` from `walk.start` to `writer` until a block write is started (in
 * `walk.written`: wait for it before adding more) or a turn's worth of bytes is added (one
 * large entry's delta, or a few hundred small ones, per turn of the event loop): true then,
 * false at the chunk's end. A function of its own rather than a loop inside `seal`: V8 compiled
 * an async function's hot loop afresh at every seal (on-stack replacement, then a deoptimization
 * once the loop ended), about 80 ms of the optimizing compiler's time a 4 MiB seal, while a
 * function called again and again stays compiled from one seal to the next.
 */
function addLines(writer: SealedWriter, lines: Buffer, walk: Walk, hashAt: ((position: number) => string) | undefined): boolean {
  let bytes = 0;
  for (let nl = lines.indexOf(NEWLINE, walk.start); nl !== -1; nl = lines.indexOf(NEWLINE, walk.start)) {
    const line = lines.subarray(walk.start, nl);
    walk.start = nl + 1;
    // A running store knows every entry's hash (what it wrote): a line read back otherwise
    // than written is then sealed under its true hash, and refused when it is read.
    walk.written = writer.add(line, hashAt?.(walk.position) ?? createHash('sha256').update(line).digest('hex'));
    walk.position++;
    bytes += line.length;
    if (walk.written || bytes >= TURN_BYTES) return true;
  }
  walk.written = undefined;
  return false;
}

/**
 * Seal the lines of `chain` from where chain.ndjson starts up to byte `to` of the chain (the
 * end of a whole group): append their blocks to chain.sealed (which exists), sync, and
 * copy the lines after them into chain.ndjson.next. Then `between` runs the switch at a
 * moment no write is in flight.
 */
export async function seal(
  dir: string,
  chain: ChainBytes,
  to: number,
  between: <T>(fn: () => Promise<T>) => Promise<T>,
  hashAt?: (position: number) => string,
): Promise<SealedRange> {
  const sealed = chain.sealed;
  if (!sealed) throw new Error(`${dir} has no ${SEALED_FILE}`);
  const from = chain.plainFrom;
  const sealedFile = path.join(dir, SEALED_FILE);
  const handle = await open(sealedFile, 'r+');
  let entries: number;
  let fileBytes: number;
  try {
    // Whatever a seal that failed in this process left after the blocks that count.
    await handle.truncate(sealed.fileBytes);
    const writer = SealedWriter.append(handle, sealed.fileBytes, await sealed.seeds());
    const walk: Walk = { start: 0, position: sealed.entries, written: undefined };
    // The lines of each chunk read walked in place: no promise per line.
    const source = new LineChunks(chain.plain, 0, to - from, CHUNK_BYTES);
    for await (const { lines } of source) {
      walk.start = 0;
      while (addLines(writer, lines, walk, hashAt)) await (walk.written ?? nextTurn());
    }
    if (source.readTo < to - from) throw new Error(`chain.ndjson ends at byte ${source.readTo}, before ${to - from}`);
    if (source.rest.length > 0) throw new Error(`byte ${to - from} of chain.ndjson is not the end of a line`);
    await writer.finish();
    entries = writer.entries;
    fileBytes = writer.bytesWritten;
  } finally {
    await handle.close();
  }
  await testPause('blocks');
  const nextFile = path.join(dir, PLAIN_NEXT);
  const next = await open(nextFile, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_TRUNC | (chain.syncsWrites ? constants.O_DSYNC : 0));
  let paused = 0;
  let pauseMs = 0;
  try {
    let copied = await copy(chain.plain, to - from, next);
    await between(async () => {
      paused = performance.now();
      copied = await copy(chain.plain, copied, next);
      await next.datasync();
      await testPause('next');
      await rename(nextFile, path.join(dir, CHAIN_FILE));
      await syncDirectory(dir);
      await sealed.extend(fileBytes);
      if (sealed.bytes !== to) throw new Error(`the sealed entries end at byte ${sealed.bytes} of the chain, not ${to}`);
      chain.switchPlain(next, to, sealed);
      pauseMs = Math.round((performance.now() - paused) * 10) / 10;
    });
  } catch (err) {
    await next.close();
    await rm(nextFile, { force: true });
    throw err;
  }
  return { entries, canonicalBytes: to - from, pauseMs };
}

/** Append `file`'s bytes from `from` to its end to `to`; returns where they ended. */
async function copy(file: FileHandle, from: number, to: FileHandle): Promise<number> {
  const size = (await file.stat()).size;
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(0, size - from)));
  let at = from;
  while (at < size) {
    const { bytesRead } = await file.read(chunk, 0, Math.min(chunk.length, size - at), at);
    if (bytesRead === 0) break;
    for (let done = 0; done < bytesRead;) done += (await to.write(chunk, done, bytesRead - done)).bytesWritten;
    at += bytesRead;
  }
  return at;
}

/**
 * A running runtime's sealer: once chain.ndjson holds `afterBytes` of durable whole groups,
 * seal them in the background. A seal that fails is reported and sealing stops for this
 * run (the chain stays as it was: the next start drops what the seal left).
 */
export class LiveSealer implements StoreSealer {
  readonly #dir: string;
  readonly #chain: ChainBytes;
  readonly #afterBytes: number;
  readonly #onWarning: (message: string) => void;
  readonly #onSealed: (range: SealedRange) => void;
  readonly #hashAt: ((position: number) => string) | undefined;
  #sealing: Promise<void> | undefined;
  #stopped = false;

  constructor(options: {
    dir: string;
    chain: ChainBytes;
    afterBytes: number;
    onWarning: (message: string) => void;
    onSealed?: (range: SealedRange) => void;
    /** The hash of each entry (the store's index), so that sealing does not hash every line again. */
    hashAt?: (position: number) => string;
  }) {
    this.#hashAt = options.hashAt;
    this.#dir = options.dir;
    this.#chain = options.chain;
    this.#afterBytes = options.afterBytes;
    this.#onWarning = options.onWarning;
    this.#onSealed = options.onSealed ?? (() => {});
  }

  durable(offset: number, between: <T>(fn: () => Promise<T>) => Promise<T>): void {
    if (this.#stopped || this.#sealing || offset - this.#chain.plainFrom < this.#afterBytes) return;
    this.#sealing = seal(this.#dir, this.#chain, offset, between, this.#hashAt)
      .then(this.#onSealed, (err: unknown) => this.#failed(err))
      .finally(() => (this.#sealing = undefined));
  }

  /**
   * Let a seal in flight finish, then seal what chain.ndjson holds up to `offset` (the store
   * is closing: no write is in flight), once the chain has been sealed before: a chain that
   * never reached --seal-after stays whole in chain.ndjson.
   */
  async close(offset: number | undefined): Promise<void> {
    await this.#sealing;
    if (!this.#stopped && offset !== undefined && this.#chain.plainFrom > 0 && offset > this.#chain.plainFrom) {
      await seal(this.#dir, this.#chain, offset, (fn) => fn(), this.#hashAt).then(this.#onSealed, (err: unknown) => this.#failed(err));
    }
    this.#stopped = true;
  }

  #failed(err: unknown): void {
    this.#stopped = true;
    this.#onWarning(`sealing chain.ndjson into ${SEALED_FILE} failed (${(err as Error).message}); the chain is left as it was and grows plain until the next start`);
  }
}
