import type { ActorWorker } from './actor-worker-host.js';

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
 * of any request. Only the first committed message is kept, and only for that. A worker is
 * not given messages while it warms (the supervisor sees to it): its thread is busy, and the
 * wait would count against their time limits.
 */
export class WarmUp {
  #sample: WarmSample | undefined;
  /** Workers whose code has run a message (they served, or were warmed). */
  readonly #warm = new WeakSet<ActorWorker>();

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

  /** Whether `warm(worker)` would run the sample on it. */
  wants(worker: ActorWorker): boolean {
    return this.#sample !== undefined && !this.#warm.has(worker);
  }

  /**
   * Warm `worker` with the sample unless it has run a message already (or there is no sample
   * yet); resolves once it is warm, at once when there is nothing to do, and rejects with the
   * fault when warming cost the worker (a timeout): the caller replaces it.
   */
  async warm(worker: ActorWorker): Promise<void> {
    const sample = this.#sample;
    if (sample === undefined || this.#warm.has(worker)) return;
    this.#warm.add(worker);
    await worker.warm(sample.message, sample.state, sample.timeoutMs);
  }
}
