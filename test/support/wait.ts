/**
 * Test support: the one way a test waits for something to happen. A test waits for a
 * positive signal (a log line, a metric, a HEAD, a file), never for time to pass.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up (and fail) after this long; a guard against a hang, not a measure. Default 60 s. */
  timeoutMs?: number;
  /** Between two probes. Default 20 ms. */
  intervalMs?: number;
  /** Asked after each probe that found nothing: a reason to give up at once (a process that exited, say). */
  stopIf?: () => string | undefined;
}

type Found<T> = Exclude<T, undefined | null | false>;

/**
 * Probe until `probe` returns something other than undefined, null or false, and return it.
 * A probe that throws counts as "not yet" (a server still starting, say). Fails with `what`
 * after `timeoutMs`.
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, options: WaitOptions = {}): Promise<Found<T>> {
  const { timeoutMs = 60_000, intervalMs = 20, stopIf } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value as Found<T>;
    } catch (err) {
      lastError = err;
    }
    const stopped = stopIf?.();
    if (stopped !== undefined) throw new Error(`gave up waiting for ${what}: ${stopped}`);
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last probe failed: ${(lastError as Error).message ?? lastError})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}
