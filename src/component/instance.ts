/**
 * Instantiate a loaded component and wrap its four actor functions so that each call
 * reports a CallOutcome instead of throwing. The worker runs this behind comlink; `verify`
 * runs it in process, where thread hops would cost more than the calls themselves.
 */
import {
  DETAIL_MAX_CHARS,
  REASON_MAX_CHARS,
  REASON_PREFIX,
  REFUSE_PREFIX,
  SAME_AS_RECORDED,
  type ActorInstance,
  type CalledFunction,
  type CallOutcome,
  type CallWords,
  type InstanceSpec,
  type RawSend,
} from './calls.js';
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

/** At most `max` characters of `text`, trimmed, the end kept (where an error's last words are). */
export function trimmed(text: string, max: number): string {
  const t = text.trim();
  return t.length > max ? `…${t.slice(t.length - max + 1)}` : t;
}

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
  /** Where the component's stdout and stderr go (they are also kept for a trap's detail); the process's own by default. */
  output?: (stream: 'stdout' | 'stderr', bytes: Uint8Array) => void;
  /** Hears of each call into the component just before it starts (the worker's timeout clock). */
  onCall?: (fn: CalledFunction) => void;
  /** Journals, or plays back, what the instance observes, from its instantiation on. */
  tape: Tape;
}

const toProcess = (stream: 'stdout' | 'stderr', bytes: Uint8Array) => void process[stream].write(bytes);

export async function instantiateActor(spec: InstanceSpec, { log, output = toProcess, onCall = () => {}, tape }: InstanceHooks): Promise<ActorInstance> {
  const memories: WebAssembly.Memory[] = [];
  let sends: RawSend[] = [];
  /** What the component said about the call in progress, and what it wrote to stderr during it. */
  let words: CallWords = {};
  let stderr: Uint8Array[] = [];
  let stderrBytes = 0;
  const runtime = {
    log(message: string): void {
      if (message.startsWith(REFUSE_PREFIX)) words.refused = trimmed(message.slice(REFUSE_PREFIX.length), REASON_MAX_CHARS);
      else if (message.startsWith(REASON_PREFIX)) words.reason = trimmed(message.slice(REASON_PREFIX.length), REASON_MAX_CHARS);
      else log(message);
    },
    send(to: string, message: string | Uint8Array): void {
      sends.push({ to, message: fromComponent(message) });
    },
  };
  const { instantiate } = (await import(spec.moduleUrl)) as {
    instantiate(
      getCoreModule: (name: string) => WebAssembly.Module,
      imports: Record<string, unknown>,
      instantiateCore: (module: WebAssembly.Module, imports: WebAssembly.Imports) => Promise<WebAssembly.Instance>,
    ): Promise<Record<string, unknown>>;
  };
  const keepOutput = (stream: 'stdout' | 'stderr', bytes: Uint8Array) => {
    // Only the end of a long stream is shown: keep a little over that much.
    if (stream === 'stderr') {
      stderr.push(bytes.slice());
      stderrBytes += bytes.length;
      while (stderrBytes - stderr[0]!.length > DETAIL_MAX_CHARS * 4) stderrBytes -= stderr.shift()!.length;
    }
    output(stream, bytes);
  };
  const imports = { [RUNTIME_INTERFACE]: runtime, [TYPES_INTERFACE]: {}, ...(await wasiImports(spec.wasiImports, tape, keepOutput)) };
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
  const actor: ActorExports | DirectActor = link?.actor() ?? (root[spec.actorExport] as ActorExports);
  const migration = spec.migrationExport === undefined ? undefined : (root[spec.migrationExport] as { migrate(state: string | Uint8Array): string | Uint8Array });
  const toComponent = spec.encoding === 'bytes' ? (text: string) => utf8Encoder.encode(text) : (text: string) => text;

  /** A trap with the memory nearly at its limit is reported as running out of memory. */
  const nearMemoryLimit = () => memories.reduce((sum, m) => sum + m.buffer.byteLength, 0) >= spec.maxMemoryBytes * 0.9;

  /** Why the instance died: a trapped instance is never entered again (the bindings refuse it too). */
  let dead: string | undefined;

  /** What the component wrote to stderr during the call, trimmed; undefined for nothing. */
  const stderrText = (): string | undefined => {
    if (stderrBytes === 0) return undefined;
    const text = trimmed(Buffer.concat(stderr).toString('utf8'), DETAIL_MAX_CHARS);
    return text === '' ? undefined : text;
  };

  function call<T>(fn: CalledFunction, body: () => T): CallOutcome<T> {
    sends = [];
    words = {};
    stderr = [];
    stderrBytes = 0;
    if (dead !== undefined) return { ok: false, fault: 'trap', message: `the instance trapped before (${dead}) and cannot be entered again`, fn };
    onCall(fn);
    try {
      const value = body();
      return { ok: true, value, sends, ...words };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      dead = message;
      const detail = stderrText();
      const outcome = { ok: false as const, message, fn, ...(detail === undefined ? {} : { detail }) };
      if (nearMemoryLimit() || (err instanceof RangeError && /memory/i.test(message))) {
        return { ...outcome, fault: 'out-of-memory' };
      }
      // A JavaScript error thrown through the component (a failed import) kills it as a trap does.
      return { ...outcome, fault: 'trap' };
    }
  }

  /** A state read by the direct path comes with whether its bytes were canonical. */
  const direct = link && actor !== root[spec.actorExport] ? (actor as DirectActor) : undefined;
  const noted = <T>(outcome: CallOutcome<T>): CallOutcome<T> => {
    if (outcome.ok && direct?.resultCanonical) outcome.canonical = true;
    return outcome;
  };

  return {
    init: () => noted(call('init', () => fromComponent(actor.init()))),
    handle: (message, state) => noted(call('handle', () => fromComponent(actor.handle(toComponent(message), toComponent(state))))),
    stateContract: (state) => call('state-contract', () => actor.stateContract(toComponent(state))),
    messageContract: (message, state) => call('message-contract', () => actor.messageContract(toComponent(message), toComponent(state))),
    migrate: migration && ((state) => call('migrate', () => fromComponent(migration.migrate(toComponent(state))))),
    // UTF-8 bytes are what the direct path writes for a text in either encoding.
    replay: direct && {
      handle: (message, state, recorded) =>
        noted(
          call('handle', () => {
            const value = direct.handleRecorded(message, state, recorded);
            return value === SAME_AS_RECORDED ? value : fromComponent(value);
          }),
        ),
      stateContract: (state) => call('state-contract', () => direct.stateContract(state)),
      messageContract: (message, state) => call('message-contract', () => direct.messageContract(message, state)),
    },
  };
}
