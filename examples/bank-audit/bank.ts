// A bank that tells an audit log about every transfer, through `send`. The runtime records
// the send in the state entry that `handle` produced and delivers it (a POST to the audit
// log's runtime) only once that entry is committed: a transfer the chain does not hold is
// never audited.
//
// state:    {"accounts": {"<name>": balance, ...}, "audit": "<URL of the audit log>" | null}
// messages: {"audit": "<URL>"}          once: where transfers are reported (init takes no
//                                       arguments, so configuration arrives as a message)
//           {"open": "<name>"}
//           {"deposit": {"to": "<name>", "amount": n}}
//           {"transfer": {"from": "<name>", "to": "<name>", "amount": n}}
// Refused (422): unknown accounts, amounts that are not positive whole numbers, overdrafts,
// and transfers before an audit log is set: this bank moves no money it cannot report.

import { defineActor } from 'actorchain';
import { send } from 'ntwk:simple-actor/runtime';

interface State {
  accounts: Record<string, number>;
  audit: string | null;
}

type Message = { audit: string } | { open: string } | { deposit: { to: string; amount: number } } | { transfer: { from: string; to: string; amount: number } };

const isRecord = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isAmount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isUrl = (v: unknown): v is string => typeof v === 'string' && /^https?:\/\/\S+$/.test(v);

export const actor = defineActor<State, Message>({
  init: () => ({ accounts: {}, audit: null }),

  handle(msg, state) {
    const { accounts } = state;
    if ('audit' in msg) return { ...state, audit: msg.audit };
    if ('open' in msg) return { ...state, accounts: { ...accounts, [msg.open]: 0 } };
    if ('deposit' in msg) {
      const { to, amount } = msg.deposit;
      return { ...state, accounts: { ...accounts, [to]: accounts[to]! + amount } };
    }
    const { from, to, amount } = msg.transfer;
    send(state.audit!, JSON.stringify({ record: { from, to, amount } }));
    return { ...state, accounts: { ...accounts, [from]: accounts[from]! - amount, [to]: accounts[to]! + amount } };
  },

  messageContract(msg, { accounts, audit }) {
    if (!isRecord(msg) || Object.keys(msg).length !== 1) return false;
    const known = (name: unknown) => typeof name === 'string' && Object.hasOwn(accounts, name);
    if ('audit' in msg) return audit === null && isUrl(msg.audit);
    if (typeof msg.open === 'string') return msg.open.length > 0 && !known(msg.open);
    if (isRecord(msg.deposit)) return known(msg.deposit.to) && isAmount(msg.deposit.amount);
    if (isRecord(msg.transfer)) {
      const { from, to, amount } = msg.transfer;
      return audit !== null && known(from) && known(to) && from !== to && isAmount(amount) && accounts[from]! >= amount;
    }
    return false;
  },

  // No account is ever overdrawn.
  stateContract(state) {
    return (
      isRecord(state) &&
      (state.audit === null || isUrl(state.audit)) &&
      isRecord(state.accounts) &&
      Object.values(state.accounts).every((balance) => Number.isSafeInteger(balance) && balance >= 0)
    );
  },
});
