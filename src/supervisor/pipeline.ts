/**
 * The messages posted to one worker on its data port and not answered yet, oldest first (the
 * worker answers them in this order), their time limits, and which committed state the
 * worker holds: a version, never the state itself (the worker owns it, the chain has it).
 */
import type { MessagePort } from 'node:worker_threads';
import type { ApplyReply, ApplyRequest } from '../protocol.js';
import { watchdog, type CallClock } from './call-clock.js';
import { NotAppliedError, settled, WorkerFaultError, type CallVerdict } from './worker-fault.js';

/**
 * Which committed state a worker holds, without holding it: a count of the committable
 * verdicts one supervisor's workers returned. The actor commits every one, in order, so
 * version n is the state the chain has once the n-th is committed, and a worker whose
 * version is `current` holds the state the next message meets.
 */
export interface StateVersion {
  current: number;
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

export class Pipeline {
  readonly #port: MessagePort;
  readonly #clock: CallClock;
  readonly #version: StateVersion;
  /** The version of the state the worker holds; -1: none the chain has (a fresh worker's). */
  #holds = -1;
  readonly #pending: Pending[] = [];
  /** Requests of this turn of the event loop, posted together. */
  #unsent: ApplyRequest[] = [];
  /** The first of #unsent waits for the chain's state: nothing is posted before it. */
  #awaitingState = false;
  #lastId = 0;
  /** A message cost this worker: it takes no more. */
  #faulted = false;
  /** Stops the watchdog over the oldest pending message's time limit. */
  #stopWatch: (() => void) | undefined;

  constructor(port: MessagePort, clock: CallClock, version: StateVersion) {
    this.#port = port;
    this.#clock = clock;
    this.#version = version;
  }

  /** Messages posted and not answered yet. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /**
   * Wake the worker's thread with an empty batch, when it has nothing to do: a standby that
   * takes over after a fault has slept since it warmed, and its first message would otherwise
   * pay for the wake-up (0.5-1 ms here, against 0.2 for a busy worker).
   */
  nudge(): void {
    if (this.#pending.length === 0 && !this.#faulted) this.#port.postMessage([]);
  }

  /** A committable verdict of a call (init, migrate): the worker holds the next version. */
  committed(): void {
    this.#holds = ++this.#version.current;
  }

  /**
   * Post a message behind those pending (with the others that arrive in the same turn of the
   * event loop, in one postMessage); resolves with its verdict, rejects with a
   * WorkerFaultError for the fault it caused, or with NotAppliedError when another message
   * cost the worker first. A message that finds the worker idle and holding another state
   * than the chain's is sent with `committedState()` (the chain's state once every earlier
   * message is committed); the messages behind it meet the state it leaves.
   */
  apply(message: string, committedState: () => Promise<string>, timeoutMs: number): Promise<CallVerdict> {
    if (this.#faulted) return Promise.reject(new NotAppliedError('the worker faulted'));
    const request: ApplyRequest = { id: ++this.#lastId, message, state: null };
    const idle = this.#pending.length === 0;
    if (idle && this.#holds !== this.#version.current) {
      this.#holds = this.#version.current;
      this.#unsent.push(request);
      this.#awaitingState = true;
      committedState().then(
        (state) => {
          request.state = state;
          this.#awaitingState = false;
          this.#flush();
        },
        (err: Error) => this.#fail(new WorkerFaultError('crash', `the committed state could not be read: ${err.message}`), this.#pending[0]),
      );
    } else if (idle) {
      // An idle worker gets a message at once: there is nothing to batch it with that would not
      // wait for it. Behind pending ones, the others of this turn of the event loop go along.
      this.#port.postMessage([request]);
    } else if (this.#unsent.push(request) === 1) setImmediate(this.#flush);
    return new Promise<CallVerdict>((resolve, reject) => {
      this.#pending.push({ id: request.id, timeoutMs, headSinceMs: Date.now(), resolve, reject });
      if (this.#pending.length === 1) this.#watch();
    });
  }

  readonly #flush = () => {
    if (this.#awaitingState || this.#faulted || this.#unsent.length === 0) return;
    this.#port.postMessage(this.#unsent);
    this.#unsent = [];
  };

  /** Verdicts from the worker, in the order of the requests. */
  answer(replies: ApplyReply[]): void {
    for (const { id, verdict } of replies) {
      const head = this.#pending[0];
      // A worker already given up on (a fault) may still have answers on their way.
      if (head?.id !== id) return;
      this.#pending.shift();
      if (this.#pending.length > 0) this.#pending[0]!.headSinceMs = Date.now();
      if (verdict.verdict === 'committable') this.committed();
      try {
        head.resolve(settled(verdict));
      } catch (fault) {
        head.reject(fault as WorkerFaultError);
        this.#fail();
        return;
      }
    }
    this.#watch();
  }

  /** The worker died: the message it was applying (or, between messages, the oldest unanswered one) died with it. */
  died(fault: WorkerFaultError): void {
    this.#fail(fault, this.#running() ?? this.#pending[0]);
  }

  /**
   * After a fault: `cause` goes to `culprit`, the message that caused it; the others go
   * elsewhere. The culprit hears first, whatever its place: its caller replaces the worker,
   * so the others, told in their order, all meet the next worker and reach it in that order
   * (one told first would find this worker still in place, and come back behind the rest).
   */
  #fail(cause?: WorkerFaultError, culprit?: Pending): void {
    this.#faulted = true;
    this.#stopWatch?.();
    const pending = this.#pending.splice(0);
    this.#unsent = [];
    if (culprit !== undefined) culprit.reject(cause!);
    for (const p of pending) if (p !== culprit) p.reject(new NotAppliedError('another message cost the worker'));
  }

  /** The pending message the worker is applying now, if it is applying one. */
  #running(): Pending | undefined {
    const id = this.#clock.request;
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
    this.#stopWatch = watchdog(
      head.timeoutMs,
      () => {
        running = this.#running();
        timed = running ?? this.#pending[0]!;
        return Math.max(running === undefined ? 0 : this.#clock.startedAtMs, timed.headSinceMs) + timed.timeoutMs - Date.now();
      },
      () => {
        const fn = running === undefined ? 'apply' : this.#clock.fn;
        this.#fail(new WorkerFaultError('timeout', `${fn} ran longer than ${timed.timeoutMs} ms; the worker was terminated`), timed);
      },
    );
  }
}
