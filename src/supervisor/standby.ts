/**
 * The supervisor's standby: a second worker with a fresh instance, started after a call and
 * handed messages only once warm (see WarmUp). It serves after a fault or a refusal, so the
 * next message does not wait for a worker to start.
 */
import type { ActorWorker } from './actor-worker-host.js';
import type { WarmUp } from './warm-up.js';
import { WorkerSlot } from './worker-slot.js';

/** How long after a restart the next standby starts. */
const STANDBY_DELAY_MS = 20;

export class Standby {
  /** Ready once warm (see WarmUp): a standby that is still warming is not handed messages. */
  readonly #slot = new WorkerSlot({ emptyOnFailure: true });
  readonly #warmUp: WarmUp;
  readonly #spawn: () => Promise<ActorWorker>;
  /** Whether no standby may start: the supervisor is stopping or gave up. */
  readonly #stopped: () => boolean;
  /** The timer of a standby due after a restart (see prepareSoon). */
  #due: NodeJS.Timeout | undefined;

  constructor(warmUp: WarmUp, spawn: () => Promise<ActorWorker>, stopped: () => boolean) {
    this.#warmUp = warmUp;
    this.#spawn = spawn;
    this.#stopped = stopped;
  }

  /** The standby, once it is ready (warm). */
  get ready(): ActorWorker | undefined {
    return this.#slot.ready;
  }

  /** Take the standby (starting, warming or ready), leaving none. */
  take(): Promise<ActorWorker> | undefined {
    return this.#slot.take();
  }

  /**
   * Start a standby, unless there is one, one is due after a restart (see prepareSoon), or the
   * supervisor is stopping or gave up; it is ready once warm.
   */
  prepare(): void {
    if (this.#slot.worker || this.#due !== undefined || this.#stopped()) return;
    this.#slot.fill(this.#spawn().then((worker) => this.#warmed(worker)));
  }

  /**
   * prepare(), STANDBY_DELAY_MS after a restart, and not before: starting a worker costs the
   * main thread 0.5-3 ms and the machine a thread's start-up, which the first messages after
   * the fault would otherwise wait behind (their answers were measured 1-8 ms later).
   */
  prepareSoon(): void {
    if (this.#due !== undefined) return;
    this.#due = setTimeout(() => {
      this.#due = undefined;
      this.prepare();
    }, STANDBY_DELAY_MS).unref();
  }

  /** Warm the ready standby if it has not run a message yet; the slot holds it as starting meanwhile. */
  warm(): void {
    const standby = this.#slot.ready;
    if (standby !== undefined && this.#warmUp.wants(standby)) this.#slot.fill(this.#warmed(standby));
  }

  /**
   * After `worker` (the one `current` holds) refused a call or a message, a ready standby
   * serves the next; the refused worker becomes the standby and prepares a fresh instance meanwhile.
   */
  swapAfterRefusal(current: WorkerSlot, worker: ActorWorker): void {
    const standby = this.#slot.ready;
    if (standby === undefined) return;
    current.put(standby);
    this.#slot.put(worker);
  }

  /**
   * Whether `worker` is the ready standby, which is then dropped: an idle standby died, nothing
   * was asked of it; the next one starts after the next call.
   */
  dropIfIdle(worker: ActorWorker): boolean {
    if (worker !== this.#slot.ready) return false;
    this.#slot.take();
    return true;
  }

  /** The worker to serve after a fault, taken from here: the standby, or a fresh worker when there is none. */
  takeOver(): Promise<ActorWorker> {
    // A standby still warming is waited for (the messages wait in `apply`, not in its pipeline);
    // one that failed to warm gives way to a fresh worker.
    const standby = this.#slot.take();
    return standby === undefined ? this.#spawn() : standby.catch(() => this.#spawn());
  }

  /** `worker` once warm; a standby that faults while warming is terminated (its slot empties, nothing was asked of it). */
  async #warmed(worker: ActorWorker): Promise<ActorWorker> {
    try {
      await this.#warmUp.warm(worker);
    } catch (err) {
      void worker.terminate();
      throw err;
    }
    return worker;
  }
}
