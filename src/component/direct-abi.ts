/**
 * Calling a component's core functions directly, past jco's generated bindings.
 *
 * jco 1.35 wraps every call across the component boundary, both ways, in the bookkeeping of
 * the component model's async tasks: a task object, a subtask per import, global "current
 * task" tables. For an actor whose calls are small, that is nine tenths of a call's cost
 * (`verify` spent most of its time there). The canonical ABI of this world is simple: every
 * parameter is a string or a list<u8> (a pointer and a length, written through the
 * component's `cabi_realloc`), every result a string, a list<u8> or a bool, and a string
 * result comes back through a return area that the post-return function releases.
 *
 * The direct path is taken only where it is exactly what the bindings would do:
 *  - the component imports nothing but the runtime interface (log, send): with WASI imports
 *    the generated trampolines must run, and they need the task the bindings set up, so a
 *    component with WASI imports (componentize-js, wasm32-wasip2 builds) keeps the bindings;
 *  - one memory and one realloc, both taken from the core instance that exports the four
 *    actor functions, which is also the one that imports the runtime interface;
 *  - UTF-8 strings throughout;
 *  - every post-return function is the one named after its function.
 * What the generated code says is the ground truth, read once when a component is transpiled
 * (`analyzeBindings` in bindings-analysis.ts); anything else gives undefined, and the bindings are used.
 *
 * It does what the bindings do, in the same order, with the same allocations (a string of
 * length 0 is passed as pointer 1 without calling realloc; a list<u8> always calls it), so a
 * component cannot tell the two apart and a chain written with one replays with the other.
 */
import { ACTOR_FUNCTIONS, SAME_AS_RECORDED, type ActorFunction, type DirectAbi, type Encoding } from './calls.js';
import { RUNTIME_INTERFACE, unversioned } from './imports.js';
import { isCanonicalJsonBytes } from '../json/canonical-scan.js';

/** What the direct path needs of the host: the runtime interface, lifted. */
export interface DirectHost {
  log(message: string): void;
  /** `message` is the text (string encoding) or the bytes (list<u8>), as the bindings would give it. */
  send(to: string, message: string | Uint8Array): void;
}

/** The four functions called directly; each throws as the bindings' would (a trap, an invalid bool). */
export interface DirectActor {
  /**
   * Whether the last result of init or handle is canonical JSON: its bytes are scanned where
   * they lie in the component's memory, cheaper than scanning the text after decoding it.
   */
  readonly resultCanonical: boolean;
  init(): string | Uint8Array;
  handle(message: string | Uint8Array, state: string | Uint8Array): string | Uint8Array;
  /**
   * handle, for a replay that knows the state the chain records: SAME_AS_RECORDED when the
   * result is byte for byte `recorded` (then it is neither copied nor decoded).
   */
  handleRecorded(message: Uint8Array, state: Uint8Array, recorded: Uint8Array): string | Uint8Array | typeof SAME_AS_RECORDED;
  stateContract(state: string | Uint8Array): boolean;
  messageContract(message: string | Uint8Array, state: string | Uint8Array): boolean;
}

type CoreFunction = (...args: number[]) => number;

// The bindings decode strings with a decoder that replaces bad bytes; so does this path.
const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/**
 * Hooks into the core instantiation of one instance of the component: `imports` replaces
 * the runtime imports of the module that exports the actor functions with direct ones,
 * `instantiated` takes its exports. `actor()` is the direct actor once that module was seen,
 * or undefined (the bindings must then be used).
 */
export class DirectLink {
  readonly #abi: DirectAbi;
  readonly #encoding: Encoding;
  readonly #host: DirectHost;
  #exports: WebAssembly.Exports | undefined;
  /** The actor module was instantiated with the direct runtime imports. */
  #linked = false;
  /** Some other module imports the runtime: its imports need the bindings' tasks. */
  #blocked = false;

  constructor(abi: DirectAbi, encoding: Encoding, host: DirectHost) {
    this.#abi = abi;
    this.#encoding = encoding;
    this.#host = host;
  }

  /** The imports to instantiate `module` with: the runtime's replaced when it is the actor module. */
  imports(module: WebAssembly.Module, imports: WebAssembly.Imports | undefined): WebAssembly.Imports | undefined {
    const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    const isActor = ACTOR_FUNCTIONS.every((fn) => exported.has(this.#abi.functions[fn].core)) && exported.has(this.#abi.memory);
    if (!isActor) {
      // The runtime's imports must be served by the actor module, or the bindings' would be needed.
      if (WebAssembly.Module.imports(module).some((i) => unversioned(i.module) === RUNTIME_INTERFACE)) this.#blocked = true;
      return imports;
    }
    const replaced: WebAssembly.Imports = { ...imports };
    for (const { module: name, name: field, kind } of WebAssembly.Module.imports(module)) {
      if (unversioned(name) !== RUNTIME_INTERFACE) continue;
      if (kind !== 'function' || (field !== 'log' && field !== 'send')) {
        this.#blocked = true;
        return imports;
      }
      replaced[name] = { ...replaced[name], [field]: field === 'log' ? this.#log : this.#send };
    }
    this.#linked = true;
    return replaced;
  }

  instantiated(instance: WebAssembly.Instance): void {
    if (this.#abi.functions.handle.core in instance.exports) this.#exports = instance.exports;
  }

  #memory(): WebAssembly.Memory {
    return this.#exports![this.#abi.memory] as WebAssembly.Memory;
  }

  #text(ptr: number, len: number): string {
    return textDecoder.decode(new Uint8Array(this.#memory().buffer, ptr, len));
  }

  readonly #log = (ptr: number, len: number): void => {
    this.#host.log(this.#text(ptr, len));
  };

  readonly #send = (toPtr: number, toLen: number, messagePtr: number, messageLen: number): void => {
    const to = this.#text(toPtr, toLen);
    const message = this.#encoding === 'bytes' ? new Uint8Array(this.#memory().buffer.slice(messagePtr, messagePtr + messageLen)) : this.#text(messagePtr, messageLen);
    this.#host.send(to, message);
  };

  /** The direct actor, or undefined when this instance cannot be called directly. */
  actor(): DirectActor | undefined {
    if (!this.#linked || this.#blocked || !this.#exports) return undefined;
    const exports = this.#exports;
    const memory = this.#memory();
    const realloc = exports[this.#abi.realloc] as CoreFunction;
    const core = (fn: ActorFunction) => exports[this.#abi.functions[fn].core] as CoreFunction;
    const post = (fn: ActorFunction) => {
      const name = this.#abi.functions[fn].postReturn;
      return name === undefined ? undefined : (exports[name] as CoreFunction);
    };
    const bytes = this.#encoding === 'bytes';

    /** Writes one argument into the component's memory; [pointer, length]. */
    const lower = (value: string | Uint8Array): [number, number] => {
      if (typeof value === 'string') {
        if (value.length === 0) return [1, 0];
        const len = Buffer.byteLength(value, 'utf8');
        const ptr = realloc(0, 0, 1, len);
        textEncoder.encodeInto(value, new Uint8Array(memory.buffer, ptr, len));
        return [ptr, len];
      }
      const ptr = realloc(0, 0, 1, value.byteLength);
      new Uint8Array(memory.buffer, ptr, value.byteLength).set(value);
      return [ptr, value.byteLength];
    };
    let resultCanonical = false;
    /** Reads a string or list<u8> result (a state) from its return area. */
    const lift = (area: number, recorded?: Uint8Array): string | Uint8Array | typeof SAME_AS_RECORDED => {
      const view = new DataView(memory.buffer);
      const ptr = view.getUint32(area, true);
      const len = view.getUint32(area + 4, true);
      const result = new Uint8Array(memory.buffer, ptr, len);
      if (recorded !== undefined && len === recorded.length && Buffer.from(memory.buffer, ptr, len).equals(recorded)) return SAME_AS_RECORDED;
      resultCanonical = isCanonicalJsonBytes(result);
      return bytes ? result.slice() : textDecoder.decode(result);
    };
    const bool = (value: number): boolean => {
      if (value === 0) return false;
      if (value === 1) return true;
      throw new TypeError('invalid variant discriminant for bool');
    };
    const returning = (fn: ActorFunction, area: number, recorded?: Uint8Array): string | Uint8Array | typeof SAME_AS_RECORDED => {
      const value = lift(area, recorded);
      post(fn)?.(area);
      return value;
    };
    const deciding = (fn: ActorFunction, result: number): boolean => {
      const value = bool(result);
      post(fn)?.(result);
      return value;
    };
    const init = core('init');
    const handle = core('handle');
    const stateContract = core('state-contract');
    const messageContract = core('message-contract');
    return {
      get resultCanonical() {
        return resultCanonical;
      },
      init: () => returning('init', init()) as string | Uint8Array,
      handle: (message, state) => {
        const [mp, ml] = lower(message);
        const [sp, sl] = lower(state);
        return returning('handle', handle(mp, ml, sp, sl)) as string | Uint8Array;
      },
      handleRecorded: (message, state, recorded) => {
        const [mp, ml] = lower(message);
        const [sp, sl] = lower(state);
        return returning('handle', handle(mp, ml, sp, sl), recorded);
      },
      stateContract: (state) => {
        const [sp, sl] = lower(state);
        return deciding('state-contract', stateContract(sp, sl));
      },
      messageContract: (message, state) => {
        const [mp, ml] = lower(message);
        const [sp, sl] = lower(state);
        return deciding('message-contract', messageContract(mp, ml, sp, sl));
      },
    };
  }
}
