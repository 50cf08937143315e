/**
 * The host side's reading of a worker's call clock (its layout: protocol.ts), and the one
 * watchdog over it, for messages and single calls alike.
 */
import { CALLED_FUNCTIONS } from '../component/calls.js';
import { CALL_CLOCK_BYTES, callClockViews } from '../protocol.js';

export class CallClock {
  /** Shared with the worker, which writes it. */
  readonly buffer = new SharedArrayBuffer(CALL_CLOCK_BYTES);
  readonly #views = callClockViews(this.buffer);

  /** When the call into the component running now (or the last one) started, in ms since the epoch. */
  get startedAtMs(): number {
    return Number(Atomics.load(this.#views.startedAtMs, 0));
  }

  /** The function that call is. */
  get fn(): string | undefined {
    return CALLED_FUNCTIONS[Atomics.load(this.#views.fn, 0)];
  }

  /** The id of the ApplyRequest the worker is (or was last) applying; 0 before the first. */
  get request(): number {
    return Atomics.load(this.#views.request, 0);
  }
}

/**
 * First checked after `firstMs`, then whenever `remainingMs()` (read from the call clock each
 * time: a new call restarts the count) says the time is up; then `expired`. Returns what stops it.
 */
export function watchdog(firstMs: number, remainingMs: () => number, expired: () => void): () => void {
  let timer: NodeJS.Timeout;
  const check = () => {
    const left = remainingMs();
    if (left > 0) timer = setTimeout(check, left);
    else expired();
  };
  timer = setTimeout(check, firstMs);
  return () => clearTimeout(timer);
}
