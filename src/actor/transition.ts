/**
 * What applying one message asks of the component, run where the component lives (the
 * worker) so a message costs one round trip instead of three: message-contract, handle,
 * the new state's canonical form, state-contract. Each call is still bounded on its own:
 * the instance reports every call's start to the worker's call clock.
 */
import type { ActorInstance } from '../component/instance.js';
import { parseCanonical } from '../json/canonical.js';
import type { CallOutcome } from '../protocol.js';
import { firstRefusedSend } from './send-policy.js';

/** How much of a state that is not JSON an error shows (and the worker sends back). */
export const STATE_SHOWN_CHARS = 80;

export type TransitionResult =
  | { verdict: 'message-rejected' }
  /** `text`: the start of what handle returned, enough to show in the error. */
  | { verdict: 'state-not-json'; text: string }
  | { verdict: 'state-rejected' }
  /** handle called send to `to`, whose origin --allow-send does not list. */
  | { verdict: 'send-not-allowed'; to: string }
  /** `state` is the new state's canonical JSON text. */
  | { verdict: 'applied'; state: string };

/**
 * Sends travel in the outcome's `sends`, as `handle` made them. A send to an origin not in
 * `allowedSendOrigins` fails the message here, before anything can be committed.
 */
export function runTransition(
  instance: ActorInstance,
  message: string,
  state: string,
  allowedSendOrigins: readonly string[],
): CallOutcome<TransitionResult> {
  const allowed = instance.messageContract(message, state);
  if (!allowed.ok) return allowed;
  if (!allowed.value) return { ok: true, value: { verdict: 'message-rejected' }, sends: [] };

  const handled = instance.handle(message, state);
  if (!handled.ok) return handled;
  const refused = firstRefusedSend(handled.sends.map((send) => send.to), allowedSendOrigins);
  if (refused !== undefined) return { ok: true, value: { verdict: 'send-not-allowed', to: refused }, sends: [] };
  const next = parseCanonical(handled.value);
  if (!next) return { ok: true, value: { verdict: 'state-not-json', text: handled.value.slice(0, STATE_SHOWN_CHARS + 1) }, sends: [] };

  const valid = instance.stateContract(next.canonical);
  if (!valid.ok) return valid;
  const result: TransitionResult = valid.value ? { verdict: 'applied', state: next.canonical } : { verdict: 'state-rejected' };
  return { ok: true, value: result, sends: handled.sends };
}
