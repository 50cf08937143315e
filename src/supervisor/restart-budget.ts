import { ActorchainError } from '../errors.js';

/**
 * Erlang/OTP's intensity and period: more than `maxRestarts` restarts within `windowMs`
 * means the component is broken and restarting it again will not help.
 */
export class RestartBudget {
  readonly #maxRestarts: number;
  readonly #windowMs: number;
  readonly #times: number[] = [];
  #restarts = 0;
  #exhausted = false;

  constructor(maxRestarts: number, windowMs: number) {
    this.#maxRestarts = maxRestarts;
    this.#windowMs = windowMs;
  }

  get exhausted(): boolean {
    return this.#exhausted;
  }

  /** Restarts so far (all causes). */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * Count a restart after `fault` at `nowMs`: how many fell within the window, the back-off
   * before the next worker serves (none for the first in a window, then 10 ms doubling up to
   * 1 s), and, once the budget is exhausted, why the component is given up on.
   */
  charge(fault: ActorchainError, nowMs: number): { inWindow: number; backoffMs: number; gaveUp?: ActorchainError } {
    this.#restarts += 1;
    this.#times.push(nowMs);
    while (this.#times.length > 0 && this.#times[0]! <= nowMs - this.#windowMs) this.#times.shift();
    const inWindow = this.#times.length;
    const backoffMs = inWindow <= 1 ? 0 : Math.min(1000, 10 * 2 ** (inWindow - 2));
    if (!this.#exhausted && inWindow <= this.#maxRestarts) return { inWindow, backoffMs };
    this.#exhausted = true;
    const gaveUp = new ActorchainError(
      'ACTOR_UNAVAILABLE',
      `the component faulted ${inWindow} times within ${this.#windowMs / 1000} s ` +
        `(more than --max-restarts ${this.#maxRestarts}); last fault: ${fault.code}: ${fault.message}`,
    );
    return { inWindow, backoffMs, gaveUp };
  }
}
