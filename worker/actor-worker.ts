/**
 * The actor's thread (started by supervisor/actor-worker-host.ts; what crosses: protocol.ts):
 * the component's current instance and a spare one, behind comlink's control surface and
 * the data port's message queue. It owns the state the next message meets. An instance is
 * kept only while everything it did was committed; after any other verdict the spare takes
 * over and a new spare is prepared once the answer is on its way, so a refused message does
 * not wait for an instantiation. Each instance has its own journal Recorder: what it reads
 * while it is instantiated waits there for the first entry it commits, which also carries the
 * fresh-instance marker (the init entry does not: replay always starts init on a fresh
 * instance).
 */
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { runInit, runMessage, runMigrate, type TransitionInputs, type Verdict } from '../src/actor/transition.js';
import { CALLED_FUNCTIONS, type ActorInstance } from '../src/component/calls.js';
import { instantiateActor } from '../src/component/instance.js';
import { Recorder } from '../src/component/journal.js';
import { callClockViews, type ActorWorkerApi, type ApplyReply, type ApplyRequest, type ThreadMessage, type WorkerData } from '../src/protocol.js';

const data = workerData as WorkerData;
/** The one data path to the host side (see WorkerData): verdicts and log lines, in the order they happen. */
const post = (message: ThreadMessage) => data.dataPort.postMessage(message);
const clock = callClockViews(data.callClock);
const allowedOrigins = data.allowedOrigins;
const maxStateBytes = data.maxStateBytes;

interface Live {
  instance: ActorInstance;
  recorder: Recorder;
  /** No entry has been committed from this instance yet. */
  fresh: boolean;
}

async function prepare(): Promise<Live> {
  const recorder = new Recorder();
  const instance = await instantiateActor(data, {
    log: (message) => post({ kind: 'log', message }),
    onCall: (fn) => {
      Atomics.store(clock.fn, 0, CALLED_FUNCTIONS.indexOf(fn));
      Atomics.store(clock.startedAtMs, 0, BigInt(Date.now()));
    },
    tape: recorder,
  });
  return { instance, recorder, fresh: true };
}

function quietly(live: Promise<Live>): Promise<Live> {
  live.catch(() => {});
  return live;
}

let current = quietly(prepare());
/**
 * The state of the last committable verdict, or the one the host side sent: the state the
 * next message meets. This thread owns it; the host side only knows whether it is the chain's.
 */
let committedState: string | undefined;
let spare: Promise<Live> | undefined;

/** Between calls (after the answer is posted): have a spare ready for the next refusal. */
function prepareSpare(): void {
  setImmediate(() => {
    spare ??= quietly(prepare());
  });
}

/** Keep the instance after a committable verdict; otherwise its calls touched nothing committed, and it goes. */
function settle(live: Live, verdict: Verdict): Verdict {
  if (verdict.verdict === 'committable') {
    live.fresh = false;
    committedState = verdict.content.state;
  } else {
    current = spare ?? quietly(prepare());
    spare = undefined;
  }
  prepareSpare();
  return verdict;
}

function inputs(live: Live, marker: boolean): TransitionInputs {
  return { journal: () => live.recorder.take(marker && live.fresh), allowedOrigins, maxStateBytes };
}

/** This thread's id in the kernel (Linux: /proc/thread-self is `<pid>/task/<tid>`), if the OS says. */
function kernelThreadId(): number | undefined {
  try {
    const tid = Number(/\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    return Number.isSafeInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** How often `warm` runs its message: enough for the code on the message's path to be compiled. */
const WARM_RUNS = 3;
/** ...unless the runs so far took this long: a slow message is warm after one run (and the worker is not handed messages while it warms). */
const WARM_BUDGET_MS = 20;

const api: ActorWorkerApi = {
  async ready() {
    try {
      await current;
      prepareSpare();
      return { ok: true, thread: kernelThreadId() };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  },
  async init() {
    const live = await current;
    live.recorder.hold();
    return settle(live, runInit(live.instance, inputs(live, false)));
  },
  async warm(message, state) {
    // Its own instance and journal, no clock (nothing is pending on a standby) and no log:
    // nothing of it can reach the chain, the call clock, or the actor's log.
    const instance = await instantiateActor(data, { log: () => {}, onCall: () => {}, tape: new Recorder() });
    const throwaway = { journal: () => undefined, allowedOrigins, maxStateBytes };
    const started = performance.now();
    for (let i = 0; i < WARM_RUNS && performance.now() - started < WARM_BUDGET_MS; i++) {
      if (runMessage(instance, message, state, throwaway).verdict === 'fault') return;
    }
  },
  async migrate(state) {
    const live = await current;
    live.recorder.hold();
    return settle(live, runMigrate(live.instance, state, inputs(live, true)));
  },
};

Comlink.expose(api, nodeEndpoint(parentPort!));

/**
 * Messages queue here as they arrive and are applied back to back, each on the state the one
 * before left (or, after a refusal, the same state on the spare instance): what one-at-a-time
 * calls would do, without waiting for the main thread between them. The answers go back
 * together when the queue is empty, every 8 answers (so the main thread commits and replies
 * while the worker goes on: measured, more throughput and a lower p99 than whole-queue
 * batches), or before the instance is swapped after a verdict that is not committable (the main thread times a message whose earlier answers are still here
 * as the one running, see supervisor/pipeline.ts).
 */
const REPLIES_PER_BATCH = 8;
const requests: ApplyRequest[] = [];
let applying = false;

async function applyQueued(): Promise<void> {
  applying = true;
  let replies: ApplyReply[] = [];
  for (let request = requests.shift(); request !== undefined; request = requests.shift()) {
    const live = await current;
    Atomics.store(clock.request, 0, request.id);
    // A state sent along is the committed one: the messages behind this one continue from it, refused or not.
    if (request.state !== null) committedState = request.state;
    live.recorder.hold();
    const verdict = settle(live, runMessage(live.instance, request.message, committedState!, inputs(live, true)));
    replies.push({ id: request.id, verdict });
    if (verdict.verdict !== 'committable' || requests.length === 0 || replies.length >= REPLIES_PER_BATCH) {
      post({ kind: 'verdicts', replies });
      replies = [];
    }
  }
  applying = false;
}

data.dataPort.on('message', (batch: ApplyRequest[]) => {
  requests.push(...batch);
  if (!applying) void applyQueued();
});
