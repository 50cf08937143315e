/**
 * The host side of an actor's thread: starts worker/actor-worker.ts (the thread body that
 * runs the component) and talks to it (see protocol.ts), as the supervisor's ActorWorker.
 */
import { constants, setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Logger } from 'pino';
import type { Verdict } from '../actor/transition.js';
import { CALLED_FUNCTIONS, FAULT_CODES, type Fault } from '../component/calls.js';
import { instanceSpec, type LoadedComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import {
  CALL_CLOCK_BYTES,
  callClockViews,
  type ActorCall,
  type ActorWorkerApi,
  type ApplyReply,
  type ApplyRequest,
  type WorkerData,
  type WorkerEvent,
} from '../protocol.js';

const WORKER_ENTRY = new URL('../../worker/actor-worker.js', import.meta.url);

/** A fault that cost the worker: the supervisor replaces it. */
export class WorkerFaultError extends ActorchainError {
  readonly fault: Fault;
  constructor(fault: Fault, message: string, detail?: string) {
    super(FAULT_CODES[fault], message, { detail });
    this.fault = fault;
  }
}

/**
 * A message this worker accepted but did not apply because an earlier one cost the worker
 * (a fault): nothing of it counts, and the supervisor sends it to the next worker.
 */
export class NotAppliedError extends Error {}

type CallArgs<K extends ActorCall> = Parameters<ActorWorkerApi[K]>;

/** Every verdict but a fault, which is thrown as a WorkerFaultError instead. */
export type CallVerdict = Exclude<Verdict, { verdict: 'fault' }>;

/** The verdict, or the fault it reports thrown as a WorkerFaultError. */
function settled(verdict: Verdict): CallVerdict {
  if (verdict.verdict !== 'fault') return verdict;
  const { fault, fn, message, detail } = verdict;
  throw new WorkerFaultError(fault, `${fn} ${fault === 'trap' ? 'trapped' : 'ran out of memory'}: ${message}`, detail);
}

/** A message posted to the worker and not yet answered. */
interface Pending {
  id: number;
  timeoutMs: number;
  /** When it became the oldest unanswered message: its time limit counts from here at the earliest. */
  headSinceMs: number;
  resolve: (verdict: CallVerdict) => void;
  reject: (err: Error) => void;
}

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
  /** The state of the last committable verdict received, which the worker keeps. */
  #committedState: string | undefined;
  readonly #callClock = new SharedArrayBuffer(CALL_CLOCK_BYTES);
  readonly #clock = callClockViews(this.#callClock);
  readonly #applyPort: MessagePort;
  /** Messages posted and not answered, oldest first; the worker answers them in this order. */
  readonly #pending: Pending[] = [];
  /** Requests of this turn of the event loop, posted together. */
  #unsent: ApplyRequest[] = [];
  #lastId = 0;
  /** A message cost this worker: it takes no more. */
  #faulted = false;
  /** Stops the watchdog over the oldest pending message's time limit. */
  #stopWatch: (() => void) | undefined;

  readonly #onCommittable: (state: string) => void;

  /**
   * `onCommittable` is told the state of each committable verdict as it is received (in
   * order, before the caller sees it): the state every message posted after it meets.
   */
  constructor(
    component: LoadedComponent,
    logger: Logger,
    limits: { allowedOrigins?: readonly string[]; maxStateBytes?: number },
    onCommittable: (state: string) => void,
  ) {
    this.#onCommittable = onCommittable;
    const { port1, port2 } = new MessageChannel();
    const apply = new MessageChannel();
    this.#applyPort = apply.port1;
    const data: WorkerData = { ...instanceSpec(component), port: port2, applyPort: apply.port2, callClock: this.#callClock };
    if (limits.allowedOrigins !== undefined) data.allowedOrigins = [...limits.allowedOrigins];
    if (limits.maxStateBytes !== undefined) data.maxStateBytes = limits.maxStateBytes;
    const heapMiB = Math.max(64, Math.ceil(component.maxMemoryBytes / 2 ** 20));
    this.#worker = new Worker(WORKER_ENTRY, {
      workerData: data,
      transferList: [port2, apply.port2],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: heapMiB },
    });
    this.#remote = Comlink.wrap<ActorWorkerApi>(nodeEndpoint(port1));
    this.#applyPort.on('message', (replies: ApplyReply[]) => this.#answer(replies));
    this.#worker.on('message', (event: WorkerEvent) => {
      if (event.kind === 'log') logger.info({ source: 'component' }, event.message);
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: this.#worker[stream] }).on('line', (line) => logger.info({ source: 'component', stream }, line));
    }
    this.#died = new Promise((resolve) => {
      let error: Error | undefined;
      this.#worker.on('error', (err) => (error = err));
      this.#worker.on('exit', (exitCode) => {
        port1.close();
        this.#applyPort.close();
        const outOfMemory = (error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
        this.#deathFault = new WorkerFaultError(
          outOfMemory ? 'out-of-memory' : 'crash',
          error ? `the component's worker died: ${error.message}` : `the component's worker exited with code ${exitCode}`,
        );
        for (const reject of this.#inFlight) reject(this.#deathFault);
        // The message it was applying died with it (or, between messages, the oldest unanswered one).
        this.#failPending(this.#deathFault, this.#running() ?? this.#pending[0]);
        resolve(this.#deathFault);
      });
    });
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

  /** Run init in the worker; resolves with its verdict, or rejects with a WorkerFaultError. */
  async call<K extends ActorCall>(method: K, args: CallArgs<K>, timeoutMs: number): Promise<CallVerdict> {
    const invoke = this.#remote[method] as (...a: CallArgs<K>) => Promise<Verdict>;
    const verdict = await this.#race(invoke(...args), timeoutMs, method);
    if (verdict.verdict === 'committable') this.#onCommittable((this.#committedState = verdict.content.state));
    return settled(verdict);
  }

  /** Run `message` on a throwaway instance in this worker, to warm its code (see ActorWorkerApi.warm). */
  async warm(message: string, state: string, timeoutMs: number): Promise<void> {
    await this.#race(this.#remote.warm(message, state), timeoutMs, 'warm');
  }

  /** Messages posted and not answered yet. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /**
   * Post a message behind those pending (with the others that arrive in the same turn of the
   * event loop, in one postMessage); resolves with its verdict, rejects with a
   * WorkerFaultError for the fault it caused, or with NotAppliedError when another message
   * cost the worker first. `committedState` is asked only when nothing is pending: otherwise
   * the message meets the state the pending ones leave (see ApplyRequest).
   */
  apply(message: string, committedState: () => string, timeoutMs: number): Promise<CallVerdict> {
    if (this.#faulted) return Promise.reject(new NotAppliedError('the worker faulted'));
    let state: string | null = null;
    if (this.#pending.length === 0) {
      const committed = committedState();
      if (committed !== this.#committedState) state = this.#committedState = committed;
    }
    const id = ++this.#lastId;
    // An idle worker gets a message at once: there is nothing to batch it with that would not
    // wait for it. Behind pending ones, the others of this turn of the event loop go along.
    if (this.#pending.length === 0 && this.#unsent.length === 0) this.#applyPort.postMessage([{ id, message, state }]);
    else if (this.#unsent.push({ id, message, state }) === 1) setImmediate(this.#flush);
    return new Promise<CallVerdict>((resolve, reject) => {
      this.#pending.push({ id, timeoutMs, headSinceMs: Date.now(), resolve, reject });
      if (this.#pending.length === 1) this.#watch();
    });
  }

  readonly #flush = () => {
    if (this.#unsent.length === 0) return;
    this.#applyPort.postMessage(this.#unsent);
    this.#unsent = [];
  };

  #answer(replies: ApplyReply[]): void {
    for (const { id, verdict } of replies) {
      const head = this.#pending[0];
      // A worker already given up on (a fault) may still have answers on their way.
      if (head?.id !== id) return;
      this.#pending.shift();
      if (this.#pending.length > 0) this.#pending[0]!.headSinceMs = Date.now();
      if (verdict.verdict === 'committable') this.#onCommittable((this.#committedState = verdict.content.state));
      try {
        head.resolve(settled(verdict));
      } catch (fault) {
        head.reject(fault as WorkerFaultError);
        this.#failPending();
        return;
      }
    }
    this.#watch();
  }

  /** After a fault: `cause` goes to `culprit`, the message that caused it; the others go elsewhere. */
  #failPending(cause?: WorkerFaultError, culprit?: Pending): void {
    this.#faulted = true;
    this.#stopWatch?.();
    const pending = this.#pending.splice(0);
    this.#unsent = [];
    for (const p of pending) p.reject(p === culprit ? cause! : new NotAppliedError('another message cost the worker'));
  }

  /** The pending message the worker is applying now, if it is applying one. */
  #running(): Pending | undefined {
    const id = Atomics.load(this.#clock.request, 0);
    return id >= (this.#pending[0]?.id ?? Infinity) ? this.#pending.find((p) => p.id === id) : undefined;
  }

  /**
   * Time the message the worker is applying (the oldest pending, or one behind it whose
   * earlier answers wait in the worker's batch): each call into the component it makes is
   * bounded by its timeout, counted from the call's start (the call clock) or from when the
   * message became the oldest, whichever is later.
   */
  #watch(): void {
    this.#stopWatch?.();
    this.#stopWatch = undefined;
    const head = this.#pending[0];
    if (head === undefined) return;
    // What the last check found running (the worker moves on meanwhile): what `expired` blames.
    let running: Pending | undefined;
    let timed = head;
    this.#stopWatch = this.#watchdog(
      head.timeoutMs,
      () => {
        running = this.#running();
        timed = running ?? this.#pending[0]!;
        return Math.max(running === undefined ? 0 : this.#callStartedAt(), timed.headSinceMs) + timed.timeoutMs - Date.now();
      },
      () => {
        const fn = running === undefined ? 'apply' : CALLED_FUNCTIONS[Atomics.load(this.#clock.fn, 0)];
        this.#failPending(new WorkerFaultError('timeout', `${fn} ran longer than ${timed.timeoutMs} ms; the worker was terminated`), timed);
      },
    );
  }

  /** When the call into the component running now started (the worker writes it to the call clock). */
  #callStartedAt(): number {
    return Number(Atomics.load(this.#clock.startedAtMs, 0));
  }

  /**
   * The one watchdog over the call clock, for messages (#watch) and single calls (#race)
   * alike: first checked after `firstMs`, then whenever `remainingMs()` (read from the call
   * clock each time: a new call restarts the count) says the time is up; then `expired`.
   * Returns what stops it.
   */
  #watchdog(firstMs: number, remainingMs: () => number, expired: () => void): () => void {
    let timer: NodeJS.Timeout;
    const check = () => {
      const left = remainingMs();
      if (left > 0) timer = setTimeout(check, left);
      else expired();
    };
    timer = setTimeout(check, firstMs);
    return () => clearTimeout(timer);
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
      stopWatch = this.#watchdog(
        timeoutMs,
        () => Math.max((callStartedAt = this.#callStartedAt()), armedAt) + timeoutMs - Date.now(),
        () => {
          const running = callStartedAt >= armedAt ? CALLED_FUNCTIONS[Atomics.load(this.#clock.fn, 0)] : what;
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

  async terminate(): Promise<void> {
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
    await this.#worker.terminate();
  }
}
