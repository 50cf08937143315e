/**
 * The runtime half of the `actorchain` package an actor imports: bundled into the actor by
 * `actorchain build`, so it must stay plain JavaScript with no Node imports. Its types are
 * declared in types/index.d.ts, which this implementation is checked against.
 *
 * Reasons and refusals reach the runtime through `log`, by the convention of
 * src/component/calls.ts (REASON_PREFIX, REFUSE_PREFIX): the WIT's signatures stay as they are.
 */
import { log } from 'ntwk:simple-actor/runtime';
import type { Actor, ContractAnswer, Migration, TypedActor, defineActor as Declared, defineMigration as DeclaredMigration } from '../../types/index.js';

const REASON = 'actorchain:reason ';
const REFUSE = 'actorchain:refuse ';

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
}

/** A contract's answer as the WIT's bool, with a string's reason told to the runtime. */
function answered(answer: ContractAnswer): boolean {
  if (typeof answer !== 'string') return answer === true;
  if (answer !== '') log(REASON + answer);
  return false;
}

/** Run `body`; an exception refuses the message (the runtime answers 422 with its message as the reason). */
function guarded<T>(body: () => T, refused: T): T {
  try {
    return body();
  } catch (err) {
    log(REFUSE + errorText(err));
    return refused;
  }
}

export const defineActor: typeof Declared = <State, Message>(typed: TypedActor<State, Message>): Actor => ({
  init: () => JSON.stringify(typed.init()),
  handle: (msg, state) =>
    guarded(() => {
      const next = JSON.stringify(typed.handle(JSON.parse(msg) as Message, JSON.parse(state) as State));
      if (typeof next !== 'string') throw new Error('handle returned no state (undefined or a function)');
      return next;
    }, state),
  stateContract: (state) => guarded(() => answered(typed.stateContract(JSON.parse(state))), false),
  messageContract: (msg, state) => guarded(() => answered(typed.messageContract(JSON.parse(msg), JSON.parse(state) as State)), false),
});

export const defineMigration: typeof DeclaredMigration = <From, To>(migrate: (state: From) => To): Migration => ({
  migrate: (state) => {
    const next = JSON.stringify(migrate(JSON.parse(state) as From));
    if (typeof next !== 'string') throw new Error('migrate returned no state (undefined or a function)');
    return next;
  },
});
