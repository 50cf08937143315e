/**
 * The host side of an actor's thread: starts worker/actor-worker.ts (the thread body that
 * runs the component) and talks to it over two channels (see protocol.ts): comlink for the
 * control surface, and the data port, whose messages Pipeline keeps and times.
 */
import { constants, setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { MessageChannel, Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Logger } from 'pino';
import type { Verdict } from '../actor/transition.js';
import { instanceSpec, type LoadedComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import type { ActorCall, ActorWorkerApi, ThreadMessage, WorkerData } from '../protocol.js';
import { CallClock, watchdog } from './call-clock.js';
import { Pipeline, type StateVersion } from './pipeline.js';
import { settled, WorkerFaultError, type CallVerdict } from './worker-fault.js';

const WORKER_ENTRY = new URL('../../worker/actor-worker.js', import.meta.url);

type CallArgs<K extends ActorCall> = Parameters<ActorWorkerApi[K]>;

/**
 * How long after a fault its worker's thread is torn down. The teardown (10-30 ms of CPU, freeing
 * the isolate's memory) slowed the first messages the standby serves when it overlapped them;
 * meanwhile the faulted thread runs at the lowest priority (a component spinning on a timeout).
 */
export const FAULTED_TEARDOWN_DELAY_MS = 20;

/**
 * One worker thread running one instance of the component. Calls are bounded by a timeout
 * and raced against the worker dying; any fault leaves this worker unusable, and the
 * supervisor replaces it.
 */
export class ActorWorker {
  readonly #worker: Worker;
  readonly #remote: Comlink.Remote<ActorWorkerApi>;
  readonly #died: Promise<WorkerFaultError>;
  /** Why the worker is gone, once it is. */
  #deathFault: WorkerFaultError | undefined;
  /**
   * Calls waiting on this worker, rejected if it dies. A per-call entry removed when the call
   * settles: racing each call against `died` itself would leave one handler on that
   * long-lived promise per call (a leak of about 2 KB a message).
   */
  readonly #inFlight = new Set<(fault: WorkerFaultError) => void>();
  #terminated = false;
  /** The worker's kernel thread id, where known (see ActorWorkerApi.ready). */
  #thread: number | undefined;
  readonly #clock = new CallClock();
  readonly #pipeline: Pipeline;

  /** `version`: the supervisor's count of committable verdicts, shared by its workers (see StateVersion). */
  constructor(component: LoadedComponent, logger: Logger, limits: { allowedOrigins?: readonly string[]; maxStateBytes?: number }, version: StateVersion) {
    const { port1: dataPort, port2: threadPort } = new MessageChannel();
    this.#pipeline = new Pipeline(dataPort, this.#clock, version);
    const data: WorkerData = { ...instanceSpec(component), dataPort: threadPort, callClock: this.#clock.buffer };
    if (limits.allowedOrigins !== undefined) data.allowedOrigins = [...limits.allowedOrigins];
    if (limits.maxStateBytes !== undefined) data.maxStateBytes = limits.maxStateBytes;
    const heapMiB = Math.max(64, Math.ceil(component.maxMemoryBytes / 2 ** 20));
    this.#worker = new Worker(WORKER_ENTRY, {
      workerData: data,
      transferList: [threadPort],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: heapMiB },
    });
    this.#remote = Comlink.wrap<ActorWorkerApi>(nodeEndpoint(this.#worker));
    dataPort.on('message', (message: ThreadMessage) => {
      if (message.kind === 'verdicts') this.#pipeline.answer(message.replies);
      else logger.info({ source: 'component' }, message.message);
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: this.#worker[stream] }).on('line', (line) => logger.info({ source: 'component', stream }, line));
    }
    this.#died = new Promise((resolve) => {
      let error: Error | undefined;
      this.#worker.on('error', (err) => (error = err));
      this.#worker.on('exit', (exitCode) => {
        dataPort.close();
        const outOfMemory = (error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
        this.#deathFault = new WorkerFaultError(
          outOfMemory ? 'out-of-memory' : 'crash',
          error ? `the component's worker died: ${error.message}` : `the component's worker exited with code ${exitCode}`,
        );
        for (const reject of this.#inFlight) reject(this.#deathFault);
        this.#pipeline.died(this.#deathFault);
        resolve(this.#deathFault);
      });
    });
  }

  /** A worker with the component instantiated in it (see `ready`); `options.instantiateTimeoutMs` bounds the wait. */
  static async start(
    component: LoadedComponent,
    logger: Logger,
    options: { allowedOrigins?: readonly string[]; maxStateBytes?: number; instantiateTimeoutMs: number },
    version: StateVersion,
  ): Promise<ActorWorker> {
    const worker = new ActorWorker(component, logger, options, version);
    try {
      await worker.ready(options.instantiateTimeoutMs);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    return worker;
  }

  /** Settles when the worker is gone, with the fault that describes why. */
  get died(): Promise<WorkerFaultError> {
    return this.#died;
  }

  get terminated(): boolean {
    return this.#terminated;
  }

  /** Wait for the component to be instantiated; rejects with INSTANTIATE_FAILED or the fault. */
  async ready(timeoutMs: number): Promise<void> {
    const ready = this.#remote.ready() as Promise<Awaited<ReturnType<ActorWorkerApi['ready']>>>;
    const outcome = await this.#race(ready, timeoutMs, 'instantiating the component');
    if (!outcome.ok) throw new ActorchainError('INSTANTIATE_FAILED', `the component could not be instantiated: ${outcome.message}`);
    this.#thread = outcome.thread;
  }

  /** Run init or migrate in the worker; resolves with its verdict, or rejects with a WorkerFaultError. */
  async call<K extends ActorCall>(method: K, args: CallArgs<K>, timeoutMs: number): Promise<CallVerdict> {
    const invoke = this.#remote[method] as (...a: CallArgs<K>) => Promise<Verdict>;
    const verdict = await this.#race(invoke(...args), timeoutMs, method);
    if (verdict.verdict === 'committable') this.#pipeline.committed();
    return settled(verdict);
  }

  /** Run `message` on a throwaway instance in this worker, to warm its code (see ActorWorkerApi.warm). */
  async warm(message: string, state: string, timeoutMs: number): Promise<void> {
    await this.#race(this.#remote.warm(message, state), timeoutMs, 'warm');
  }

  /** Messages posted and not answered yet. */
  /** See Pipeline.nudge. */
  nudge(): void {
    this.#pipeline.nudge();
  }

  get pendingCount(): number {
    return this.#pipeline.pendingCount;
  }

  /** Post a message on the data port (see Pipeline.apply). */
  apply(message: string, committedState: () => Promise<string>, timeoutMs: number): Promise<CallVerdict> {
    return this.#pipeline.apply(message, committedState, timeoutMs);
  }

  /**
   * Settle with `work`, or reject when the worker dies or a call into the component runs
   * past `timeoutMs`. One piece of work may be several calls (a transition): each is timed
   * from its own start, which the worker writes to the call clock.
   */
  async #race<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    if (this.#deathFault) throw this.#deathFault;
    let stopWatch: (() => void) | undefined;
    let onDeath!: (fault: WorkerFaultError) => void;
    const armedAt = Date.now();
    const stopped = new Promise<never>((_, reject) => {
      onDeath = reject;
      let callStartedAt = 0;
      stopWatch = watchdog(
        timeoutMs,
        () => Math.max((callStartedAt = this.#clock.startedAtMs), armedAt) + timeoutMs - Date.now(),
        () => {
          const running = callStartedAt >= armedAt ? this.#clock.fn : what;
          reject(new WorkerFaultError('timeout', `${running} ran longer than ${timeoutMs} ms; the worker was terminated`));
        },
      );
    });
    this.#inFlight.add(onDeath);
    try {
      return await Promise.race([work, stopped]);
    } finally {
      stopWatch?.();
      this.#inFlight.delete(onDeath);
    }
  }

  /**
   * Stop the thread. `afterMs`: a faulted worker's thread is torn down that much later, at the
   * lowest priority meanwhile, so that the teardown does not overlap the next message (see
   * Supervisor's replace).
   */
  async terminate(afterMs = 0): Promise<void> {
    if (this.#terminated) return;
    this.#terminated = true;
    // Tearing an isolate down takes its thread 10-30 ms of CPU (measured): at the lowest
    // priority it does not delay the worker that takes over, nor the main thread. Where
    // threads cannot be reniced (not Linux), it tears down at the priority it had.
    // Only a thread not known to have exited: its id may be another's by now.
    if (this.#thread !== undefined && this.#deathFault === undefined) {
      try {
        setPriority(this.#thread, constants.priority.PRIORITY_LOW);
      } catch {
        // gone already, or not allowed: nothing lost but the priority
      }
    }
    this.#remote[Comlink.releaseProxy]();
    if (afterMs > 0) await new Promise((resolve) => setTimeout(resolve, afterMs));
    await this.#worker.terminate();
  }
}
