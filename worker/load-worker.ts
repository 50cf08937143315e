/**
 * A component loaded off the main thread (src/component/load.ts, `offThread`): hashing,
 * transpiling and compiling a 12 MB component hold a thread for most of a second, which a
 * runtime serving requests (a live upgrade) cannot give. The LoadedComponent comes back by
 * structured clone, its compiled modules included; a refusal comes back as its problems.
 *
 * Then its code is warmed, and the owner told (it waits for that a bounded time): a throwaway
 * instance runs init, then state-contract on init's state a few hundred times (what every
 * actor must answer; nothing else is called with made-up input). The compiled code is shared
 * by every instance of the modules in this process, so the instance that takes over a live
 * chain starts with its hot paths compiled by the optimizing tier, not at a few milliseconds
 * a message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateActor } from '../src/component/instance.js';
import { Recorder } from '../src/component/journal.js';
import { instanceSpec, loadComponentBytes, type LoadedComponent, type LoadWorkerData, type LoadWorkerResult } from '../src/component/load.js';
import { ActorchainError } from '../src/errors.js';

const WARM_CALLS = 300;
const WARM_BUDGET_MS = 1000;

async function warm(component: LoadedComponent): Promise<void> {
  const instance = await instantiateActor(instanceSpec(component), { log: () => {}, output: () => {}, tape: new Recorder() });
  const init = instance.init();
  if (!init.ok || init.value === null) return;
  const state = init.value;
  const started = performance.now();
  for (let i = 0; i < WARM_CALLS && performance.now() - started < WARM_BUDGET_MS; i++) {
    if (!instance.stateContract(state).ok) return;
  }
}

const { bytes, file, maxMemoryMiB } = workerData as LoadWorkerData;
let loaded: LoadedComponent;
try {
  loaded = await loadComponentBytes(bytes, file, { maxMemoryMiB });
} catch (err) {
  if (!(err instanceof ActorchainError)) throw err;
  parentPort!.postMessage({ kind: 'refused', problems: err.all.map(({ code, message }) => ({ code, message })) } satisfies LoadWorkerResult);
  process.exit(0);
}
parentPort!.postMessage({ kind: 'loaded', component: loaded } satisfies LoadWorkerResult);
// A component that fails here fails the same way where it runs, and is reported there.
await warm(loaded).catch(() => {});
parentPort!.postMessage({ kind: 'warmed' } satisfies LoadWorkerResult);
