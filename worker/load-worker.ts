/**
 * A component loaded off the main thread (src/component/load.ts, `offThread`): hashing,
 * transpiling and compiling a 12 MB component hold a thread for most of a second, which a
 * runtime serving requests (a live upgrade) cannot give. The LoadedComponent comes back by
 * structured clone, its compiled modules included; a refusal comes back as its problems.
 *
 * Then its code is warmed, and the owner told (it waits for that a bounded time, then
 * terminates this worker, so a call that never returns here costs nothing): a throwaway
 * instance takes over the state given (through migrate when it has one), then runs the
 * contracts and handle on it with the messages given (a live chain's recent ones), a few
 * hundred times, the state left as it is. With none given, init and state-contract on its
 * state. The compiled code is shared by every instance of the modules in this process, so the
 * instance that takes over a live chain starts with its hot paths compiled by the optimizing
 * tier, not at several milliseconds a message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateActor } from '../src/component/instance.js';
import { Recorder } from '../src/component/journal.js';
import { instanceSpec, loadComponentBytes, type LoadedComponent, type LoadWorkerData, type LoadWorkerResult, type WarmInputs } from '../src/component/load.js';
import { ActorchainError } from '../src/errors.js';

const WARM_ROUNDS = 300;
const WARM_BUDGET_MS = 1000;

async function warm(component: LoadedComponent, inputs: WarmInputs | undefined): Promise<void> {
  const instance = await instantiateActor(instanceSpec(component), { log: () => {}, output: () => {}, tape: new Recorder() });
  let state = inputs?.state;
  if (state !== undefined && instance.migrate !== undefined) {
    const migrated = instance.migrate(state);
    state = migrated.ok && migrated.value !== null ? migrated.value : undefined;
  }
  if (state === undefined) {
    const init = instance.init();
    if (!init.ok || init.value === null) return;
    state = init.value;
  }
  const messages = inputs?.messages ?? [];
  const started = performance.now();
  for (let round = 0; round < WARM_ROUNDS && performance.now() - started < WARM_BUDGET_MS; round++) {
    // A trapped instance is dead: warming stops there.
    if (!instance.stateContract(state).ok) return;
    for (const message of messages) {
      const allowed = instance.messageContract(message, state);
      if (!allowed.ok) return;
      if (allowed.value && !instance.handle(message, state).ok) return;
    }
  }
}

const { bytes, file, maxMemoryMiB, warmWith } = workerData as LoadWorkerData;
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
await warm(loaded, warmWith).catch(() => {});
parentPort!.postMessage({ kind: 'warmed' } satisfies LoadWorkerResult);
