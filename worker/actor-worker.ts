/**
 * The actor worker: a thin comlink shell around one instance of the component. It keeps no
 * state between calls (the main thread passes the committed state in every call), so a
 * fresh worker can take over at any time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { runTransition } from '../src/actor/transition.js';
import { instantiateActor } from '../src/component/instance.js';
import { CALL_FUNCTIONS, callClockViews, type ActorWorkerApi, type WorkerData, type WorkerEvent } from '../src/protocol.js';

const data = workerData as WorkerData;
const post = (event: WorkerEvent) => parentPort!.postMessage(event);
const clock = callClockViews(data.callClock);

const instance = instantiateActor(
  data,
  (message) => post({ kind: 'log', message }),
  (fn) => {
    Atomics.store(clock.fn, 0, CALL_FUNCTIONS.indexOf(fn));
    Atomics.store(clock.startedAtMs, 0, BigInt(Date.now()));
  },
);
instance.catch(() => {});
const actor = await instance.catch(() => undefined);

const api: ActorWorkerApi = {
  async ready() {
    try {
      await instance;
      return { ok: true };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  },
  init: () => actor!.init(),
  handle: (message, state) => actor!.handle(message, state),
  stateContract: (state) => actor!.stateContract(state),
  messageContract: (message, state) => actor!.messageContract(message, state),
  transition: (message, state) => runTransition(actor!, message, state, data.allowedSendOrigins),
};

Comlink.expose(api, nodeEndpoint(data.port));
