/**
 * verify's second thread: the structural checks of a chain file (every hash, parent link
 * and canonical form), run beside the replay so that a file is checked on both cores. The
 * replay reads the same file with those checks deferred, and the first problem in chain
 * order is the one reported, as if both ran one entry at a time.
 */
import { Worker } from 'node:worker_threads';
import type { ChainTail } from '../chain/chain-file.js';
import { ActorchainError, type ErrorCode } from '../errors.js';

const WORKER_ENTRY = new URL('../../worker/chain-check-worker.js', import.meta.url);

export interface StructureThreadData {
  file: string;
  componentHash: string | undefined;
  /** Read no further (see ChainFileOptions.upTo). */
  upTo: number | undefined;
  /** Also compute the RFC 6962 root of the first this many entries. */
  treeSize?: number;
}

/** What the thread posts once, at its end. */
export type StructureOutcome =
  | { ok: true; entries: number; head: string | undefined; tail: ChainTail | undefined; treeRoot: string | undefined }
  /** `position`: the 0-based position of the entry found wrong. */
  | { ok: false; code: ErrorCode; message: string; position: number };

export class StructureThread {
  readonly #worker: Worker;
  /** Settles with the outcome (a thread that dies becomes a failure at position 0). */
  readonly outcome: Promise<StructureOutcome>;
  #settled: StructureOutcome | undefined;

  constructor(data: StructureThreadData) {
    this.#worker = new Worker(WORKER_ENTRY, { workerData: data });
    this.outcome = new Promise<StructureOutcome>((resolve) => {
      const settle = (outcome: StructureOutcome) => {
        this.#settled ??= outcome;
        resolve(this.#settled);
      };
      this.#worker.once('message', settle);
      this.#worker.once('error', (err) => settle({ ok: false, code: 'WORKER_CRASHED', message: `the structure check died: ${err.message}`, position: 0 }));
      this.#worker.once('exit', (code) => settle({ ok: false, code: 'WORKER_CRASHED', message: `the structure check exited with code ${code}`, position: 0 }));
    });
  }

  /**
   * The problem the thread found at or before `position`, if it has reported one by now:
   * the replay, about to work on that position, must stop there.
   */
  problemBy(position: number): ActorchainError | undefined {
    const outcome = this.#settled;
    return outcome && !outcome.ok && outcome.position <= position ? new ActorchainError(outcome.code, outcome.message) : undefined;
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
