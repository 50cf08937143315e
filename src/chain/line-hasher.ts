/**
 * The one way a chain file is checked on two threads, by a reopen (recovery.ts) and by
 * verify (verify/verify.ts) alike: this thread reads the lines with ChainFileReader and
 * `deferHashes` (canonical form, kinds, keys, the component: everything but hashes and
 * links), while the hash thread (worker/line-hash-worker.ts) reads the same bytes and
 * hashes every line, holding each to the hash before it:
 *
 *   this thread:   line ─► canonical? kind? key? ─► entries (hashes left lazy) ─┐
 *   hash thread:   line ─► SHA-256 ─► ends with ,"parent":"<hash before>"} ? ───┴─► hashes, first broken link
 *
 * A canonical entry ends with its parent ("data" sorts before "parent"), so once this thread
 * has found a line canonical, the 64 hex bytes before its closing `"}` are the parent it
 * names. Hashing is most of the work of a check, so a long chain is checked on both cores.
 * Neither thread names a problem the other found: on any problem the caller checks the
 * lines again on one thread, which names the first in chain order.
 */
import { Worker } from 'node:worker_threads';

const WORKER_ENTRY = new URL('../../worker/line-hash-worker.js', import.meta.url);

export interface LineHashRequest {
  file: string;
  /** Byte offset of the first line: the start of a line. */
  from: number;
  /** Bytes past this are not read (a last line without its newline is not hashed). */
  to: number;
  /** The hash the first line must name as its parent: the line before's, or null when it is the genesis. */
  firstParent: string | null;
  /** Also the RFC 6962 root (base64) of the first this many lines (verify's checkpoint check), from `from` 0. */
  treeSize?: number;
}

export interface LineHashes {
  /** Raw SHA-256 of each whole line from `from`, 32 bytes each, in order. */
  hashes: Buffer;
  lines: number;
  /** The index (from `from`, 0-based) of the first line that does not name the hash of the one before; undefined when every line does. */
  brokenLink: number | undefined;
  /** The tree root asked for, when there were that many lines. */
  treeRoot: string | undefined;
}

export interface HashThread {
  /** The hashes; undefined when the thread failed or was stopped. */
  readonly hashed: Promise<LineHashes | undefined>;
  /** The hashes if they have arrived by now. */
  readonly settled: LineHashes | undefined;
  /** Stop it early (its answer is no longer wanted). */
  stop(): Promise<void>;
}

/** What the worker posts. */
export interface LineHashAnswer {
  hashes: ArrayBuffer;
  lines: number;
  brokenLink: number | undefined;
  treeRoot: string | undefined;
}

/** Start hashing at once. */
export function hashLines(request: LineHashRequest): HashThread {
  let worker: Worker | undefined;
  let settled: LineHashes | undefined;
  const hashed = new Promise<LineHashes | undefined>((resolve) => {
    try {
      worker = new Worker(WORKER_ENTRY, { workerData: request });
    } catch {
      resolve(undefined);
      return;
    }
    worker.once('message', (answer: LineHashAnswer) => {
      settled = { hashes: Buffer.from(answer.hashes, 0, answer.lines * 32), lines: answer.lines, brokenLink: answer.brokenLink, treeRoot: answer.treeRoot };
      resolve(settled);
    });
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
  return {
    hashed,
    get settled() {
      return settled;
    },
    stop: async () => {
      await worker?.terminate();
    },
  };
}

/**
 * Whether the hash thread vouches for the first `count` lines: it hashed them all, and each
 * names the hash of the line before.
 */
export function linksHold(hashed: LineHashes | undefined, count: number): hashed is LineHashes {
  return hashed !== undefined && hashed.lines >= count && (hashed.brokenLink === undefined || hashed.brokenLink >= count);
}
