// A key-value store, written in the typed form: defineActor parses the JSON that comes in and
// stringifies what goes out, and the contracts are type guards, so handle can trust its
// arguments.
//
// state:    {"entries": {"<key>": <any JSON>, ...}, "version": n}   version counts the writes
// messages: {"set": "<key>", "value": <any JSON>}
//           {"delete": "<key>"}               refused when the key is absent
//           {"set": ..., "value": ..., "ifVersion": n}  refused unless the store is at version n
//                                             (compare-and-set: a client that read version n
//                                             writes only if nobody wrote in between)

import { defineActor, type Json } from 'actorchain';
import { log } from 'ntwk:simple-actor/runtime';

interface State {
  entries: { [key: string]: Json };
  version: number;
}

type Message = { set: string; value: Json; ifVersion?: number } | { delete: string };

/** Keys are short, printable and not empty: they end up in logs and URLs. */
const KEY = /^[\x21-\x7e]{1,128}$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isVersion = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

export const actor = defineActor<State, Message>({
  init: () => ({ entries: {}, version: 0 }),

  handle(msg, state) {
    const entries = { ...state.entries };
    if ('set' in msg) {
      entries[msg.set] = msg.value;
      log(`set ${msg.set}`);
    } else {
      delete entries[msg.delete];
      log(`delete ${msg.delete}`);
    }
    return { entries, version: state.version + 1 };
  },

  messageContract(msg, state): msg is Message {
    if (!isRecord(msg)) return false;
    if (typeof msg.set === 'string') {
      const keys = Object.keys(msg).sort().join(',');
      if (keys !== 'set,value' && keys !== 'ifVersion,set,value') return false;
      if ('ifVersion' in msg && msg.ifVersion !== state.version) return false;
      return KEY.test(msg.set);
    }
    if (typeof msg.delete === 'string') return Object.keys(msg).length === 1 && Object.hasOwn(state.entries, msg.delete);
    return false;
  },

  stateContract(state): state is State {
    return (
      isRecord(state) &&
      isVersion(state.version) &&
      isRecord(state.entries) &&
      Object.keys(state.entries).every((key) => KEY.test(key)) &&
      // Every write bumps the version, so there are never more keys than writes.
      Object.keys(state.entries).length <= state.version
    );
  },
});
