/**
 * What crosses the thread boundary between the supervisor (main thread) and the actor
 * worker, and between verify and its worker: only what exists because there is a thread.
 * The vocabulary of calls lives in component/calls.ts.
 */
import type { MessagePort } from 'node:worker_threads';
import type { EntryGroup } from './chain/check.js';
import type { Verdict } from './actor/transition.js';
import type { InstanceSpec } from './component/calls.js';
import type { ErrorCode } from './errors.js';
import type { VerifySummary } from './verify/verify.js';

export interface WorkerData extends InstanceSpec {
  /** The comlink channel; the worker's parentPort carries only WorkerEvents. */
  port: MessagePort;
  /** The call clock, written by the worker as each call into the component starts. */
  callClock: SharedArrayBuffer;
  /** Origins `send` may reach; absent: anywhere. */
  allowedOrigins?: string[];
}

/**
 * The call clock's layout: when the current call into the component started (ms since the
 * epoch) and which function it is (an index into ACTOR_FUNCTIONS). The main thread reads it
 * when a deadline passes, so a transition's three calls are each bounded by --timeout
 * without a message per call.
 */
export const CALL_CLOCK_BYTES = 16;

export function callClockViews(buffer: SharedArrayBuffer): { startedAtMs: BigInt64Array; fn: Int32Array } {
  return { startedAtMs: new BigInt64Array(buffer, 0, 1), fn: new Int32Array(buffer, 8, 1) };
}

/**
 * What the worker exposes over comlink. The worker keeps its instance between calls only
 * while every call is committed: after any other verdict it continues on a fresh instance
 * (a spare, prepared between calls), so no effect of an uncommitted call can reach the chain.
 */
export interface ActorWorkerApi {
  /** Resolves once the component is instantiated, or with why it could not be. */
  ready(): Promise<{ ok: true } | { ok: false; message: string }>;
  /** init and state-contract on a fresh instance: the init state's content, or why not. */
  init(): Promise<Verdict>;
  /**
   * A message on the committed state: the state entry's content, or why not. `state` is
   * null when it is the state of the last entry this worker's verdicts produced (the worker
   * keeps it), so a large state does not cross the thread for every message.
   */
  apply(message: string, state: string | null): Promise<Verdict>;
}

export type ActorCall = Exclude<keyof ActorWorkerApi, 'ready'>;

/** Events a worker posts on its parentPort as they happen (not at the end of a call). */
export type WorkerEvent = { kind: 'log'; message: string };

/** What `verify` hands its worker: the component, where the chain is, and a heartbeat. */
export interface VerifyWorkerData {
  spec: InstanceSpec;
  source: string;
  componentHash: string;
  /**
   * Written by the worker as it goes: [0] a count bumped at every step (a group's replay
   * starting or ending, a read of the source), [1] the 0-based position of the group's
   * first entry, [2] 1 while the component is replaying that group. The main thread reads
   * it to tell a stuck component (or source) from a slow one without a message per group.
   */
  heartbeat: Int32Array;
}

export type VerifyEvent =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done'; summary: VerifySummary }
  | { kind: 'failed'; code: ErrorCode; message: string };

/** What `verify --follow` and `mirror` hand their worker (see verify/follow.ts). */
export interface FollowWorkerData {
  spec: InstanceSpec;
  componentHash: string;
  /** The runtime followed. */
  url: string;
  /** A mirror's own chain.ndjson, replayed before following from its last entry. */
  localFile?: string;
  /** Whether `verified` events carry the groups (a mirror keeps them; verify only counts). */
  sendGroups: boolean;
  /** How long each long poll may be held, and how much longer a request may take before it is retried. */
  waitSeconds: number;
  requestTimeoutMs: number;
  /** As in VerifyWorkerData; only a replay that stands still is stopped (reads are retried). */
  heartbeat: Int32Array;
}

export type FollowEvent =
  /** The mirror's own chain replayed: following starts from here. */
  | { kind: 'resumed'; head: string; length: number }
  /** New groups replayed. `lagEntries`: how many the runtime holds beyond them (0 when caught up). */
  | { kind: 'verified'; entries: number; head: string; length: number; lagEntries: number; groups?: EntryGroup[] }
  /** A long poll ended with nothing new: caught up. */
  | { kind: 'idle' }
  /** The runtime did not answer; the next attempt is in `delayMs`. */
  | { kind: 'retry'; attempt: number; delayMs: number; reason: string }
  /** The runtime answers again after `retry` events. */
  | { kind: 'reconnected'; attempts: number }
  | { kind: 'failed'; code: ErrorCode; message: string };
