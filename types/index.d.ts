/// <reference path="./runtime.d.ts" />
/**
 * Types for writing actorchain actors. An actor module exports `actor`, either in the plain
 * form the WIT describes (JSON text in and out) or made by `defineActor` from a typed one.
 * At the end, the programmatic API (createRuntime, createMirror), for Node.
 */

/** The plain form: exactly the WIT's `actor` interface, with state and message as JSON text. */
export interface Actor {
  /** The first state, called once when the chain is created. */
  init(): string;
  /** The next state from a message and the current state (both canonical JSON text). */
  handle(msg: string, state: string): string;
  /** Is this state well-formed? Checked on every state before it is committed. */
  stateContract(state: string): boolean;
  /** May this message be applied to this state? Checked before `handle`; false answers 422. */
  messageContract(msg: string, state: string): boolean;
}

/**
 * The optional migration: export it as `export const migration: Migration = { migrate }` (or
 * `migrate` itself as a top-level function, or `export const migrate = defineMigration(…)`) and
 * `actorchain build` gives the component the WIT's `migration` interface
 * (src/wit/actor-migrate.wit). When a chain upgrades to this component (`actorchain upgrade`),
 * the state it takes over is `migrate(the chain's current state)`, checked by `stateContract`;
 * without it the state is carried over as it is.
 */
export interface Migration {
  /** The state this version takes over, from the one the chain ends with (canonical JSON text). */
  migrate(state: string): string;
}

/** A value that survives JSON: what states and messages are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A contract's answer: `true` accepts; `false` refuses; a string refuses and says why, and the
 * runtime's answer carries it as `"reason"` (422 MESSAGE_REJECTED from `messageContract`,
 * 500 STATE_REJECTED from `stateContract`).
 */
export type ContractAnswer = boolean | string;

/**
 * The typed form: objects in and out, JSON done by `defineActor`. The contracts take
 * `unknown` because they are what turns unchecked JSON into a `State` or a `Message`:
 * write them as type guards (`state is State`) and `handle` can trust its arguments, or
 * return a string to say why they refuse.
 *
 * An exception thrown by `handle` or a contract refuses that message: 422 MESSAGE_REJECTED
 * with the exception's message as the reason, nothing committed, the actor serving on. (A
 * plain actor's exception traps the component: 500 COMPONENT_TRAP, counted by the restart
 * budget.) `init` is not guarded: an exception there fails the start.
 */
export interface TypedActor<State, Message> {
  init(): State;
  handle(msg: Message, state: State): State;
  stateContract(state: unknown): ContractAnswer;
  messageContract(msg: unknown, state: State): ContractAnswer;
}

/**
 * The plain `Actor` for a typed one: parses what comes in, stringifies what goes out, and
 * tells the runtime its reasons and refusals through `log` (lines starting with
 * `actorchain:reason ` or `actorchain:refuse `, which the runtime takes as words, not log lines).
 */
export function defineActor<State, Message>(typed: TypedActor<State, Message>): Actor;

/**
 * The plain `Migration` for a typed `migrate`: the state the chain ends with (in the shape the
 * version before this one kept, `From`) parsed, and the state this version takes over (`To`)
 * stringified. Export it as `migration`:
 *
 *   export const migration = defineMigration<OldState, State>((old) => ({ total: old.count }));
 *
 * An exception thrown by `migrate` fails the upgrade (UPGRADE_MIGRATE_FAILED, with the
 * exception's message as the "detail"), and nothing is changed; its result must pass
 * `stateContract` (UPGRADE_STATE_REJECTED otherwise). Calls to `send` during `migrate` are
 * refused (UPGRADE_MIGRATE_FAILED): an upgrade sends nothing.
 */
export function defineMigration<From, To>(migrate: (state: From) => To): Migration;

// ---------------------------------------------------------------------------------------
// The programmatic API (Node only): start a runtime or a mirror in this process, as
// `actorchain run` and `actorchain mirror` do. Their options are the commands' flags under
// camelCase names, in the same units; a bad value is refused as the flag would be
// (ActorchainError INVALID_OPTION, naming the flag).
// ---------------------------------------------------------------------------------------

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The options of createRuntime: those of `actorchain run`. */
export interface RuntimeOptions {
  /** The component: a .wasm file's path, or its bytes (then give dataDir or inMemory). */
  component: string | Uint8Array;
  /** HOST:PORT to listen on (default 127.0.0.1:8080); port 0 picks a free port. */
  listen?: string;
  /** Where the chain is kept (default ./<component name>.actorchain). */
  dataDir?: string;
  /** Keep the chain in memory only. */
  inMemory?: boolean;
  fsync?: 'always' | 'never';
  /** Bytes of chain.ndjson after which its start is sealed (0: never). */
  sealAfter?: number;
  keyFile?: string;
  origin?: string;
  /** Milliseconds, as --timeout. */
  timeout?: number;
  /** Milliseconds, as --init-timeout. */
  initTimeout?: number;
  /** MiB, as --max-memory. */
  maxMemory?: number;
  maxRestarts?: number;
  /** Seconds, as --restart-window. */
  restartWindow?: number;
  maxQueue?: number;
  /** Bytes, as --max-body. */
  maxBody?: number;
  maxConnections?: number;
  /** Milliseconds, as --headers-timeout. */
  headersTimeout?: number;
  /** Milliseconds, as --request-timeout. */
  requestTimeout?: number;
  /** Bytes, as --max-state. */
  maxState?: number;
  /** Default info; logs go to stdout as the CLI's do, or to logDestination. */
  logLevel?: LogLevel;
  logFormat?: 'json' | 'pretty';
  /** Where the log's JSON lines go instead of stdout: each line (with its newline) in one write() call; a writable stream will do. */
  logDestination?: { write(line: string): unknown };
  /** The bearer token POST / needs. */
  token?: string;
  tokenReads?: boolean;
  /** Origins (http(s)://host[:port]) that send may reach. */
  allowSend?: string[];
  /** --send-token: the token deliveries to each allowed origin carry, by origin. */
  sendTokens?: Record<string, string>;
  /** --send-timeout: how long a delivery attempt waits for its target's answer, in ms (default 10000). */
  sendTimeout?: number;
  acceptSendsFrom?: string[];
}

/** The options of createMirror: those of `actorchain mirror`. */
export interface MirrorOptions {
  /**
   * The component the primary's chain started with: a .wasm file's path, or its bytes. Left
   * out, it is fetched from the primary by hash (checked against the hash its genesis names).
   */
  component?: string | Uint8Array;
  /** Component files the chain names (genesis or upgrades), matched by hash: as --component. */
  components?: string[];
  /** The primary runtime's URL (or another mirror's). */
  primary: string;
  /** Where the verified copy is kept (required). */
  dataDir: string;
  /** HOST:PORT to serve the read API on (default 127.0.0.1:8080); port 0 picks a free port. */
  listen?: string;
  fsync?: 'always' | 'never';
  /** Milliseconds, as --timeout. */
  timeout?: number;
  /** MiB, as --max-memory. */
  maxMemory?: number;
  logLevel?: LogLevel;
  /** An object with write(line) (a writable stream will do) that gets the log's JSON lines instead of stdout, as createRuntime's. */
  logDestination?: { write(line: string): unknown };
  /** The primary's token (set in this process's ACTORCHAIN_TOKEN, as --token does). */
  token?: string;
  witness?: boolean;
  witnessName?: string;
  keyFile?: string;
  key?: string;
}

/** How a runtime or a mirror stopped: 0 when closed, 1 when it stopped by itself, with the reason. */
export interface StopOutcome {
  exitCode: 0 | 1;
  reason?: Error & { code: string };
}

/** A runtime (or a mirror) serving in this process. */
export interface Runtime {
  /** The base URL it serves, such as http://127.0.0.1:43117/ (POST / is `url` itself; GET /head is `new URL('head', url)`). */
  url: string;
  /** The hash of the newest durable entry (in memory: the newest committed). */
  head(): string;
  /** Stop as SIGTERM stops the command: the message in flight finished and flushed, the data dir's lock released. */
  close(): Promise<void>;
  /** Settles once it has stopped, closed or by itself. */
  stopped: Promise<StopOutcome>;
}

export type Mirror = Runtime;

/**
 * Start a runtime for one actor, as `actorchain run` does: resolves once it serves HTTP,
 * rejects with the error the command would print (an ActorchainError with its `code`).
 */
export function createRuntime(options: RuntimeOptions): Promise<Runtime>;

/**
 * Start a mirror of a running runtime, as `actorchain mirror` does: resolves once it serves
 * the read API (a new mirror: once it holds the primary's genesis and init).
 */
export function createMirror(options: MirrorOptions): Promise<Mirror>;

/** The options of verifyChain: those of `actorchain verify` (without --follow). */
export interface VerifyOptions {
  /** The component the chain's genesis names (`verify <component> <source>`); left out, the components are taken by hash from `components`, the data dir or the runtime. */
  component?: string;
  /** Component files the chain names (genesis or upgrades), matched by hash: as --component. */
  components?: string[];
  /** MiB, as --max-memory. */
  maxMemory?: number;
  /** Milliseconds, as --timeout: how long the replay may make no progress before it is stopped. */
  timeout?: number;
  /** The chain's verifier key, for a chain whose genesis records none: as --key. */
  key?: string;
}

/** What verifyChain found: what `actorchain verify` prints. */
export interface VerifyResult {
  /** The entries checked and replayed. */
  entries: number;
  /** The hash of the last of them. */
  head: string;
  /** What was checked of the source's signed checkpoint, in the line `verify` prints (`checkpoint: …`). */
  checkpoint: string;
  /** Bytes after the last whole message/state pair (a torn write): not part of the chain, not verified (verify warns of them). */
  tail?: { line: number; bytes: number; reason: string };
}

/**
 * Verify a chain, as `actorchain verify <source>` does: every hash and link checked, every
 * entry replayed with the components it names and compared, and the source's signed checkpoint
 * checked against the replayed entries. `source` is a data dir, a chain .ndjson file or a
 * running runtime's URL. Rejects with the first problem, as the command prints it (an
 * ActorchainError with its `code`: CHAIN_CORRUPT, CHAIN_DIVERGED, CHAIN_EQUIVOCATED, …).
 */
export function verifyChain(source: string, options?: VerifyOptions): Promise<VerifyResult>;
