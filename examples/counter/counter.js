// A counter in the plain form the WIT describes: every function takes and returns JSON text.
//
// state:    {"count": n}          n is never negative
// messages: {"add": n}            n a whole number; refused if the count would drop below zero
//           {"reset": true}

import { log } from 'ntwk:simple-actor/runtime';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

export const actor = {
  init() {
    return JSON.stringify({ count: 0 });
  },

  // Only ever sees messages messageContract accepted and states stateContract accepted.
  handle(msgText, stateText) {
    const msg = JSON.parse(msgText);
    const { count } = JSON.parse(stateText);
    const next = msg.reset ? 0 : count + msg.add;
    log(`count ${count} -> ${next}`);
    return JSON.stringify({ count: next });
  },

  // Say no here, not in handle: a refused message answers 422 and leaves the chain as it was.
  messageContract(msgText, stateText) {
    const msg = JSON.parse(msgText);
    const { count } = JSON.parse(stateText);
    if (!isObject(msg)) return false;
    if (Object.keys(msg).length !== 1) return false;
    if (msg.reset === true) return true;
    return Number.isSafeInteger(msg.add) && Number.isSafeInteger(count + msg.add) && count + msg.add >= 0;
  },

  // The invariant every committed state must keep, whatever handle does.
  stateContract(stateText) {
    const state = JSON.parse(stateText);
    return isObject(state) && Object.keys(state).length === 1 && Number.isSafeInteger(state.count) && state.count >= 0;
  },
};
