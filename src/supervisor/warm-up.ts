import type { ActorWorker } from './actor-worker-host.js';
import { WorkerFaultError } from './worker-fault.js';

/** A message the actor committed, the state it produced, and its time limit: what a worker warms its code with. */
export interface WarmSample {
  message: string;
  state: string;
  timeoutMs: number;
}

/**
 * A worker's first message would otherwise pay for its thread's cold code (2-5 ms against
 * 0.15 ms warm, measured): once a message has been committed, each worker that has not run
 * one yet (a standby, a live upgrade's worker) runs it on a throwaway instance, off the path
 * of any request. Only the first committed message is kept, and only for that.
 */
export class WarmUp {
  #sample: WarmSample | undefined;
  /** Workers whose code has run a message (they served, or were warmed). */
  readonly #warm = new WeakSet<ActorWorker>();
  readonly #onFault: (worker: ActorWorker, fault: WorkerFaultError) => void;

  /** `onFault`: a worker that faults while warming (a timeout) is replaced as for any fault. */
  constructor(onFault: (worker: ActorWorker, fault: WorkerFaultError) => void) {
    this.#onFault = onFault;
  }

  get sample(): WarmSample | undefined {
    return this.#sample;
  }

  /** `worker` served a message. */
  served(worker: ActorWorker): void {
    this.#warm.add(worker);
  }

  /** A message was committed: the first one is kept as the sample. */
  committed(message: string, state: string, timeoutMs: number): void {
    this.#sample ??= { message, state, timeoutMs };
  }

  /**
   * Warm `worker` with the sample unless it has run a message already (or there is no sample
   * yet); resolves once it is warm, or at once when there is nothing to do.
   */
  warm(worker: ActorWorker | undefined): Promise<void> | undefined {
    const sample = this.#sample;
    if (worker === undefined || sample === undefined || this.#warm.has(worker)) return undefined;
    this.#warm.add(worker);
    return worker.warm(sample.message, sample.state, sample.timeoutMs).catch((err: unknown) => {
      if (err instanceof WorkerFaultError) this.#onFault(worker, err);
    });
  }
}
