/**
 * replay-check's worker: reads the chain and runs its messages through the new component, all
 * inside this thread, so the main thread can stop a component that never returns.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ActorchainError } from '../src/errors.js';
import { replayCheck, type ReplayCheckEvent, type ReplayCheckWorkerData } from '../src/verify/replay-check.js';

const data = workerData as ReplayCheckWorkerData;
const post = (event: ReplayCheckEvent) => parentPort!.postMessage(event);

try {
  const report = await replayCheck(data.spec, data.hash, data.source, {
    last: data.last,
    onProgress: (done, total) => {
      Atomics.add(data.heartbeat, 0, 1);
      post({ kind: 'progress', done, total });
    },
    onStep: (position, running) => {
      Atomics.store(data.heartbeat, 1, position);
      Atomics.store(data.heartbeat, 2, running ? 1 : 0);
      Atomics.add(data.heartbeat, 0, 1);
    },
  });
  post({ kind: 'done', report });
} catch (err) {
  if (err instanceof ActorchainError) post({ kind: 'failed', code: err.code, message: err.message });
  else post({ kind: 'failed', code: 'INTERNAL_ERROR', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
