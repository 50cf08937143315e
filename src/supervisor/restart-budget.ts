/**
 * Erlang/OTP's intensity and period: more than `maxRestarts` restarts within `windowMs`
 * means the component is broken and restarting it again will not help.
 */
export class RestartBudget {
  readonly #maxRestarts: number;
  readonly #windowMs: number;
  readonly #times: number[] = [];
  #exhausted = false;

  constructor(maxRestarts: number, windowMs: number) {
    this.#maxRestarts = maxRestarts;
    this.#windowMs = windowMs;
  }

  get exhausted(): boolean {
    return this.#exhausted;
  }

  /** Count a restart at `nowMs`; returns whether the budget is now exhausted. */
  record(nowMs: number): { exhausted: boolean; inWindow: number } {
    this.#times.push(nowMs);
    while (this.#times.length > 0 && this.#times[0]! <= nowMs - this.#windowMs) this.#times.shift();
    if (this.#times.length > this.#maxRestarts) this.#exhausted = true;
    return { exhausted: this.#exhausted, inWindow: this.#times.length };
  }

  /** No wait for the first restart in a window, then 10 ms doubling up to 1 s. */
  backoffMs(inWindow: number): number {
    return inWindow <= 1 ? 0 : Math.min(1000, 10 * 2 ** (inWindow - 2));
  }
}
