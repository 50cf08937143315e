/**
 * The runtime half of the `actorchain` package an actor imports: bundled into the actor by
 * `actorchain build`, so it must stay plain JavaScript with no Node imports. Its types are
 * declared in types/index.d.ts, which this implementation is checked against.
 */
import type { Actor, TypedActor, defineActor as Declared } from '../../types/index.js';

export const defineActor: typeof Declared = <State, Message>(typed: TypedActor<State, Message>): Actor => ({
  init: () => JSON.stringify(typed.init()),
  handle: (msg, state) => JSON.stringify(typed.handle(JSON.parse(msg) as Message, JSON.parse(state) as State)),
  stateContract: (state) => typed.stateContract(JSON.parse(state)),
  messageContract: (msg, state) => typed.messageContract(JSON.parse(msg), JSON.parse(state) as State),
});
