/**
 * A counting semaphore: at most `size` holders at once, the others wait in arrival order.
 * The outbox takes one slot for each attempt in flight, so however many origins an actor
 * sends to, the process holds a bounded number of delivery connections.
 */
export class Slots {
  #free: number;
  readonly #waiting: Array<(taken: boolean) => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves true with a slot taken, or false (no slot) once `signal` aborts. */
  take(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const give = (taken: boolean) => {
        signal.removeEventListener('abort', abort);
        resolve(taken);
      };
      const abort = () => {
        this.#waiting.splice(this.#waiting.indexOf(give), 1);
        give(false);
      };
      signal.addEventListener('abort', abort, { once: true });
      this.#waiting.push(give);
    });
  }

  /** Give a slot back: the longest waiter gets it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#free += 1;
    else next(true);
  }
}
