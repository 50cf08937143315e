/**
 * A replay worker under a watchdog. A chain from anywhere may hold a message on which the
 * component never returns (the runtime that made it would have timed out and committed
 * nothing, but a forger need not have); in process that would hang the replay for ever.
 * The worker bumps a shared counter as it goes; if it stands still for `timeoutMs`, the
 * owner is told the entry it was on and terminates the worker.
 */
import { Worker } from 'node:worker_threads';
import { ActorchainError, type ErrorCode } from '../errors.js';

/** The heartbeat's layout: [0] bumped at every step, [1] the position of the group replayed, [2] 1 while replaying it. */
export function newHeartbeat(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(12));
}

export function spawnReplayWorker(entry: URL, workerData: unknown, maxMemoryMiB: number): Worker {
  const heapMiB = Math.max(64, maxMemoryMiB);
  // The component's stdout and stderr were logged when it ran; a replay discards them.
  const worker = new Worker(entry, { workerData, stdout: true, stderr: true, resourceLimits: { maxOldGenerationSizeMb: heapMiB } });
  worker.stdout.resume();
  worker.stderr.resume();
  return worker;
}

/**
 * Call `onStall` once the heartbeat has stood still for `timeoutMs`: with the 0-based position
 * of the group and whether the component was replaying it (else the worker was reading).
 * With `readsToo` false only a replay is timed (a follower waits on long polls at will).
 * Returns a function that stops watching.
 */
export function watchHeartbeat(heartbeat: Int32Array, timeoutMs: number, readsToo: boolean, onStall: (position: number, replaying: boolean) => void): () => void {
  let beats = Atomics.load(heartbeat, 0);
  let lastBeatAt = performance.now();
  const timer = setInterval(
    () => {
      const now = performance.now();
      const current = Atomics.load(heartbeat, 0);
      const replaying = Atomics.load(heartbeat, 2) === 1;
      if (current !== beats || (!replaying && !readsToo)) {
        beats = current;
        lastBeatAt = now;
      } else if (now - lastBeatAt >= timeoutMs) {
        clearInterval(timer);
        onStall(Atomics.load(heartbeat, 1), replaying);
      }
    },
    Math.max(10, Math.min(250, timeoutMs / 4)),
  );
  return () => clearInterval(timer);
}

/** What a checking worker posts: progress, its result, or why it failed. */
export type CheckEvent<T> = { kind: 'progress'; done: number; total: number } | { kind: 'done'; result: T } | { kind: 'failed'; code: ErrorCode; message: string };

export interface WatchedRun<E> {
  heartbeat: Int32Array;
  timeoutMs: number;
  /** The error for a heartbeat that stood still: at the 0-based position, replaying or reading. */
  stalled: (position: number, replaying: boolean) => ActorchainError;
  /** Why the worker died, for WORKER_CRASHED. */
  died: (err: Error) => string;
  /** The worker's name in "the … worker exited with code n". */
  name: string;
  /** The worker's message as a CheckEvent. */
  event: (message: E) => CheckEvent<unknown>;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Run a checking worker to its end under the watchdog (reads timed too): resolves with its
 * result, rejects with its coded failure, a stall, or its death; the worker is terminated
 * either way. verify and replay-check share it.
 */
export function runWatched<T, E>(worker: Worker, run: WatchedRun<E>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      stopWatching();
      outcome();
      void worker.terminate();
    };
    const stopWatching = watchHeartbeat(run.heartbeat, run.timeoutMs, true, (at, replaying) => finish(() => reject(run.stalled(at, replaying))));
    worker.on('message', (message: E) => {
      const event = run.event(message);
      if (event.kind === 'progress') run.onProgress?.(event.done, event.total);
      else if (event.kind === 'done') finish(() => resolve(event.result as T));
      else finish(() => reject(new ActorchainError(event.code, event.message)));
    });
    worker.on('error', (err) => finish(() => reject(new ActorchainError('WORKER_CRASHED', run.died(err)))));
    worker.on('exit', (code) => finish(() => reject(new ActorchainError('WORKER_CRASHED', `the ${run.name} worker exited with code ${code}`))));
  });
}
