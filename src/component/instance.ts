/**
 * Instantiate a loaded component and wrap its four actor functions so that each call
 * reports a CallOutcome instead of throwing. The worker runs this behind comlink; `verify`
 * runs it in process, where thread hops would cost more than the calls themselves.
 */
import type { ActorFunction, ActorInstance, CallOutcome, InstanceSpec, RawSend } from './calls.js';
import { DirectLink, type DirectActor } from './direct-abi.js';
import { RUNTIME_INTERFACE, TYPES_INTERFACE } from './imports.js';
import type { Tape } from './journal.js';
import { wasiImports } from './wasi-sandbox.js';

interface ActorExports {
  init(): string | Uint8Array;
  handle(message: string | Uint8Array, state: string | Uint8Array): string | Uint8Array;
  stateContract(state: string | Uint8Array): boolean;
  messageContract(message: string | Uint8Array, state: string | Uint8Array): boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** The component's text; null when its bytes are not UTF-8 (a bad result, not a fault). */
function fromComponent(value: string | Uint8Array): string | null {
  if (typeof value === 'string') return value;
  try {
    return utf8.decode(value);
  } catch {
    return null;
  }
}

export interface InstanceHooks {
  log: (message: string) => void;
  /** Hears of each call into the component just before it starts (the worker's timeout clock). */
  onCall?: (fn: ActorFunction) => void;
  /** Journals, or plays back, what the instance observes, from its instantiation on. */
  tape: Tape;
}

export async function instantiateActor(spec: InstanceSpec, { log, onCall = () => {}, tape }: InstanceHooks): Promise<ActorInstance> {
  const memories: WebAssembly.Memory[] = [];
  let sends: RawSend[] = [];
  const runtime = {
    log,
    send(to: string, message: string | Uint8Array): void {
      sends.push({ to, message: fromComponent(message) });
    },
  };
  const { instantiate } = (await import(spec.moduleUrl)) as {
    instantiate(
      getCoreModule: (name: string) => WebAssembly.Module,
      imports: Record<string, unknown>,
      instantiateCore: (module: WebAssembly.Module, imports: WebAssembly.Imports) => Promise<WebAssembly.Instance>,
    ): Promise<Record<string, ActorExports>>;
  };
  const imports = { [RUNTIME_INTERFACE]: runtime, [TYPES_INTERFACE]: {}, ...(await wasiImports(spec.wasiImports, tape)) };
  // Where it is exactly the same, the actor functions are called past the bindings.
  const link = spec.direct ? new DirectLink(spec.direct, spec.encoding, runtime) : undefined;
  const root = await instantiate(
    (name) => spec.modules[name]!,
    imports,
    async (module, moduleImports) => {
      const instance = await WebAssembly.instantiate(module, link ? link.imports(module, moduleImports) : moduleImports);
      link?.instantiated(instance);
      for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.push(value);
      return instance;
    },
  );
  const actor: ActorExports | DirectActor = link?.actor() ?? root[spec.actorExport]!;
  const toComponent = spec.encoding === 'bytes' ? (text: string) => utf8Encoder.encode(text) : (text: string) => text;

  /** A trap with the memory nearly at its limit is reported as running out of memory. */
  const nearMemoryLimit = () => memories.reduce((sum, m) => sum + m.buffer.byteLength, 0) >= spec.maxMemoryBytes * 0.9;

  /** Why the instance died: a trapped instance is never entered again (the bindings refuse it too). */
  let dead: string | undefined;

  function call<T>(fn: ActorFunction, body: () => T): CallOutcome<T> {
    sends = [];
    if (dead !== undefined) return { ok: false, fault: 'trap', message: `the instance trapped before (${dead}) and cannot be entered again`, fn };
    onCall(fn);
    try {
      const value = body();
      return { ok: true, value, sends };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      dead = message;
      if (nearMemoryLimit() || (err instanceof RangeError && /memory/i.test(message))) {
        return { ok: false, fault: 'out-of-memory', message, fn };
      }
      // A JavaScript error thrown through the component (a failed import) kills it as a trap does.
      return { ok: false, fault: 'trap', message, fn };
    }
  }

  /** A state read by the direct path comes with whether its bytes were canonical. */
  const direct = link && actor !== root[spec.actorExport] ? (actor as DirectActor) : undefined;
  const noted = (outcome: CallOutcome<string | null>): CallOutcome<string | null> => {
    if (outcome.ok && direct?.resultCanonical) outcome.canonical = true;
    return outcome;
  };

  return {
    init: () => noted(call('init', () => fromComponent(actor.init()))),
    handle: (message, state) => noted(call('handle', () => fromComponent(actor.handle(toComponent(message), toComponent(state))))),
    stateContract: (state) => call('state-contract', () => actor.stateContract(toComponent(state))),
    messageContract: (message, state) =>
      call('message-contract', () => actor.messageContract(toComponent(message), toComponent(state))),
  };
}
