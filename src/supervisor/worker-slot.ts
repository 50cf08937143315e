import type { ActorWorker } from './actor-worker-host.js';

/**
 * A place for one worker, while it starts and once it is ready. The supervisor has two: the
 * worker that serves and the standby. `ready` is set as soon as the worker is, so that a
 * message is posted without waiting a tick (keeping arrival order).
 */
export class WorkerSlot {
  #worker: Promise<ActorWorker> | undefined;
  #ready: ActorWorker | undefined;
  readonly #onReady: ((worker: ActorWorker) => void) | undefined;
  readonly #emptyOnFailure: boolean;

  /**
   * `onReady`: told when a worker the slot was filled with is ready, unless it was taken
   * first. `emptyOnFailure`: a worker that fails to start leaves the slot empty (otherwise
   * its failure stays, for every caller to meet).
   */
  constructor(options: { onReady?: (worker: ActorWorker) => void; emptyOnFailure?: boolean } = {}) {
    this.#onReady = options.onReady;
    this.#emptyOnFailure = options.emptyOnFailure ?? false;
  }

  get worker(): Promise<ActorWorker> | undefined {
    return this.#worker;
  }

  get ready(): ActorWorker | undefined {
    return this.#ready;
  }

  /** Fill the slot with a worker that is starting, or with why none will. */
  fill(next: Promise<ActorWorker>): void {
    this.#worker = next;
    this.#ready = undefined;
    next.then(
      (worker) => {
        if (this.#worker !== next) return;
        this.#ready = worker;
        this.#onReady?.(worker);
      },
      () => {
        if (this.#emptyOnFailure && this.#worker === next) this.#worker = undefined;
      },
    );
  }

  /** Put a worker that is ready in the slot. */
  put(worker: ActorWorker): void {
    this.#worker = Promise.resolve(worker);
    this.#ready = worker;
  }

  /** Take the worker (starting or ready), leaving the slot empty. */
  take(): Promise<ActorWorker> | undefined {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = undefined;
    return worker;
  }
}
