/**
 * The long polls waiting for a chain's durable view to move (GET /chain?wait=): each is
 * answered when the view grows past the length it saw, when its time is up, when its client
 * goes away, or when the waits are ended for a shutdown.
 */
export class DurableWaits {
  /** The durable view's length now. */
  readonly #durableLength: () => number;
  readonly #waiters = new Set<() => void>();
  #ended = false;

  constructor(durableLength: () => number) {
    this.#durableLength = durableLength;
  }

  /** Whether end was called: the server is shutting down. */
  get ended(): boolean {
    return this.#ended;
  }

  /** See Chain.waitForDurable. */
  wait(length: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.#ended || signal.aborted || this.#durableLength() > length || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (this.#ended || this.#durableLength() > length) done();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.add(check);
    });
  }

  /** The durable view moved: answer the waits it went past. */
  moved(): void {
    for (const check of [...this.#waiters]) check();
  }

  /** Answer every long poll now and every later one at once. */
  end(): void {
    this.#ended = true;
    this.moved();
  }
}
