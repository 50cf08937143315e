/**
 * Instantiate a loaded component and wrap its four actor functions so that each call
 * reports a CallOutcome instead of throwing. The worker runs this behind comlink; `verify`
 * runs it in process, where thread hops would cost more than the calls themselves.
 */
import type { CallOutcome, RawSend } from '../protocol.js';
import { RUNTIME_INTERFACE, TYPES_INTERFACE } from './imports.js';
import { wasiImports } from './wasi-sandbox.js';
import type { Encoding } from './interface.js';

interface ActorExports {
  init(): string | Uint8Array;
  handle(message: string | Uint8Array, state: string | Uint8Array): string | Uint8Array;
  stateContract(state: string | Uint8Array): boolean;
  messageContract(message: string | Uint8Array, state: string | Uint8Array): boolean;
}

export interface InstanceSpec {
  moduleUrl: string;
  /** The key the generated code exports the actor interface under. */
  actorExport: string;
  modules: Record<string, WebAssembly.Module>;
  encoding: Encoding;
  wasiImports: string[];
  maxMemoryBytes: number;
}

/** The four functions, each returning a CallOutcome; one instance, used one call at a time. */
export type ActorInstance = {
  init(): CallOutcome<string>;
  handle(message: string, state: string): CallOutcome<string>;
  stateContract(state: string): CallOutcome<boolean>;
  messageContract(message: string, state: string): CallOutcome<boolean>;
};

class NotUtf8Error extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function fromComponent(value: string | Uint8Array): string {
  if (typeof value === 'string') return value;
  try {
    return utf8.decode(value);
  } catch {
    throw new NotUtf8Error('the component returned bytes that are not UTF-8');
  }
}

/** The actor functions by their WIT names, as reported to `onCall`. */
export type ActorFunction = 'init' | 'handle' | 'state-contract' | 'message-contract';

/**
 * `onCall` hears of each call into the component just before it starts (the worker's
 * timeout clock).
 */
export async function instantiateActor(
  spec: InstanceSpec,
  log: (message: string) => void,
  onCall: (fn: ActorFunction) => void = () => {},
): Promise<ActorInstance> {
  const memories: WebAssembly.Memory[] = [];
  let sends: RawSend[] = [];
  const runtime = {
    log,
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
  const { instantiate } = (await import(spec.moduleUrl)) as {
    instantiate(
      getCoreModule: (name: string) => WebAssembly.Module,
      imports: Record<string, unknown>,
      instantiateCore: (module: WebAssembly.Module, imports: WebAssembly.Imports) => Promise<WebAssembly.Instance>,
    ): Promise<Record<string, ActorExports>>;
  };
  const imports = { [RUNTIME_INTERFACE]: runtime, [TYPES_INTERFACE]: {}, ...(await wasiImports(spec.wasiImports)) };
  const root = await instantiate(
    (name) => spec.modules[name]!,
    imports,
    async (module, moduleImports) => {
      const instance = await WebAssembly.instantiate(module, moduleImports);
      for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.push(value);
      return instance;
    },
  );
  const actor = root[spec.actorExport]!;
  const toComponent = spec.encoding === 'bytes' ? (text: string) => utf8Encoder.encode(text) : (text: string) => text;

  /** A trap with the memory nearly at its limit is reported as running out of memory. */
  const nearMemoryLimit = () => memories.reduce((sum, m) => sum + m.buffer.byteLength, 0) >= spec.maxMemoryBytes * 0.9;

  function call<T>(fn: ActorFunction, body: () => T): CallOutcome<T> {
    sends = [];
    onCall(fn);
    try {
      const value = body();
      return { ok: true, value, sends };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof NotUtf8Error) return { ok: false, fault: 'not-utf8', message, fn };
      if (nearMemoryLimit() || (err instanceof RangeError && /memory/i.test(message))) {
        return { ok: false, fault: 'out-of-memory', message, fn };
      }
      return { ok: false, fault: err instanceof WebAssembly.RuntimeError ? 'trap' : 'error', message, fn };
    }
  }

  return {
    init: () => call('init', () => fromComponent(actor.init())),
    handle: (message, state) => call('handle', () => fromComponent(actor.handle(toComponent(message), toComponent(state)))),
    stateContract: (state) => call('state-contract', () => actor.stateContract(toComponent(state))),
    messageContract: (message, state) =>
      call('message-contract', () => actor.messageContract(toComponent(message), toComponent(state))),
  };
}
