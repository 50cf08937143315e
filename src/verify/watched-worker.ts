/**
 * A replay worker under a watchdog. A chain from anywhere may hold a message on which the
 * component never returns (the runtime that made it would have timed out and committed
 * nothing, but a forger need not have); in process that would hang the replay for ever.
 * The worker bumps a shared counter as it goes; if it stands still for `timeoutMs`, the
 * owner is told the entry it was on and terminates the worker.
 */
import { Worker } from 'node:worker_threads';

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
export function watchHeartbeat(
  heartbeat: Int32Array,
  timeoutMs: number,
  readsToo: boolean,
  onStall: (position: number, replaying: boolean) => void,
): () => void {
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
