/**
 * The vocabulary of calling a component, shared by the instance, the transition, the
 * worker, the supervisor and verify. A leaf: it imports nothing of the project's, so every
 * module can import it without forming a circle.
 */

/** How state and message cross the boundary: JSON text (`string`) or UTF-8 JSON bytes (`list<u8>`). */
export type Encoding = 'string' | 'bytes';

/** The actor functions by their WIT names. */
export type ActorFunction = 'init' | 'handle' | 'state-contract' | 'message-contract';

/** Every actor function, in a fixed order. */
export const ACTOR_FUNCTIONS: readonly ActorFunction[] = ['init', 'handle', 'state-contract', 'message-contract'];

/** A function the runtime calls: an actor function, or the optional `migrate` (the migration interface). */
export type CalledFunction = ActorFunction | 'migrate';

/** Every called function, in a fixed order (the call clock names a function by its index). */
export const CALLED_FUNCTIONS: readonly CalledFunction[] = [...ACTOR_FUNCTIONS, 'migrate'];

/** What a thread needs to instantiate the component (the compiled modules travel by structured clone). */
export interface InstanceSpec {
  moduleUrl: string;
  /** The key the generated code exports the actor interface under. */
  actorExport: string;
  /** The key it exports the migration interface under, when the component has one. */
  migrationExport?: string;
  modules: Record<string, WebAssembly.Module>;
  encoding: Encoding;
  wasiImports: string[];
  maxMemoryBytes: number;
  /** How to call the core functions past the generated bindings, where that is exactly the same (direct-abi.ts). */
  direct: DirectAbi | undefined;
}

/** Core export names of a component callable directly, as its generated bindings use them (direct-abi.ts). */
export interface DirectAbi {
  functions: Record<ActorFunction, { core: string; postReturn: string | undefined }>;
  memory: string;
  realloc: string;
}

/** A send the component made during a call; `message` is null when it was not UTF-8. */
export interface RawSend {
  to: string;
  message: string | null;
}

/**
 * Why a call, or the worker it ran in, had to be abandoned. The instance reports `trap` and
 * `out-of-memory`; the supervisor adds `timeout` and `crash` (the worker died).
 */
export type Fault = 'timeout' | 'trap' | 'out-of-memory' | 'crash';

/** The error code each fault is reported with. */
export const FAULT_CODES = {
  timeout: 'COMPONENT_TIMEOUT',
  trap: 'COMPONENT_TRAP',
  'out-of-memory': 'COMPONENT_OUT_OF_MEMORY',
  crash: 'WORKER_CRASHED',
} as const satisfies Record<Fault, string>;

/**
 * How a component says why, through the `log` host function (the WIT's signatures stay as
 * they are, so any component can, and one that does not is unchanged). A line logged during
 * a call that starts with one of these prefixes is not a log line but a word to the runtime:
 *
 *   log("actorchain:reason <text>")  the reason for the `false` the contract returns next
 *                                     (message-contract: 422 MESSAGE_REJECTED; state-contract:
 *                                     STATE_REJECTED), with `<text>` as the error's "reason"
 *   log("actorchain:refuse <text>")  the message is refused, whatever this call returns
 *                                     (handle, or either contract during a message): 422
 *                                     MESSAGE_REJECTED with "reason", nothing committed
 *
 * The last one logged in a call wins. `defineActor` uses both (types/index.d.ts).
 */
export const REASON_PREFIX = 'actorchain:reason ';
export const REFUSE_PREFIX = 'actorchain:refuse ';

/** The most of a reason or of a fault's detail an answer carries. */
export const REASON_MAX_CHARS = 1000;
export const DETAIL_MAX_CHARS = 2000;

/** What the component said about its own call (see REASON_PREFIX). */
export interface CallWords {
  /** The reason given for a `false` (actorchain:reason). */
  reason?: string;
  /** The message is refused, with this reason (actorchain:refuse). */
  refused?: string;
}

/** One call's result; a returned text is null when the component's bytes were not UTF-8. */
export type CallOutcome<T> =
  /** `canonical`: the returned text is known to be canonical JSON already (its bytes were scanned as they were read). */
  | ({ ok: true; value: T; sends: RawSend[]; canonical?: boolean } & CallWords)
  /** `detail`: what the component wrote to stderr during the call (a JavaScript exception's message and stack), trimmed. */
  | { ok: false; fault: 'trap' | 'out-of-memory'; message: string; fn: CalledFunction; detail?: string };

/** The four functions of one instance, used one call at a time; none throws. */
/** What a replay's handle answers when the result is byte for byte the state the chain records. */
export const SAME_AS_RECORDED = Symbol('same as recorded');

/**
 * The calls a replay makes with UTF-8 bytes it already holds (an entry's message and states,
 * as read), where the instance is called directly (direct-abi.ts): no text is made of them
 * on the way in, nor of a result that is the recorded state on the way out.
 */
export interface ReplayCalls {
  handle(message: Uint8Array, state: Uint8Array, recorded: Uint8Array): CallOutcome<string | null | typeof SAME_AS_RECORDED>;
  stateContract(state: Uint8Array): CallOutcome<boolean>;
  messageContract(message: Uint8Array, state: Uint8Array): CallOutcome<boolean>;
}

export interface ActorInstance {
  init(): CallOutcome<string | null>;
  handle(message: string, state: string): CallOutcome<string | null>;
  stateContract(state: string): CallOutcome<boolean>;
  messageContract(message: string, state: string): CallOutcome<boolean>;
  /** The migration interface's migrate; undefined when the component has none. */
  migrate: ((state: string) => CallOutcome<string | null>) | undefined;
  /** The same calls on bytes, for a replay; undefined unless the instance is called directly. */
  replay?: ReplayCalls;
}
