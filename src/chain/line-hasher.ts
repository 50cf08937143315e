/**
 * A reopen's second thread: the SHA-256 of every line of a stretch of chain.ndjson, while
 * the main thread checks everything else about the same lines (ChainFileReader with
 * deferHashes) and keeps the parent each line names. The two meet in checkLinks. Hashing
 * is most of a reopen's work, so a long chain is checked on both cores.
 */
import { Worker } from 'node:worker_threads';

const WORKER_ENTRY = new URL('../../worker/line-hash-worker.js', import.meta.url);

export interface LineHashRequest {
  file: string;
  /** Byte offset of the first line: the start of a line. */
  from: number;
  /** Bytes past this are not read (a last line without its newline is not hashed). */
  to: number;
}

export interface LineHashes {
  /** Raw SHA-256 of each whole line from `from`, 32 bytes each, in order. */
  hashes: Buffer;
  /** The same in lowercase hex, 64 bytes each. */
  hex: Buffer;
  lines: number;
}

export interface HashThread {
  /** The hashes; undefined when the thread failed or was stopped (the caller then checks alone). */
  readonly hashed: Promise<LineHashes | undefined>;
  /** Stop it early (its answer is no longer wanted). */
  stop(): Promise<void>;
}

/** Start hashing at once. */
export function hashLines(request: LineHashRequest): HashThread {
  let worker: Worker | undefined;
  const hashed = new Promise<LineHashes | undefined>((resolve) => {
    try {
      worker = new Worker(WORKER_ENTRY, { workerData: request });
    } catch {
      resolve(undefined);
      return;
    }
    worker.once('message', (result: { hashes: ArrayBuffer; hex: ArrayBuffer; lines: number }) => {
      resolve({ hashes: Buffer.from(result.hashes, 0, result.lines * 32), hex: Buffer.from(result.hex, 0, result.lines * 64), lines: result.lines });
    });
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
  return {
    hashed,
    stop: async () => {
      await worker?.terminate();
    },
  };
}

/**
 * Whether each of `count` lines names the hash of the line before: `parents` holds the 64
 * bytes of hex each names, and the first must name `first` (null: it is the genesis, which
 * names none, checked apart).
 */
export function checkLinks(hashed: LineHashes, parents: Buffer, count: number, first: string | null): boolean {
  if (count === 0) return true;
  if (first !== null && parents.toString('latin1', 0, 64) !== first) return false;
  // Line i names line i - 1: one comparison of two stretches of memory.
  return parents.compare(hashed.hex, 0, (count - 1) * 64, 64, count * 64) === 0;
}
