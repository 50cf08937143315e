// A to-do list actor. Every message and every state it commits is kept in a hash chain that
// anyone holding the component can replay (`actorchain verify`).
//
// state:    {"items": [{"id": 1, "text": "...", "done": false}, ...], "nextId": 2}
// messages: {"add": "<text>"}       a new item (1 to 200 characters)
//           {"done": <id>}          marks an open item done; refused for unknown or done items
//
// `defineActor` turns this typed actor into the plain one the runtime calls (JSON text in
// and out). The runtime calls, for each message POSTed to it:
//   messageContract(msg, state)  may this message apply now? false answers 422, commits nothing
//   handle(msg, state)           the next state; only ever sees messages the contract accepted
//   stateContract(next)          the invariant every committed state keeps
// Keep handle deterministic: `actorchain verify` replays it and expects the same states.
//
// Changing the code keeps the history: `actorchain dev` upgrades the running actor on every
// save, and `actorchain upgrade` / POST /upgrade do it for a deployed one. The new version takes
// over the state the chain ends with through `migration` (below), checked by stateContract.

import { defineActor, defineMigration } from 'actorchain';
import { log } from 'ntwk:simple-actor/runtime';

interface Item {
  id: number;
  text: string;
  done: boolean;
}

interface State {
  items: Item[];
  nextId: number;
}

type Message = { add: string } | { done: number };

const MAX_TEXT = 200;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0 && v.length <= MAX_TEXT;

export const actor = defineActor<State, Message>({
  init: () => ({ items: [], nextId: 1 }),

  handle(msg, state) {
    if ('add' in msg) {
      log(`add #${state.nextId}`);
      return { items: [...state.items, { id: state.nextId, text: msg.add, done: false }], nextId: state.nextId + 1 };
    }
    log(`done #${msg.done}`);
    return { ...state, items: state.items.map((item) => (item.id === msg.done ? { ...item, done: true } : item)) };
  },

  messageContract(msg, state) {
    if (!isObject(msg) || Object.keys(msg).length !== 1) return false;
    if ('add' in msg) return isText(msg.add);
    if ('done' in msg) return state.items.some((item) => item.id === msg.done && !item.done);
    return false;
  },

  stateContract(state) {
    if (!isObject(state) || !Array.isArray(state.items) || !Number.isSafeInteger(state.nextId)) return false;
    // Ids are unique, ascending and below nextId: no item is ever lost or duplicated.
    let previous = 0;
    for (const item of state.items as unknown[]) {
      if (!isObject(item) || !isText(item.text) || typeof item.done !== 'boolean') return false;
      if (!Number.isSafeInteger(item.id) || (item.id as number) <= previous) return false;
      previous = item.id as number;
    }
    return previous < (state.nextId as number);
  },
});

// When State changes shape, convert the old shape here (type the old one as the first
// parameter): `actorchain replay-check dist/actor.wasm <data dir | url>` then tells, message by
// message, whether the new code would have answered the recorded history the same.
export const migration = defineMigration<State, State>((state) => state);
