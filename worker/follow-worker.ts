/**
 * The worker of verify --follow and mirror: follows a runtime and replays each new group
 * against one instance of the component, inside this thread, so the main thread can stop a
 * component that never returns.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ActorchainError } from '../src/errors.js';
import type { FollowEvent, FollowWorkerData } from '../src/protocol.js';
import { follow } from '../src/verify/follow.js';

const data = workerData as FollowWorkerData;
const post = (event: FollowEvent) => parentPort!.postMessage(event);

try {
  await follow({
    ...data,
    post,
    onReplay: (first, replaying) => {
      Atomics.store(data.heartbeat, 1, first.position);
      Atomics.store(data.heartbeat, 2, replaying ? 1 : 0);
      Atomics.add(data.heartbeat, 0, 1);
    },
  });
} catch (err) {
  if (err instanceof ActorchainError) post({ kind: 'failed', code: err.code, message: err.message });
  else post({ kind: 'failed', code: 'INTERNAL_ERROR', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
