/**
 * The main thread's side of following a runtime (verify --follow, mirror): start the follow
 * worker under the watchdog, hand its events on, and say why it stopped.
 */
import { replayData, type ReplayComponents } from './component-source.js';
import { ActorchainError } from '../errors.js';
import type { FollowEvent, FollowWorkerData } from '../protocol.js';
import { newHeartbeat, spawnReplayWorker, watchHeartbeat } from './watched-worker.js';

const WORKER_ENTRY = new URL('../../worker/follow-worker.js', import.meta.url);
/** How long a long poll is held by the runtime (the most it allows is 60 s). */
const WAIT_SECONDS = 30;

export interface FollowRunOptions {
  url: string;
  /** A mirror's own chain.ndjson, replayed first; following starts after its last entry. */
  localFile?: string;
  /** Whether `verified` events carry the groups. */
  sendGroups: boolean;
  /** How long a replay may stand still, and a request may take beyond its long poll, before it is given up. */
  timeoutMs: number;
  /** The chain's verifier key where its genesis records none. */
  key?: string;
  /** Every event but `failed`, in order. */
  onEvent: (event: Exclude<FollowEvent, { kind: 'failed' }>) => void;
}

export interface Following {
  /** Settles with why following stopped by itself (divergence, fork, corrupt entry, stuck component). */
  readonly stopped: Promise<ActorchainError>;
  /** Stop following (no more events). */
  stop(): Promise<void>;
}

export function startFollowing(components: ReplayComponents, options: FollowRunOptions): Following {
  const heartbeat = newHeartbeat();
  const data: FollowWorkerData = {
    ...replayData(components),
    url: options.url,
    localFile: options.localFile,
    sendGroups: options.sendGroups,
    waitSeconds: WAIT_SECONDS,
    requestTimeoutMs: options.timeoutMs,
    key: options.key,
    heartbeat,
  };
  const worker = spawnReplayWorker(WORKER_ENTRY, data, components.sources.maxMemoryMiB);
  let settled = false;
  let report!: (err: ActorchainError) => void;
  const stopped = new Promise<ActorchainError>((resolve) => (report = resolve));
  const finish = (err?: ActorchainError) => {
    if (settled) return;
    settled = true;
    stopWatching();
    if (err) report(err);
    return worker.terminate();
  };
  const stopWatching = watchHeartbeat(heartbeat, options.timeoutMs, false, (at) => {
    const message = `replaying from entry ${at + 1}, the component made no progress for ${options.timeoutMs} ms (--timeout); it was stopped`;
    void finish(new ActorchainError('COMPONENT_TIMEOUT', message));
  });
  worker.on('message', (event: FollowEvent) => {
    if (settled) return;
    if (event.kind === 'failed') void finish(new ActorchainError(event.code, event.message));
    else options.onEvent(event);
  });
  worker.on('error', (err) => void finish(new ActorchainError('WORKER_CRASHED', `the follow worker died: ${err.message}`)));
  worker.on('exit', (code) => void finish(new ActorchainError('WORKER_CRASHED', `the follow worker exited with code ${code}`)));
  return {
    stopped,
    async stop() {
      await finish();
    },
  };
}
