/**
 * Run a verify in a worker under a watchdog. A chain from anywhere may hold a message on
 * which the component never returns (the runtime that made it would have timed out and
 * committed nothing, but a forger need not have); in process that would hang verify for
 * ever. The worker bumps a shared counter before each group and as the source is read; if
 * it stands still for `timeoutMs`, the worker is terminated and the entry it was on named.
 */
import { Worker } from 'node:worker_threads';
import type { PositionUnit } from '../chain/check.js';
import { instanceSpec, type LoadedComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import type { VerifyEvent, VerifyWorkerData } from '../protocol.js';
import { isUrl } from './source.js';
import type { VerifySummary } from './verify.js';

const WORKER_ENTRY = new URL('../../worker/verify-worker.js', import.meta.url);

export interface RunVerifyOptions {
  /** How long the replay may make no progress at all (one call, or one read of the source). */
  timeoutMs: number;
  onProgress?: (done: number, total: number) => void;
}

export function runVerify(component: LoadedComponent, source: string, options: RunVerifyOptions): Promise<VerifySummary> {
  const heartbeat = new Int32Array(new SharedArrayBuffer(12));
  const data: VerifyWorkerData = { spec: instanceSpec(component), source, componentHash: component.hash, heartbeat };
  const heapMiB = Math.max(64, Math.ceil(component.maxMemoryBytes / 2 ** 20));
  // The component's stdout and stderr were logged when it ran; a replay discards them.
  const worker = new Worker(WORKER_ENTRY, { workerData: data, stdout: true, stderr: true, resourceLimits: { maxOldGenerationSizeMb: heapMiB } });
  worker.stdout.resume();
  worker.stderr.resume();
  const unit: PositionUnit = isUrl(source) ? 'entry' : 'line';

  return new Promise<VerifySummary>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      outcome();
      void worker.terminate();
    };
    let beats = Atomics.load(heartbeat, 0);
    let lastBeatAt = performance.now();
    const watchdog = setInterval(
      () => {
        const now = performance.now();
        const current = Atomics.load(heartbeat, 0);
        if (current !== beats) {
          beats = current;
          lastBeatAt = now;
        } else if (now - lastBeatAt >= options.timeoutMs) {
          const position = Atomics.load(heartbeat, 1) + 1;
          const error =
            Atomics.load(heartbeat, 2) === 1
              ? new ActorchainError(
                  'COMPONENT_TIMEOUT',
                  `replaying from ${unit} ${position}, the component made no progress for ${options.timeoutMs} ms (--timeout); it was stopped`,
                )
              : new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${source} gave nothing for ${options.timeoutMs} ms (--timeout) after ${unit} ${position}`);
          finish(() => reject(error));
        }
      },
      Math.max(10, Math.min(250, options.timeoutMs / 4)),
    );
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
