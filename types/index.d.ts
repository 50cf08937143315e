/// <reference path="./runtime.d.ts" />
/**
 * Types for writing actorchain actors. An actor module exports `actor`, either in the plain
 * form the WIT describes (JSON text in and out) or made by `defineActor` from a typed one.
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
 * The optional migration: export it as `export const migration: Migration = { migrate }` and
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
