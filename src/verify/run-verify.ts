/**
 * Run a verify in a worker under a watchdog (watched-worker.ts). The worker bumps the
 * heartbeat before each group and as the source is read; if it stands still for
 * `timeoutMs`, the worker is terminated and the entry it was on named.
 */
import type { PositionUnit } from '../chain/check.js';
import { ActorchainError } from '../errors.js';
import type { VerifyEvent, VerifyWorkerData } from '../protocol.js';
import { replayData, type ReplayComponents } from './component-source.js';
import { isUrl } from './source.js';
import type { VerifySummary } from './verify.js';
import { newHeartbeat, spawnReplayWorker, watchHeartbeat } from './watched-worker.js';

const WORKER_ENTRY = new URL('../../worker/verify-worker.js', import.meta.url);

export interface RunVerifyOptions {
  /** How long the replay may make no progress at all (one call, or one read of the source). */
  timeoutMs: number;
  onProgress?: (done: number, total: number) => void;
  /** Also compute the tree root of the first this many entries (summary.treeRoot). */
  treeSize?: number;
}

export function runVerify(components: ReplayComponents, source: string, options: RunVerifyOptions): Promise<VerifySummary> {
  const heartbeat = newHeartbeat();
  const data: VerifyWorkerData = { ...replayData(components), source, heartbeat, treeSize: options.treeSize };
  const worker = spawnReplayWorker(WORKER_ENTRY, data, components.sources.maxMemoryMiB);
  const unit: PositionUnit = isUrl(source) ? 'entry' : 'line';

  return new Promise<VerifySummary>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      stopWatching();
      outcome();
      void worker.terminate();
    };
    const stopWatching = watchHeartbeat(heartbeat, options.timeoutMs, true, (at, replaying) => {
      const position = at + 1;
      const error = replaying
        ? new ActorchainError(
            'COMPONENT_TIMEOUT',
            `replaying from ${unit} ${position}, the component made no progress for ${options.timeoutMs} ms (--timeout); it was stopped`,
          )
        : new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${source} gave nothing for ${options.timeoutMs} ms (--timeout) after ${unit} ${position}`);
      finish(() => reject(error));
    });
    worker.on('message', (event: VerifyEvent) => {
      if (event.kind === 'progress') options.onProgress?.(event.done, event.total);
      else if (event.kind === 'done') finish(() => resolve(event.summary));
      else finish(() => reject(new ActorchainError(event.code, event.message)));
    });
    worker.on('error', (err) => {
      const position = Atomics.load(heartbeat, 1) + 1;
      finish(() => reject(new ActorchainError('WORKER_CRASHED', `replaying from ${unit} ${position}, the worker died: ${err.message}`)));
    });
    worker.on('exit', (code) => finish(() => reject(new ActorchainError('WORKER_CRASHED', `the verify worker exited with code ${code}`))));
  });
}
