import { ActorchainError } from '../errors.js';

/**
 * Finishes tasks strictly one at a time in arrival order, while letting each start at once:
 * a message is posted to the worker as it arrives (`start`), and its verdict is committed
 * (`finish`) only after every earlier one's. At most `maxWaiting` tasks may wait behind the
 * oldest; more are refused at once with QUEUE_FULL, so a flood is answered instead of
 * buffered without bound.
 */
export class Mailbox {
  readonly #maxWaiting: number;
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #closedWith: ActorchainError | undefined;

  constructor(maxWaiting: number) {
    this.#maxWaiting = maxWaiting;
  }

  /** Tasks accepted and not finished, the running one included. */
  get pending(): number {
    return this.#pending;
  }

  /** `start` is handed what settles once every earlier task is finished. */
  run<S, T>(start: (earlierFinished: Promise<unknown>) => Promise<S>, finish: (started: S) => T): Promise<T> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    if (this.#pending > this.#maxWaiting) {
      return Promise.reject(
        new ActorchainError('QUEUE_FULL', `${this.#pending - 1} messages are already waiting (--max-queue ${this.#maxWaiting}); retry later`, {
          headers: { 'Retry-After': '1' },
        }),
      );
    }
    this.#pending += 1;
    const started = start(this.#tail);
    started.catch(() => {});
    const result = this.#tail.then(async () => {
      if (this.#closedWith) throw this.#closedWith;
      return finish(await started);
    });
    const settled = result.finally(() => (this.#pending -= 1)).catch(() => {});
    this.#tail = settled;
    return result;
  }

  /** Refuse new tasks and fail the waiting ones with `reason`; resolves when the running task is done. */
  close(reason: ActorchainError): Promise<void> {
    this.#closedWith ??= reason;
    return this.#tail.then(() => {});
  }
}
