/**
 * Reading chain.ndjson as a stream of checked groups, in chunks (a chain can be millions
 * of lines; only one chunk and one group are in memory at a time).
 *
 * What a crash can leave at the end of the file is not an error but a tail to cut: a last
 * line with no newline or that is not JSON (a write cut short), and entries after the last
 * whole group (a message without its state). Every other fault is CHAIN_CORRUPT.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ActorchainError, isActorchainError } from '../errors.js';
import { CHAIN_FILE, openChainBytes } from './chain-bytes.js';
import { ChainChecker, type CheckedEntry, type EntryGroup } from './check.js';
import { checkLines, type CheckedLines } from './chunk-lines.js';
import { LineChunks } from './line-source.js';

export { CHAIN_FILE };
/** Groups per batch: enough to spare the awaits, few enough that they die young. */
const BATCH_GROUPS = 512;

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
  resume?: { offset: number; position: number; parent: string; componentHash?: string };
  /** Idempotency keys recorded before `resume` (a key recorded again is refused). */
  knownKeys?: Map<string, number>;
  /** Read no further than this many bytes (what two readers of one growing file agree on). */
  upTo?: number;
  /** Leave hashes and links to another pass (see CheckerOptions.deferHashes). */
  deferHashes?: boolean;
  /**
   * Take a sealed entry's canonical form as given: its text, rebuilt from chain.sealed,
   * matched the hash prefix it was sealed with, and only lines this check (or the runtime
   * that wrote them) passed are sealed. Its hash, the parent links and everything else are
   * still checked. For a runtime's own data dir at start-up, never for a chain given to
   * `verify`.
   */
  trustSealed?: boolean;
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

  /** The component in use after the whole groups read so far (the last upgrade's, or the genesis'). */
  get component(): string | undefined {
    return this.#checker.component;
  }

  /** "line 7" for a 0-based position. */
  where(position: number): string {
    return this.#checker.where(position);
  }

  /** The position of the entry that named `component`. */
  get componentAt(): number {
    return this.#checker.componentAt;
  }

  /** Entries accepted so far: after a failure, the 0-based position of the entry that failed. */
  get position(): number {
    return this.#checker.count;
  }

  /** An I/O failure (a directory where the file should be, a failing disk) as the CLI reports it. */
  readonly #unreadable = (err: unknown): never => {
    // A damaged chain.sealed names its entry.
    if (isActorchainError(err)) throw err;
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
  };

  /** After `groups()` is done: an entry accepted after the last whole group (part of the tail). */
  get pending(): CheckedEntry | undefined {
    return this.#checker.pending;
  }

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
  groups(): AsyncGenerator<EntryGroup> {
    return this.#read(1, (batch) => batch[0]!);
  }

  /**
   * groups(), BATCH_GROUPS at a time: what a reopen takes, with one await per batch instead
   * of one per group. A problem found in a batch is thrown after the
   * groups before it have been yielded, so the order of groups and errors is groups()'s.
   */
  batches(): AsyncGenerator<EntryGroup[]> {
    // (Not for a consumer that keeps what it reads a while: a batch of parsed entries lives
    // long enough to be promoted, and the GC then costs more than the awaits it saves.)
    return this.#read(BATCH_GROUPS, (batch) => batch);
  }

  /** The read loop of both: `pick` makes what is yielded of each `limit` groups. */
  async *#read<T>(limit: number, pick: (batch: EntryGroup[]) => T): AsyncGenerator<T> {
    const handle = await openChainBytes(this.file).catch(this.#unreadable);
    // With hashes deferred, the hash thread holds each sealed entry's rebuilt text to its hash
    // prefix (line-hash-worker.ts) and a reader that checks names what fails: not done twice.
    if (this.#options.deferHashes && handle.sealed) handle.sealed.checkTexts = false;
    try {
      const size = Math.min((await handle.stat().catch(this.#unreadable)).size, this.#options.upTo ?? Infinity);
      const sealedDigest = this.#options.trustSealed && handle.plainFrom > 0 ? (position: number) => handle.sealedDigest(position) : undefined;
      const from = this.#options.resume?.offset ?? 0;
      const source = new LineChunks({ read: (...args) => handle.read(...args).catch(this.#unreadable) }, from, size);
      let line = this.#options.resume?.position ?? 0;
      let groupEnd = from;
      let torn: string | undefined;
      for await (const chunk of source) {
        let start = 0;
        for (;;) {
          const batch: EntryGroup[] = [];
          let lines: CheckedLines;
          try {
            lines = checkLines(this.#checker, chunk.lines, start, chunk.offset, size, line, batch, limit, sealedDigest);
          } catch (err) {
            // The groups before the problem go out first, as they would one at a time.
            if (batch.length > 0) yield pick(batch);
            throw err;
          }
          ({ line, torn } = lines);
          start = lines.consumed;
          if (lines.groupEnd !== undefined) groupEnd = lines.groupEnd;
          if (batch.length > 0) yield pick(batch);
          if (lines.atEnd) break;
        }
        this.#options.onProgress?.(chunk.readTo, size);
        if (torn !== undefined) break;
      }
      if (torn === undefined && source.rest.length > 0) torn = `line ${line + 1} has no newline at its end (a write cut short)`;
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
