/**
 * verify's worker: reads the chain and replays it with the components it names, all inside
 * this thread, so the main thread can stop a component that never returns.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ActorchainError } from '../src/errors.js';
import type { VerifyEvent, VerifyWorkerData } from '../src/protocol.js';
import { openSource } from '../src/verify/source.js';
import { verifyChain } from '../src/verify/verify.js';

const data = workerData as VerifyWorkerData;
const post = (event: VerifyEvent) => parentPort!.postMessage(event);

try {
  const source = await openSource(data.source, {
    componentHash: data.componentHash,
    onProgress: (done, total) => {
      Atomics.add(data.heartbeat, 0, 1);
      post({ kind: 'progress', done, total });
    },
  });
  const preloaded = data.spec && data.componentHash ? { hash: data.componentHash, spec: data.spec } : undefined;
  const summary = await verifyChain(
    data.components,
    preloaded,
    source,
    (first, replaying) => {
      Atomics.store(data.heartbeat, 1, first.position);
      Atomics.store(data.heartbeat, 2, replaying ? 1 : 0);
      Atomics.add(data.heartbeat, 0, 1);
    },
    data.treeSize,
  );
  post({ kind: 'done', summary });
} catch (err) {
  if (err instanceof ActorchainError) post({ kind: 'failed', code: err.code, message: err.message });
  else post({ kind: 'failed', code: 'INTERNAL_ERROR', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
