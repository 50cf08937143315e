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
import { newHeartbeat, runWatched, spawnReplayWorker } from './watched-worker.js';

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

  return runWatched<VerifySummary, VerifyEvent>(worker, {
    heartbeat,
    timeoutMs: options.timeoutMs,
    stalled: (at, replaying) => {
      const position = at + 1;
      return replaying
        ? new ActorchainError(
            'COMPONENT_TIMEOUT',
            `replaying from ${unit} ${position}, the component made no progress for ${options.timeoutMs} ms (--timeout); it was stopped`,
          )
        : new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${source} gave nothing for ${options.timeoutMs} ms (--timeout) after ${unit} ${position}`);
    },
    died: (err) => `replaying from ${unit} ${Atomics.load(heartbeat, 1) + 1}, the worker died: ${err.message}`,
    name: 'verify',
    event: (event) => (event.kind === 'done' ? { kind: 'done', result: event.summary } : event),
    onProgress: options.onProgress,
  });
}
