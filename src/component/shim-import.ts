/**
 * Importing @bytecodealliance/preview2-shim starts a helper thread at once (its `io/worker-io.js`
 * calls synckit's `createSyncFn`, which constructs a `Worker` for the shim's blocking I/O).
 * The sandbox serves stdin, stdout, stderr, clocks and random itself and gives no files or
 * sockets, so most actors never make a call that needs it; booting it anyway cost 0.13-0.17 s
 * of CPU in every thread that instantiates a component (the actor's worker, its standby, a
 * replay). This import hands the shim a stand-in for its one `Worker` that starts the real
 * thread the first time the shim posts to it (a pollable on the monotonic clock, say), with
 * the same options and listeners.
 */
import { syncBuiltinESMExports } from 'node:module';
import workerThreads, { type WorkerOptions } from 'node:worker_threads';

type Shim = typeof import('@bytecodealliance/preview2-shim/instantiation');

const RealWorker = workerThreads.Worker;
/** The shim's helper, by the name of its bundle (dist/io/worker-thread.bundle.js). */
const SHIM_HELPER = /\/preview2-shim\/dist\/io\/worker-thread\.bundle\.js$/;

/** What synckit does with its worker: listen, unref, post. Anything else starts the thread too. */
class DeferredWorker {
  #worker: InstanceType<typeof RealWorker> | undefined;
  readonly #listeners: Array<[string, (...args: unknown[]) => void]> = [];
  #unref = false;

  readonly #url: URL;
  readonly #options: WorkerOptions;

  constructor(url: URL, options: WorkerOptions) {
    this.#url = url;
    this.#options = options;
  }

  #real(): InstanceType<typeof RealWorker> {
    if (this.#worker) return this.#worker;
    const worker = new RealWorker(this.#url, this.#options);
    for (const [event, listener] of this.#listeners) worker.on(event, listener);
    if (this.#unref) worker.unref();
    this.#worker = worker;
    return worker;
  }

  on(event: string, listener: (...args: unknown[]) => void): this {
    if (this.#worker) this.#worker.on(event, listener);
    else this.#listeners.push([event, listener]);
    return this;
  }

  unref(): void {
    if (this.#worker) this.#worker.unref();
    else this.#unref = true;
  }

  ref(): void {
    this.#real().ref();
  }

  postMessage(message: unknown, transfer?: readonly Transferable[]): void {
    this.#real().postMessage(message, transfer as never);
  }

  terminate(): Promise<number> {
    return this.#worker ? this.#worker.terminate() : Promise.resolve(0);
  }
}

/** Constructs the shim's helper deferred, and any other worker as usual. */
function WorkerDuringImport(url: string | URL, options: WorkerOptions = {}): object {
  const href = url instanceof URL ? url.href : String(url);
  if (SHIM_HELPER.test(href)) return new DeferredWorker(new URL(href), options);
  return new RealWorker(url, options);
}

let imported: Promise<Shim> | undefined;

/** The shim's instantiation module, imported once per thread with its helper thread deferred. */
export function importShim(): Promise<Shim> {
  imported ??= (async () => {
    (workerThreads as { Worker: unknown }).Worker = WorkerDuringImport;
    syncBuiltinESMExports();
    try {
      return await import('@bytecodealliance/preview2-shim/instantiation');
    } finally {
      (workerThreads as { Worker: unknown }).Worker = RealWorker;
      syncBuiltinESMExports();
    }
  })();
  return imported;
}
