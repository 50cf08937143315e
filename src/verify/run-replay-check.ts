/**
 * Run a replay-check in a worker under a watchdog (watched-worker.ts), as verify runs: a new
 * component that never returns on some recorded message is stopped after `timeoutMs` and the
 * message named, instead of hanging a CI job.
 */
import type { LoadedComponent } from '../component/load.js';
import { instanceSpec } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import type { ReplayCheckEvent, ReplayCheckReport, ReplayCheckWorkerData } from './replay-check.js';
import { newHeartbeat, runWatched, spawnReplayWorker } from './watched-worker.js';

const WORKER_ENTRY = new URL('../../worker/replay-check-worker.js', import.meta.url);

export interface RunReplayCheckOptions {
  last: number | undefined;
  /** How long the new component may run one message, or the source give nothing, before it is stopped. */
  timeoutMs: number;
  maxMemoryMiB: number;
  onProgress?: (done: number, total: number) => void;
}

export function runReplayCheck(component: LoadedComponent, source: string, options: RunReplayCheckOptions): Promise<ReplayCheckReport> {
  const heartbeat = newHeartbeat();
  const data: ReplayCheckWorkerData = { spec: instanceSpec(component), hash: component.hash, source, last: options.last, heartbeat };
  const worker = spawnReplayWorker(WORKER_ENTRY, data, options.maxMemoryMiB);
  return runWatched<ReplayCheckReport, ReplayCheckEvent>(worker, {
    heartbeat,
    timeoutMs: options.timeoutMs,
    stalled: (at, running) =>
      running
        ? new ActorchainError(
            'COMPONENT_TIMEOUT',
            `the new component made no progress for ${options.timeoutMs} ms (--timeout) on the message at position ${at}; it was stopped`,
          )
        : new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${source} gave nothing for ${options.timeoutMs} ms (--timeout)`),
    died: (err) => `the replay-check worker died: ${err.message}`,
    name: 'replay-check',
    event: (event) => (event.kind === 'done' ? { kind: 'done', result: event.report } : event),
    onProgress: options.onProgress,
  });
}
