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
import type { ComponentSources } from './verify/component-source.js';
import type { VerifySummary } from './verify/verify.js';

/**
 * The actor's thread has two channels. Comlink, on the worker's parentPort, is the control
 * surface (ActorWorkerApi: ready, init, migrate, warm). Everything else travels on one data
 * port, in the order it happens: ApplyRequest batches to the worker, ThreadMessages (verdicts
 * and the component's log lines) back.
 */
export interface WorkerData extends InstanceSpec {
  /** The data port (see above). */
  dataPort: MessagePort;
  /** The call clock, written by the worker as each call into the component starts. */
  callClock: SharedArrayBuffer;
  /** Origins `send` may reach; absent: anywhere. */
  allowedOrigins?: string[];
  /** The largest state that may be committed (--max-state); absent: any. */
  maxStateBytes?: number;
}

/**
 * The call clock's layout: when the current call into the component started (ms since the
 * epoch), which function it is (an index into ACTOR_FUNCTIONS) and which ApplyRequest it
 * serves (its id; 0 before the first). The main thread reads it when a deadline passes, so
 * a transition's three calls are each bounded by --timeout without a message per call.
 */
export const CALL_CLOCK_BYTES = 16;

export function callClockViews(buffer: SharedArrayBuffer): { startedAtMs: BigInt64Array; fn: Int32Array; request: Int32Array } {
  return { startedAtMs: new BigInt64Array(buffer, 0, 1), fn: new Int32Array(buffer, 8, 1), request: new Int32Array(buffer, 12, 1) };
}

/**
 * A message for the worker to apply, posted as soon as it is accepted (the worker applies
 * them back to back, in order, while the main thread commits the verdicts in the same
 * order). Plain postMessage on the data port rather than comlink: this is the hot path, and
 * comlink's proxy, UUID and wire wrapping cost as much as the component.
 *
 * The worker owns the state: `state` is null to apply the message to the state the worker
 * holds, that of its last committable verdict. The main thread commits every committable
 * verdict it receives, in order, so that is the state the message would meet if messages
 * ran one at a time. Only a worker that holds another (a fresh one, a standby) is sent the
 * chain's state, with the first message it gets.
 */
export interface ApplyRequest {
  /** Increasing from 1 on each worker. */
  id: number;
  message: string;
  state: string | null;
}

export interface ApplyReply {
  id: number;
  verdict: Verdict;
}

/** What the worker posts on the data port: a batch of verdicts, in request order, or a line the component logged. */
export type ThreadMessage = { kind: 'verdicts'; replies: ApplyReply[] } | { kind: 'log'; message: string };

/**
 * What the worker exposes over comlink. The worker keeps its instance between calls only
 * while every call is committed: after any other verdict it continues on a fresh instance
 * (a spare, prepared between calls), so no effect of an uncommitted call can reach the chain.
 */
export interface ActorWorkerApi {
  /**
   * Resolves once the component is instantiated, or with why it could not be. `thread`: the
   * worker's kernel thread id where the OS tells it (Linux), so that a worker being terminated
   * can be given the lowest CPU priority while it tears down.
   */
  ready(): Promise<{ ok: true; thread?: number } | { ok: false; message: string }>;
  /** init and state-contract on a fresh instance: the init state's content, or why not. */
  init(): Promise<Verdict>;
  /** A live upgrade: migrate (or the state carried over) and state-contract, on this worker's instance. */
  migrate(state: string): Promise<Verdict>;
  /**
   * Run a message the actor has committed through a throwaway instance and forget everything
   * about it (verdict, sends, logs): it only makes this thread's code warm, so that a standby's
   * first real message costs what any message costs. The instance that serves is not touched.
   */
  warm(message: string, state: string): Promise<void>;
}

export type ActorCall = Exclude<keyof ActorWorkerApi, 'ready' | 'warm'>;

/** What `verify` hands its worker: the components, where the chain is, and a heartbeat. */
export interface VerifyWorkerData {
  /** The component given first (verify <component> <source>): the genesis must name it. */
  spec?: InstanceSpec;
  componentHash?: string;
  /** Where the components the chain names (genesis, upgrades) are found by hash. */
  components: ComponentSources;
  source: string;
  /**
   * Written by the worker as it goes: [0] a count bumped at every step (a group's replay
   * starting or ending, a read of the source), [1] the 0-based position of the group's
   * first entry, [2] 1 while the component is replaying that group. The main thread reads
   * it to tell a stuck component (or source) from a slow one without a message per group.
   */
  heartbeat: Int32Array;
  /** Also compute the RFC 6962 root of the first this many entries (a signed checkpoint's size). */
  treeSize?: number;
}

export type VerifyEvent =
  { kind: 'progress'; done: number; total: number } | { kind: 'done'; summary: VerifySummary } | { kind: 'failed'; code: ErrorCode; message: string };

/** What `verify --follow` and `mirror` hand their worker (see verify/follow.ts). */
export interface FollowWorkerData {
  /** As in VerifyWorkerData. */
  spec?: InstanceSpec;
  componentHash?: string;
  components: ComponentSources;
  /** The runtime followed. */
  url: string;
  /** A mirror's own chain.ndjson, replayed before following from its last entry. */
  localFile?: string;
  /** Whether `verified` events carry the groups (a mirror keeps them; verify only counts). */
  sendGroups: boolean;
  /** How long each long poll may be held, and how much longer a request may take before it is retried. */
  waitSeconds: number;
  requestTimeoutMs: number;
  /** The chain's verifier key, for a chain whose genesis records none (checkpoints are checked with it). */
  key?: string;
  /** As in VerifyWorkerData; only a replay that stands still is stopped (reads are retried). */
  heartbeat: Int32Array;
}

export type FollowEvent =
  /** The mirror's own chain replayed: following starts from here; `component` is the one its last upgrade (or its genesis) names. */
  | { kind: 'resumed'; head: string; length: number; component: string }
  /** New groups replayed. `lagEntries`: how many the runtime holds beyond them (0 when caught up). */
  | { kind: 'verified'; entries: number; head: string; length: number; lagEntries: number; groups?: EntryGroup[] }
  /** A long poll ended with nothing new: caught up. */
  | { kind: 'idle' }
  /** The runtime's signed checkpoint, checked: it signs the root of the entries verified here. */
  | { kind: 'checkpoint'; note: string; size: number; key: string }
  /** The runtime did not answer; the next attempt is in `delayMs`. */
  | { kind: 'retry'; attempt: number; delayMs: number; reason: string }
  /** The runtime answers again after `retry` events. */
  | { kind: 'reconnected'; attempts: number }
  | { kind: 'failed'; code: ErrorCode; message: string };
