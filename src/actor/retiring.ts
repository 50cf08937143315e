/**
 * The supervisor a live upgrade replaced, closed a little after the switch rather than at it:
 * its workers are idle (every message before the switch is committed), and tearing their
 * threads down (10-30 ms of CPU each) would otherwise compete with the messages queued behind
 * the switch. Measured (`upgrade-pause.js 4 5 32`, alternating builds): the worst round's pause
 * 69-78 ms against 103-152 ms.
 */
import type { Supervisor } from '../supervisor/supervisor.js';

/** How long after a live upgrade's switch the replaced supervisor is closed. */
const RETIRE_DELAY_MS = 500;

export class Retiring {
  #closeNow: (() => Promise<void>) | undefined;

  /** Close `old` RETIRE_DELAY_MS from now (one replaced before it is closed at once). */
  retire(old: Supervisor): void {
    const close = () => {
      clearTimeout(timer);
      if (this.#closeNow === close) this.#closeNow = undefined;
      return old.close();
    };
    const timer = setTimeout(close, RETIRE_DELAY_MS);
    void this.#closeNow?.();
    this.#closeNow = close;
  }

  /** Close the one retiring now, if any (the actor is stopping). */
  async close(): Promise<void> {
    await this.#closeNow?.();
  }
}
