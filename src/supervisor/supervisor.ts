import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { LoadedComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import type { ActorCall, ActorWorkerApi } from '../protocol.js';
import { ActorWorker, NotAppliedError, WorkerFaultError, type CallVerdict } from './actor-worker-host.js';
import { RestartBudget } from './restart-budget.js';

export interface SupervisorOptions {
  /** Bound on instantiating the component in a fresh worker. */
  instantiateTimeoutMs: number;
  maxRestarts: number;
  restartWindowMs: number;
  /** Told of every restart, with the error code of the fault that caused it. */
  onRestart?: (cause: string) => void;
  /** Origins the component's sends may reach; absent: anywhere. */
  allowedOrigins?: readonly string[];
  /** The largest state a verdict may carry to be committable (--max-state); absent: any. */
  maxStateBytes?: number;
}

/** How long after a restart the next standby starts. */
const STANDBY_DELAY_MS = 20;

type CallArgs<K extends ActorCall> = Parameters<ActorWorkerApi[K]>;

/**
 * Keeps one healthy worker for the actor, and a standby worker with a fresh instance ready.
 * A call that faults (timeout, trap, out of memory, worker death) costs that worker: it is
 * terminated, counted against the restart budget, and after the back-off the standby takes
 * over (or a fresh worker is spawned), so the next call is served by a clean instance
 * without waiting for a worker to start. A call that is refused (nothing committed) moves
 * the calls to the standby too, while the refused worker swaps in a fresh instance of its
 * own on its thread, off the path of the next message. A worker keeps only the state its
 * own last verdict produced, and is sent the committed state whenever that is another (a
 * fresh worker, a standby), so "re-spawned from the last committed state" needs nothing more. When restarts exceed the budget the supervisor gives up
 * and `exhausted` settles with the reason; the owner then exits so an outer supervisor
 * takes over.
 */
export class Supervisor {
  readonly #component: LoadedComponent;
  readonly #options: SupervisorOptions;
  readonly #logger: Logger;
  readonly #budget: RestartBudget;
  #current!: Promise<ActorWorker>;
  /** `#current` once it is a worker ready for calls, so a message is posted without waiting a tick (keeping arrival order). */
  #currentReady: ActorWorker | undefined;
  /** The standby while it starts, and once it is ready. */
  #standby: Promise<ActorWorker> | undefined;
  #standbyReady: ActorWorker | undefined;
  #closed = false;
  #draining = false;
  #giveUp!: (reason: ActorchainError) => void;
  /** Settles when the restart budget is exhausted, with the fault that broke it. */
  readonly exhausted: Promise<ActorchainError>;
  #restarts = 0;
  /**
   * The state of the last committable verdict received from any worker: what the chain's
   * state is once the caller has committed every verdict received. A message posted to a
   * worker with nothing in flight (after a fault, a swap to the standby) must meet this
   * state, and the caller's commits may still be a few microtasks behind.
   */
  #lastCommittableState: string | undefined;
  readonly #received = (state: string) => {
    this.#lastCommittableState = state;
  };
  /** A message the actor committed and the state it produced: what a standby warms its code with. */
  #sample: { message: string; state: string; timeoutMs: number } | undefined;
  /** Workers whose code has run a message (they served, or a standby warmed with #sample). */
  readonly #warm = new WeakSet<ActorWorker>();
  /** A worker is instantiated and waiting for calls (not being replaced). */
  #workerUp = false;

  private constructor(component: LoadedComponent, options: SupervisorOptions, logger: Logger) {
    this.#component = component;
    this.#options = options;
    this.#logger = logger;
    this.#budget = new RestartBudget(options.maxRestarts, options.restartWindowMs);
    this.exhausted = new Promise((resolve) => (this.#giveUp = resolve));
    this.#setCurrent(this.#spawn());
  }

  #setCurrent(next: Promise<ActorWorker>): void {
    this.#current = next;
    this.#currentReady = undefined;
    next.then(
      (worker) => {
        if (this.#current === next) this.#currentReady = worker;
      },
      () => {},
    );
  }

  /** Start the first worker; rejects when the component cannot be instantiated. */
  static async start(component: LoadedComponent, options: SupervisorOptions, logger: Logger): Promise<Supervisor> {
    const supervisor = new Supervisor(component, options, logger);
    try {
      await supervisor.#current;
    } catch (err) {
      await supervisor.close();
      throw err;
    }
    return supervisor;
  }

  /** Why the supervisor cannot serve a call right now, or undefined when it can (GET /readyz). */
  get unready(): 'restart-budget-exhausted' | 'shutting-down' | 'worker-starting' | undefined {
    if (this.#budget.exhausted) return 'restart-budget-exhausted';
    if (this.#closed || this.#draining) return 'shutting-down';
    return this.#workerUp ? undefined : 'worker-starting';
  }

  /** Whether the restart budget ran out (no call will be served again). */
  get gaveUp(): boolean {
    return this.#budget.exhausted;
  }

  /** Restarts so far (all causes). */
  get restarts(): number {
    return this.#restarts;
  }

  /** A message this actor committed and the state it produced (what standbys warm with), if any yet. */
  get sample(): { message: string; state: string; timeoutMs: number } | undefined {
    return this.#sample;
  }

  /**
   * Warm the worker that will serve, and the standbys to come, with a message another
   * supervisor of this actor committed (a live upgrade's new component, with the old one's
   * sample): its first messages then cost what any message costs, not a cold thread's 3-12 ms
   * each. On a throwaway instance; a fault (a timeout) costs that worker as any fault does.
   */
  async warmWith(sample: { message: string; state: string; timeoutMs: number }): Promise<void> {
    this.#sample ??= sample;
    const worker = await this.#current.catch(() => undefined);
    if (worker === undefined || this.#warm.has(worker)) return;
    this.#warm.add(worker);
    await worker.warm(sample.message, sample.state, sample.timeoutMs).catch((err: unknown) => {
      if (err instanceof WorkerFaultError) this.#replace(worker, err);
    });
    this.#warmStandby();
  }

  /** Start a standby, unless there is one or the supervisor is stopping or gave up. */
  #prepareStandby(): void {
    if (this.#standby || this.#closed || this.#draining || this.#budget.exhausted) return;
    const standby = this.#spawn();
    this.#standby = standby;
    standby.then(
      (worker) => {
        // Once taken (by a restart, or by close, which terminates it), it is no longer the standby.
        if (this.#standby !== standby) return;
        this.#standbyReady = worker;
        this.#warmStandby();
      },
      () => {
        if (this.#standby === standby) this.#standby = undefined;
      },
    );
  }

  /** Take the standby (started or ready), leaving none. */
  #takeStandby(): Promise<ActorWorker> | undefined {
    const standby = this.#standby;
    this.#standby = undefined;
    this.#standbyReady = undefined;
    return standby;
  }

  async #spawn(): Promise<ActorWorker> {
    const worker = new ActorWorker(this.#component, this.#logger, this.#options, this.#received);
    try {
      await worker.ready(this.#options.instantiateTimeoutMs);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    this.#workerUp = true;
    // A worker that dies between calls is replaced at once, not at the next call.
    void worker.died.then((fault) => {
      if (!worker.terminated && !this.#closed) this.#replace(worker, fault);
    });
    return worker;
  }

  /**
   * Call into the component. Faults reject with a WorkerFaultError after the replacement
   * worker has been scheduled; a supervisor that gave up rejects with ACTOR_UNAVAILABLE.
   */
  async call<K extends ActorCall>(method: K, args: CallArgs<K>, timeoutMs: number) {
    const worker = await this.#readyWorker();
    let verdict;
    try {
      verdict = await worker.call(method, args, timeoutMs);
    } catch (err) {
      if (err instanceof WorkerFaultError) this.#replace(worker, err);
      throw err;
    }
    if (verdict.verdict !== 'committable' && (await this.#current.catch(() => undefined)) === worker) this.#swapAfterRefusal(worker);
    this.#prepareStandby();
    return verdict;
  }

  /**
   * Apply a message: posted to the current worker at once, behind the messages still in it,
   * so the worker applies them back to back (the caller commits the verdicts in the same
   * order). `committedState` is the chain's state, asked only before any verdict was
   * received (see #lastCommittableState and ActorWorker.apply).
   * Faults reject as `call` does; a message that an earlier one's fault kept from applying
   * goes to the next worker, in order.
   */
  async apply(message: string, committedState: () => string, timeoutMs: number): Promise<CallVerdict> {
    const stateNow = () => this.#lastCommittableState ?? committedState();
    for (;;) {
      const worker = this.#currentReady ?? (await this.#readyWorker());
      let verdict;
      try {
        verdict = await worker.apply(message, stateNow, timeoutMs);
      } catch (err) {
        if (err instanceof NotAppliedError) continue;
        if (err instanceof WorkerFaultError) this.#replace(worker, err);
        throw err;
      }
      this.#warm.add(worker);
      if (verdict.verdict === 'committable') {
        this.#sample ??= { message, state: verdict.content.state, timeoutMs };
        this.#warmStandby();
      }
      // Unless messages behind this one are in the worker already.
      if (verdict.verdict !== 'committable' && this.#currentReady === worker && worker.pendingCount === 0) this.#swapAfterRefusal(worker);
      this.#prepareStandby();
      return verdict;
    }
  }

  /**
   * After `worker` (the current one) refused a call or a message, a ready standby serves the
   * next; the refused worker becomes the standby and prepares a fresh instance meanwhile.
   */
  #swapAfterRefusal(worker: ActorWorker): void {
    const standby = this.#standbyReady;
    if (standby === undefined) return;
    this.#setCurrent(Promise.resolve(standby));
    this.#currentReady = standby;
    this.#standby = Promise.resolve(worker);
    this.#standbyReady = worker;
  }

  /**
   * A standby's first message would otherwise pay for this thread's cold code (2-5 ms against
   * 0.15 ms warm, measured): once a message has been committed, the ready standby runs it on a
   * throwaway instance, off the path of any request. A standby that faults doing so is dropped
   * like any idle standby that dies.
   */
  #warmStandby(): void {
    const standby = this.#standbyReady;
    const sample = this.#sample;
    if (standby === undefined || sample === undefined || this.#warm.has(standby)) return;
    this.#warm.add(standby);
    standby.warm(sample.message, sample.state, sample.timeoutMs).catch((err: unknown) => {
      if (err instanceof WorkerFaultError) this.#replace(standby, err);
    });
  }

  async #readyWorker(): Promise<ActorWorker> {
    try {
      return await this.#ready();
    } catch (err) {
      // The replacement for a faulted worker could not start; another attempt is under way.
      if (err instanceof ActorchainError && err.code === 'INSTANTIATE_FAILED') {
        throw new ActorchainError('WORKER_CRASHED', `a fresh worker could not be started: ${err.message}`);
      }
      throw err;
    }
  }

  async #ready(): Promise<ActorWorker> {
    if (this.#closed) throw new ActorchainError('ACTOR_UNAVAILABLE', 'the runtime is shutting down');
    if (this.#budget.exhausted) throw new ActorchainError('ACTOR_UNAVAILABLE', 'the component exhausted its restart budget');
    return this.#current;
  }

  /** From now on a faulted worker is not replaced: the runtime is stopping. */
  drain(): void {
    this.#draining = true;
  }

  #replace(worker: ActorWorker, fault: WorkerFaultError): void {
    if (this.#closed || worker.terminated) return;
    void worker.terminate();
    if (worker === this.#standbyReady) {
      // An idle standby died: nothing was asked of it; the next one starts after the next call.
      this.#takeStandby();
      return;
    }
    this.#workerUp = false;
    if (this.#draining) {
      this.#setCurrent(Promise.reject(new ActorchainError('ACTOR_UNAVAILABLE', 'the runtime is shutting down')));
      return;
    }
    this.#restart(fault, performance.now());
  }

  #restart(fault: ActorchainError, faultAt: number): void {
    if (this.#closed) return;
    this.#restarts += 1;
    this.#options.onRestart?.(fault.code);
    const { exhausted, inWindow } = this.#budget.record(Date.now());
    if (exhausted) {
      const reason = new ActorchainError(
        'ACTOR_UNAVAILABLE',
        `the component faulted ${inWindow} times within ${this.#options.restartWindowMs / 1000} s ` +
          `(more than --max-restarts ${this.#options.maxRestarts}); last fault: ${fault.code}: ${fault.message}`,
      );
      this.#logger.error({ cause: fault.code, restarts: this.#restarts, inWindow }, reason.message);
      this.#setCurrent(Promise.reject(reason));
      this.#giveUp(reason);
      return;
    }
    const backoffMs = this.#budget.backoffMs(inWindow);
    const next = this.#takeStandby() ?? this.#spawn();
    next.catch(() => {});
    this.#setCurrent(backoffMs === 0 ? next : sleep(backoffMs).then(() => next));
    this.#current.then(
      () => {
        this.#workerUp = true;
        this.#logger.warn(
          { cause: fault.code, restarts: this.#restarts, inWindow, backoffMs, servingAgainMs: Math.round(performance.now() - faultAt) },
          `restarted the component's worker after ${fault.code}`,
        );
        // Starting a worker costs the main thread a few ms: let the messages waiting go first.
        setTimeout(() => this.#prepareStandby(), STANDBY_DELAY_MS).unref();
      },
      (err: Error) => this.#restart(new WorkerFaultError('crash', `re-spawn failed: ${err.message}`), faultAt),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#currentReady = undefined;
    this.#workerUp = false;
    const standby = this.#takeStandby();
    const workers = await Promise.all([this.#current, standby].map((w) => w?.catch(() => undefined)));
    await Promise.all(workers.map((w) => w?.terminate()));
  }
}
