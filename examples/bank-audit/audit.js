// An append-only audit log: it accepts records and keeps them in order. The bank sends it
// one record per transfer.
//
// state:    {"records": [{"from", "to", "amount"}, ...]}
// messages: {"record": {"from": "<name>", "to": "<name>", "amount": n}}

import { log } from 'ntwk:simple-actor/runtime';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRecord = (r) => isObject(r) && typeof r.from === 'string' && typeof r.to === 'string' && Number.isSafeInteger(r.amount) && r.amount > 0;

export const actor = {
  init: () => JSON.stringify({ records: [] }),

  handle(msgText, stateText) {
    const { record } = JSON.parse(msgText);
    const { records } = JSON.parse(stateText);
    log(`audit: ${record.amount} from ${record.from} to ${record.to}`);
    return JSON.stringify({ records: [...records, { from: record.from, to: record.to, amount: record.amount }] });
  },

  messageContract(msgText) {
    const msg = JSON.parse(msgText);
    return isObject(msg) && Object.keys(msg).length === 1 && isRecord(msg.record);
  },

  stateContract(stateText) {
    const state = JSON.parse(stateText);
    return isObject(state) && Array.isArray(state.records) && state.records.every(isRecord);
  },
};
