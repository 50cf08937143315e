/**
 * Reading chain.ndjson as a stream of checked groups, in chunks (a chain can be millions
 * of lines; only one chunk and one group are in memory at a time).
 *
 * What a crash can leave at the end of the file is not an error but a tail to cut: a last
 * line with no newline or that is not JSON (a write cut short), and entries after the last
 * whole group (a message without its state). Every other fault is CHAIN_CORRUPT.
 */
import type { Hash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { ActorchainError } from '../errors.js';
import { ChainChecker, parseJson, type EntryGroup } from './check.js';

export const CHAIN_FILE = 'chain.ndjson';
const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** What lies after the last whole group, and why it cannot belong to the chain. */
export interface ChainTail {
  /** 1-based line where the tail starts. */
  line: number;
  /** Byte offset where the tail starts: the length of the whole groups. */
  offset: number;
  bytes: number;
  reason: string;
}

export interface ChainFileOptions {
  componentHash?: string;
  /**
   * Start after a prefix already checked (a checkpoint's): at byte `offset`, the start of
   * the group whose first entry is at `position` and names `parent`.
   */
  resume?: { offset: number; position: number; parent: string };
  /** Idempotency keys recorded before `resume` (a key recorded again is refused). */
  knownKeys?: Map<string, number>;
  /** Fed with the bytes of every whole group read, in order (the running digest of the file). */
  prefixHash?: Hash;
  /** Read no further than this many bytes (what two readers of one growing file agree on). */
  upTo?: number;
  /** Leave hashes, links and canonical form to another pass (see CheckerOptions.deferHashes). */
  deferHashes?: boolean;
  /** Called after each chunk with the bytes read so far and the file's size. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** The chain file of a data dir, or the file itself when `source` is a file. */
export async function resolveChainFile(source: string): Promise<string> {
  let info;
  try {
    info = await stat(source);
  } catch (err) {
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `there is no chain at ${source}: ${(err as Error).message}`, { cause: err });
  }
  return info.isDirectory() ? path.join(source, CHAIN_FILE) : source;
}

export class ChainFileReader {
  readonly unit = 'line' as const;
  readonly file: string;
  readonly #options: ChainFileOptions;
  readonly #checker: ChainChecker;
  #tail: ChainTail | undefined;
  #wholeBytes = 0;

  constructor(file: string, options: ChainFileOptions = {}) {
    this.file = file;
    this.#options = options;
    this.#checker = new ChainChecker({
      componentHash: options.componentHash,
      unit: 'line',
      resume: options.resume,
      knownKeys: options.knownKeys,
      deferHashes: options.deferHashes,
    });
  }

  get options(): Readonly<ChainFileOptions> {
    return this.#options;
  }

  /** Entries accepted so far: after a failure, the 0-based position of the entry that failed. */
  get position(): number {
    return this.#checker.count;
  }

  /** An I/O failure (a directory where the file should be, a failing disk) as the CLI reports it. */
  readonly #unreadable = (err: unknown): never => {
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
  };

  /** After `groups()` is done: what was found after the last whole group, if anything. */
  get tail(): ChainTail | undefined {
    return this.#tail;
  }

  /** As `groups()` goes: the idempotency keys of the whole groups read, with their message's position. */
  get idempotencyKeys(): Map<string, number> {
    return this.#checker.idempotencyKeys;
  }

  /** After `groups()` is done: the byte length of the whole groups. */
  get wholeBytes(): number {
    return this.#wholeBytes;
  }

  /**
   * The whole groups in chain order, up to the file's size when reading began (a live
   * runtime may be appending meanwhile). Throws CHAIN_CORRUPT / CHAIN_COMPONENT_MISMATCH, and
   * CHAIN_SOURCE_UNREADABLE when the file cannot be read.
   */
  async *groups(): AsyncGenerator<EntryGroup> {
    const handle = await open(this.file, 'r').catch(this.#unreadable);
    try {
      const size = Math.min((await handle.stat().catch(this.#unreadable)).size, this.#options.upTo ?? Infinity);
      const from = this.#options.resume?.offset ?? 0;
      const prefixHash = this.#options.prefixHash;
      let carry = Buffer.alloc(0);
      let carryOffset = from;
      let line = this.#options.resume?.position ?? 0;
      let groupEnd = from;
      let torn: string | undefined;
      // The first line of a group read in an earlier buffer, still to be hashed with its group.
      let heldLine: Buffer | undefined;
      for (let read = from; read < size && torn === undefined; ) {
        // Chunks grow with a long line so that joining stays linear.
        const chunk = Buffer.allocUnsafe(Math.min(Math.max(CHUNK_BYTES, carry.length), size - read));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, read).catch(this.#unreadable);
        if (bytesRead === 0) break;
        read += bytesRead;
        const buffer = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        let start = 0;
        // This buffer's whole groups, [hashFrom, hashTo), are hashed in one update.
        let hashFrom = -1;
        let hashTo = -1;
        let pendingFrom = -1;
        for (let nl = buffer.indexOf(NEWLINE); nl !== -1; nl = buffer.indexOf(NEWLINE, start)) {
          const lineStart = start;
          const bytes = buffer.subarray(start, nl);
          const text = bytes.toString('utf8');
          // Invalid UTF-8 decodes to U+FFFD, which would change the bytes that are hashed.
          const value = Buffer.byteLength(text) === nl - start ? parseJson(text) : undefined;
          const end = carryOffset + nl + 1;
          start = nl + 1;
          if (value === undefined) {
            if (end === size) {
              torn = `line ${line + 1} is not JSON (a write cut short)`;
              break;
            }
            throw new ActorchainError('CHAIN_CORRUPT', `line ${line + 1} is not UTF-8 JSON, and lines follow it`);
          }
          line += 1;
          const group = this.#checker.accept(text, value, undefined, false, bytes);
          if (!group) pendingFrom = lineStart;
          else {
            if (prefixHash) {
              // A group is contiguous bytes; only the first of a buffer can have begun in an earlier one.
              if (groupEnd < carryOffset) {
                prefixHash.update(heldLine!);
                hashFrom = lineStart;
              } else if (hashFrom < 0) hashFrom = groupEnd - carryOffset;
              hashTo = nl + 1;
            }
            groupEnd = end;
            yield group;
          }
        }
        if (hashFrom >= 0) prefixHash!.update(buffer.subarray(hashFrom, hashTo));
        if (prefixHash && this.#checker.pending && pendingFrom >= 0) heldLine = buffer.subarray(pendingFrom, start);
        carryOffset += start;
        carry = buffer.subarray(start);
        this.#options.onProgress?.(read, size);
      }
      if (torn === undefined && carry.length > 0) torn = `line ${line + 1} has no newline at its end (a write cut short)`;
      this.#wholeBytes = groupEnd;
      const pending = this.#checker.pending;
      if (pending || torn !== undefined) {
        const reasons = [pending && `line ${pending.position + 1} is a ${pending.kind} entry with no state after it`, torn].filter(Boolean);
        this.#tail = { line: (pending?.position ?? line) + 1, offset: groupEnd, bytes: size - groupEnd, reason: reasons.join('; ') };
      }
    } finally {
      await handle.close();
    }
  }
}
