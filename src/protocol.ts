/**
 * What crosses the thread boundary between the supervisor (main thread) and the actor
 * worker. Both sides import these types; nothing else is shared.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ActorInstance, InstanceSpec } from './component/instance.js';
import type { ErrorCode } from './errors.js';
import type { VerifySummary } from './verify/verify.js';

export interface WorkerData extends InstanceSpec {
  /** The comlink channel; the worker's parentPort carries only WorkerEvents. */
  port: MessagePort;
}

/** A send the component made during a call; `message` is null when it was not UTF-8. */
export interface RawSend {
  to: string;
  message: string | null;
}

export type Fault = 'trap' | 'out-of-memory' | 'error';

export type CallOutcome<T> =
  | { ok: true; value: T; sends: RawSend[] }
  /** The component's output was not UTF-8 (list<u8> encoding): a bad result, not a fault. */
  | { ok: false; fault: 'not-utf8'; message: string }
  | { ok: false; fault: Fault; message: string };

/** What the worker exposes over comlink: the instance's four functions, and readiness. */
export interface ActorWorkerApi extends ActorInstance {
  /** Resolves once the component is instantiated, or with why it could not be. */
  ready(): Promise<{ ok: true } | { ok: false; message: string }>;
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
   * Written by the worker before each group: [0] groups started, [1] the 0-based position
   * of the group's first entry. The main thread reads it to tell a stuck component from a
   * slow one without a message per group.
   */
  heartbeat: Int32Array;
}

export type VerifyEvent =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done'; summary: VerifySummary }
  | { kind: 'failed'; code: ErrorCode; message: string };
