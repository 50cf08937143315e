import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { LoadedComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import type { ActorCall, ActorWorkerApi } from '../protocol.js';
import { ActorWorker, FAULTED_TEARDOWN_DELAY_MS } from './actor-worker-host.js';
import type { StateVersion } from './pipeline.js';
import { RestartBudget } from './restart-budget.js';
import { Standby } from './standby.js';
import { WarmUp, type WarmSample } from './warm-up.js';
import { NotAppliedError, WorkerFaultError, type CallVerdict } from './worker-fault.js';
import { WorkerSlot } from './worker-slot.js';

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

type CallArgs<K extends ActorCall> = Parameters<ActorWorkerApi[K]>;

const shuttingDown = () => new ActorchainError('ACTOR_UNAVAILABLE', 'the runtime is shutting down');

/**
 * Keeps one healthy worker for the actor, and a standby worker with a fresh instance ready.
 * A call that faults (timeout, trap, out of memory, worker death) costs that worker: it is
 * terminated, counted against the restart budget, and after the back-off the standby takes
 * over (or a fresh worker is spawned), so the next call is served by a clean instance
 * without waiting for a worker to start. A call that is refused (nothing committed) moves
 * the calls to the standby too, while the refused worker swaps in a fresh instance of its
 * own on its thread, off the path of the next message. The supervisor holds no state: a
 * worker keeps the state of its own last committable verdict, and one that holds another
 * (a fresh worker, a standby) is sent the chain's (see StateVersion), so "re-spawned from
 * the last committed state" needs nothing more. When restarts exceed the budget the
 * supervisor gives up and `exhausted` settles with the reason; the owner then exits so an
 * outer supervisor takes over.
 */
export class Supervisor {
  readonly #component: LoadedComponent;
  readonly #options: SupervisorOptions;
  readonly #logger: Logger;
  readonly #budget: RestartBudget;
  /** The worker that serves; a failure to start one stays here for every caller to meet. */
  readonly #current = new WorkerSlot();
  readonly #warmUp = new WarmUp();
  /** Ready once warm: a standby that is still warming is not handed messages. */
  readonly #standby = new Standby(
    this.#warmUp,
    () => this.#spawn(),
    () => this.#closed || this.#draining || this.#budget.exhausted,
  );
  #closed = false;
  #draining = false;
  #giveUp!: (reason: ActorchainError) => void;
  /** Settles when the restart budget is exhausted, with the fault that broke it. */
  readonly exhausted: Promise<ActorchainError>;
  /** Committable verdicts received from this supervisor's workers: which state each worker holds is told against it. */
  readonly #version: StateVersion = { current: 0 };
  /** A worker is instantiated and waiting for calls (not being replaced). */
  #workerUp = false;

  private constructor(component: LoadedComponent, options: SupervisorOptions, logger: Logger) {
    this.#component = component;
    this.#options = options;
    this.#logger = logger;
    this.#budget = new RestartBudget(options.maxRestarts, options.restartWindowMs);
    this.exhausted = new Promise((resolve) => (this.#giveUp = resolve));
    this.#current.fill(this.#spawn());
  }

  /** Start the first worker; rejects when the component cannot be instantiated. */
  static async start(component: LoadedComponent, options: SupervisorOptions, logger: Logger): Promise<Supervisor> {
    const supervisor = new Supervisor(component, options, logger);
    try {
      await supervisor.#current.worker;
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

  /** A message this actor committed and the state it produced (what standbys warm with), if any yet. */
  get sample(): WarmSample | undefined {
    return this.#warmUp.sample;
  }

  /**
   * Warm the worker that will serve, and the standbys to come, with a message another
   * supervisor of this actor committed (a live upgrade's new component, with the old one's
   * sample): its first messages then cost what any message costs, not a cold thread's 3-12 ms
   * each. On a throwaway instance; a fault (a timeout) costs that worker as any fault does.
   */
  async warmWith(sample: WarmSample): Promise<void> {
    this.#warmUp.committed(sample.message, sample.state, sample.timeoutMs);
    const current = await this.#current.worker?.catch(() => undefined);
    if (current !== undefined) await this.#warmUp.warm(current).catch((err: unknown) => this.#replaceAfterWarming(current, err));
    this.#standby.warm();
  }

  #replaceAfterWarming(worker: ActorWorker, err: unknown): void {
    this.#replace(worker, err instanceof WorkerFaultError ? err : new WorkerFaultError('crash', `warming the worker failed: ${String(err)}`));
  }

  async #spawn(): Promise<ActorWorker> {
    const worker = await ActorWorker.start(this.#component, this.#logger, this.#options, this.#version);
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
    if (verdict.verdict !== 'committable' && (await this.#current.worker?.catch(() => undefined)) === worker) this.#standby.swapAfterRefusal(this.#current, worker);
    this.#standby.prepare();
    return verdict;
  }

  /**
   * Apply a message: posted to the current worker at once, behind the messages still in it,
   * so the worker applies them back to back (the caller commits the verdicts in the same
   * order). `committedState` resolves with the chain's state once every earlier message is
   * committed: asked only for a worker that does not hold it (see Pipeline.apply).
   * Faults reject as `call` does; a message that an earlier one's fault kept from applying
   * goes to the next worker, in order.
   */
  async apply(message: string, committedState: () => Promise<string>, timeoutMs: number): Promise<CallVerdict> {
    for (;;) {
      const worker = this.#current.ready ?? (await this.#readyWorker());
      let verdict;
      try {
        verdict = await worker.apply(message, committedState, timeoutMs);
      } catch (err) {
        if (err instanceof NotAppliedError) continue;
        if (err instanceof WorkerFaultError) this.#replace(worker, err);
        throw err;
      }
      this.#warmUp.served(worker);
      if (verdict.verdict === 'committable') {
        this.#warmUp.committed(message, verdict.content.state, timeoutMs);
        this.#standby.warm();
      }
      // Unless messages behind this one are in the worker already.
      if (verdict.verdict !== 'committable' && this.#current.ready === worker && worker.pendingCount === 0) this.#standby.swapAfterRefusal(this.#current, worker);
      this.#standby.prepare();
      return verdict;
    }
  }

  async #readyWorker(): Promise<ActorWorker> {
    if (this.#closed) throw shuttingDown();
    if (this.#budget.exhausted) throw new ActorchainError('ACTOR_UNAVAILABLE', 'the component exhausted its restart budget');
    try {
      return await this.#current.worker!;
    } catch (err) {
      // The replacement for a faulted worker could not start; another attempt is under way.
      if (err instanceof ActorchainError && err.code === 'INSTANTIATE_FAILED') {
        throw new ActorchainError('WORKER_CRASHED', `a fresh worker could not be started: ${err.message}`);
      }
      throw err;
    }
  }

  /** From now on a faulted worker is not replaced: the runtime is stopping. */
  drain(): void {
    this.#draining = true;
  }

  #replace(worker: ActorWorker, fault: WorkerFaultError): void {
    if (this.#closed || worker.terminated) return;
    void worker.terminate(FAULTED_TEARDOWN_DELAY_MS);
    if (this.#standby.dropIfIdle(worker)) return;
    // A standby that died warming: its slot empties as its warm-up fails.
    if (worker !== this.#current.ready) return;
    this.#workerUp = false;
    if (this.#draining) this.#current.fill(Promise.reject(shuttingDown()));
    else this.#restart(fault, performance.now());
  }

  #restart(fault: ActorchainError, faultAt: number): void {
    if (this.#closed) return;
    this.#options.onRestart?.(fault.code);
    const { inWindow, backoffMs, gaveUp } = this.#budget.charge(fault, Date.now());
    const restarts = this.#budget.restarts;
    if (gaveUp) {
      this.#logger.error({ cause: fault.code, restarts, inWindow }, gaveUp.message);
      this.#current.fill(Promise.reject(gaveUp));
      this.#giveUp(gaveUp);
      return;
    }
    // The standby, waited for if still warming; a fresh worker if there is none.
    const next = this.#standby.takeOver();
    next.catch(() => {});
    const serving = backoffMs === 0 ? next : sleep(backoffMs).then(() => next);
    this.#current.fill(serving);
    serving.then(
      (worker) => {
        worker.nudge();
        this.#workerUp = true;
        this.#logger.warn(
          { cause: fault.code, restarts, inWindow, backoffMs, servingAgainMs: Math.round(performance.now() - faultAt) },
          `restarted the component's worker after ${fault.code}`,
        );
        this.#standby.prepareSoon();
      },
      (err: Error) => this.#restart(new WorkerFaultError('crash', `re-spawn failed: ${err.message}`), faultAt),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#workerUp = false;
    const workers = await Promise.all([this.#current.take(), this.#standby.take()].map((w) => w?.catch(() => undefined)));
    await Promise.all(workers.map((w) => w?.terminate()));
  }
}
