/**
 * The actor worker: instantiates the component from the modules the main thread compiled,
 * serves its imports (runtime log/send, locked-down WASI), and exposes the four actor
 * functions over comlink. It keeps no state between calls: the main thread passes the
 * committed state in every call, so a fresh worker can take over at any time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { ActorWorkerApi, CallOutcome, RawSend, WorkerData, WorkerEvent } from '../src/protocol.js';
import { ACTOR_INTERFACE, RUNTIME_INTERFACE, TYPES_INTERFACE, unversioned } from '../src/component/imports.js';

interface ActorExports {
  init(): string | Uint8Array;
  handle(message: string | Uint8Array, state: string | Uint8Array): string | Uint8Array;
  stateContract(state: string | Uint8Array): boolean;
  messageContract(message: string | Uint8Array, state: string | Uint8Array): boolean;
}

class NotUtf8Error extends Error {}

const data = workerData as WorkerData;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
const memories: WebAssembly.Memory[] = [];
let sends: RawSend[] = [];

const toComponent = data.encoding === 'bytes' ? (text: string) => utf8Encoder.encode(text) : (text: string) => text;

function fromComponent(value: string | Uint8Array): string {
  if (typeof value === 'string') return value;
  try {
    return utf8.decode(value);
  } catch {
    throw new NotUtf8Error('the component returned bytes that are not UTF-8');
  }
}

function post(event: WorkerEvent): void {
  parentPort!.postMessage(event);
}

const runtime = {
  log(message: string): void {
    post({ kind: 'log', message });
  },
  send(to: string, message: string | Uint8Array): void {
    let text: string | null;
    try {
      text = fromComponent(message);
    } catch {
      text = null;
    }
    sends.push({ to, message: text });
  },
};

async function wasiImports(names: string[]): Promise<Record<string, unknown>> {
  if (names.length === 0) return {};
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  // No preopens, no environment, no arguments, no network: the component gets no ambient authority.
  const shim = new WASIShim({ sandbox: { preopens: {}, env: {}, args: [], enableNetwork: false } });
  const all = shim.getImportObject() as Record<string, Record<string, unknown>>;
  const imports: Record<string, unknown> = {};
  for (const name of names) {
    const base = unversioned(name);
    imports[name] = base === 'wasi:cli/environment' ? { ...all[base], initialCwd: () => undefined } : all[base];
  }
  return imports;
}

async function instantiate(): Promise<ActorExports> {
  const { instantiate } = (await import(data.moduleUrl)) as {
    instantiate(
      getCoreModule: (name: string) => WebAssembly.Module,
      imports: Record<string, unknown>,
      instantiateCore: (module: WebAssembly.Module, imports: WebAssembly.Imports) => Promise<WebAssembly.Instance>,
    ): Promise<Record<string, ActorExports>>;
  };
  const imports = { [RUNTIME_INTERFACE]: runtime, [TYPES_INTERFACE]: {}, ...(await wasiImports(data.wasiImports)) };
  const root = await instantiate(
    (name) => data.modules[name]!,
    imports,
    async (module, moduleImports) => {
      const instance = await WebAssembly.instantiate(module, moduleImports);
      for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.push(value);
      return instance;
    },
  );
  return root[ACTOR_INTERFACE]!;
}

/** A trap with the memory nearly at its limit is reported as running out of memory. */
function nearMemoryLimit(): boolean {
  const used = memories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0);
  return used >= data.maxMemoryBytes * 0.9;
}

function call<T>(body: () => T): CallOutcome<T> {
  sends = [];
  try {
    const value = body();
    return { ok: true, value, sends };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof NotUtf8Error) return { ok: false, fault: 'not-utf8', message };
    if (nearMemoryLimit() || (err instanceof RangeError && /memory/i.test(message))) {
      return { ok: false, fault: 'out-of-memory', message };
    }
    return { ok: false, fault: err instanceof WebAssembly.RuntimeError ? 'trap' : 'error', message };
  }
}

const actorPromise = instantiate();
actorPromise.catch(() => {});
const actor = await actorPromise.catch(() => undefined);

const api: ActorWorkerApi = {
  async ready() {
    try {
      await actorPromise;
      return { ok: true };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  },
  init: () => call(() => fromComponent(actor!.init())),
  handle: (message, state) => call(() => fromComponent(actor!.handle(toComponent(message), toComponent(state)))),
  stateContract: (state) => call(() => actor!.stateContract(toComponent(state))),
  messageContract: (message, state) => call(() => actor!.messageContract(toComponent(message), toComponent(state))),
};

Comlink.expose(api, nodeEndpoint(data.port));
