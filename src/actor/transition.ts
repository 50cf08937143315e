/**
 * The one rule that turns what the component does into a state entry's content, used by
 * `run` (in the worker, so a message costs one round trip) and by `verify` (in process), so
 * verify checks exactly what run commits:
 *
 *   init:    init ─► UTF-8? JSON? ─► state-contract ─► content {state, journal}
 *   message: message-contract ─► handle ─► UTF-8? JSON? ─► sends JSON? allowed?
 *            ─► state-contract ─► content {state, sends, journal}
 *   upgrade: migrate (or the state carried over) ─► no sends? UTF-8? JSON? ─► state-contract
 *            ─► content {state, journal}   (on the new component's instance)
 *
 * Any other outcome is a verdict that commits nothing. The journal is what the instance's
 * tape holds once the content is settled: the recorder's on a run, the player's (checked to
 * be used up) on a replay.
 */
import type { JournalRecord, Send, StateContent } from '../chain/entry.js';
import { SAME_AS_RECORDED, type ActorFunction, type ActorInstance, type CalledFunction, type CallOutcome, type Fault, type ReplayCalls } from '../component/calls.js';
import { ActorchainError } from '../errors.js';
import { parseCanonical } from '../json/canonical.js';
import { httpOrigin, sendAllowed } from './send-policy.js';

/** How much of a state that is not JSON a verdict carries (enough to show in the error). */
export const STATE_SHOWN_CHARS = 80;

export type Verdict =
  | { verdict: 'committable'; content: StateContent }
  /** `fn`: which call refused it; `reason`: what the component said (see REASON_PREFIX in calls.ts). */
  | { verdict: 'message-rejected'; fn: Exclude<ActorFunction, 'init'>; reason?: string }
  /** `text`: the start of what was returned; null when it was not UTF-8. */
  | { verdict: 'state-not-json'; fn: StateFunction; text: string | null }
  | { verdict: 'state-rejected'; fn: StateFunction; state: string; reason?: string }
  | { verdict: 'send-not-json'; to: string }
  | { verdict: 'send-not-allowed'; to: string }
  /** migrate called send: an upgrade sends nothing (its state entry records no sends). */
  | { verdict: 'send-in-migrate'; to: string }
  /** `bytes`: the state's UTF-8 length; `limit`: --max-state. */
  | { verdict: 'state-too-large'; fn: StateFunction; bytes: number; limit: number }
  | { verdict: 'fault'; fault: Extract<Fault, 'trap' | 'out-of-memory'>; fn: CalledFunction; message: string; detail?: string };

/** The calls that produce a state. */
type StateFunction = 'init' | 'handle' | 'migrate';

export interface TransitionInputs {
  /** The entry's journal, taken once its content is settled (see Recorder.take, Player.finish). */
  journal: () => JournalRecord[] | undefined;
  /**
   * Where `send` may reach: the normalized origins allowed (--allow-send), or undefined for
   * anywhere. A replay passes none: what the chain records was allowed when it ran.
   */
  allowedOrigins?: readonly string[];
  /**
   * The largest state, in bytes of its canonical text, that may be committed (--max-state),
   * or undefined for any. A replay passes none: what the chain records was allowed when it ran.
   */
  maxStateBytes?: number;
  /**
   * A replay's test that a returned state text is the one the chain records (which is
   * canonical): such a text is taken as it is, without a scan of its form.
   */
  isRecordedState?: (text: string) => boolean;
}

function faulted(outcome: Extract<CallOutcome<unknown>, { ok: false }>): Verdict {
  const verdict: Verdict = { verdict: 'fault', fault: outcome.fault, fn: outcome.fn, message: outcome.message };
  if (outcome.detail !== undefined) verdict.detail = outcome.detail;
  return verdict;
}

/** The message refused by `fn`, with the reason the component gave, if any. */
function rejected(fn: Exclude<ActorFunction, 'init'>, reason: string | undefined): Verdict {
  return reason === undefined ? { verdict: 'message-rejected', fn } : { verdict: 'message-rejected', fn, reason };
}

/** The state refused, with the reason the component gave, if any. */
function stateRejected(fn: StateFunction, state: string, reason: string | undefined): Verdict {
  return reason === undefined ? { verdict: 'state-rejected', fn, state } : { verdict: 'state-rejected', fn, state, reason };
}

/** The state text as committed (canonical), or the verdict on it. */
function settleState(
  fn: StateFunction,
  returned: string | null,
  canonical: boolean,
  maxStateBytes?: number,
  isRecordedState?: (text: string) => boolean,
): { state: string } | { verdict: Verdict } {
  let state: string;
  if (returned !== null && (canonical || isRecordedState?.(returned) === true)) state = returned;
  else {
    const parsed = returned === null ? undefined : parseCanonical(returned);
    if (!parsed) return { verdict: { verdict: 'state-not-json', fn, text: returned === null ? null : returned.slice(0, STATE_SHOWN_CHARS + 1) } };
    state = parsed.canonical;
  }
  // A UTF-8 text has at least as many bytes as UTF-16 units, and at most three per unit:
  // only a state near the limit is measured.
  if (maxStateBytes !== undefined && state.length * 3 > maxStateBytes) {
    const bytes = Buffer.byteLength(state);
    if (bytes > maxStateBytes) return { verdict: { verdict: 'state-too-large', fn, bytes, limit: maxStateBytes } };
  }
  return { state };
}

export function runInit(instance: ActorInstance, inputs: TransitionInputs): Verdict {
  const init = instance.init();
  if (!init.ok) return faulted(init);
  const settled = settleState('init', init.value, init.canonical === true, inputs.maxStateBytes);
  if ('verdict' in settled) return settled.verdict;
  const valid = instance.stateContract(settled.state);
  if (!valid.ok) return faulted(valid);
  if (valid.refused !== undefined) return stateRejected('init', settled.state, valid.refused);
  if (!valid.value) return stateRejected('init', settled.state, valid.reason);
  return { verdict: 'committable', content: { state: settled.state, sends: [], journal: inputs.journal() } };
}

/**
 * The state a chain upgrading to `instance`'s component continues with: migrate(state) when
 * the component has migrate, else `state` as it is; either way checked by its state-contract.
 */
export function runMigrate(instance: ActorInstance, state: string, inputs: TransitionInputs): Verdict {
  let next = state;
  if (instance.migrate !== undefined) {
    const migrated = instance.migrate(state);
    if (!migrated.ok) return faulted(migrated);
    if (migrated.sends.length > 0) return { verdict: 'send-in-migrate', to: migrated.sends[0]!.to };
    const settled = settleState('migrate', migrated.value, migrated.canonical === true);
    if ('verdict' in settled) return settled.verdict;
    next = settled.state;
  }
  const valid = instance.stateContract(next);
  if (!valid.ok) return faulted(valid);
  if (valid.refused !== undefined) return stateRejected('migrate', next, valid.refused);
  if (!valid.value) return stateRejected('migrate', next, valid.reason);
  return { verdict: 'committable', content: { state: next, sends: [], journal: inputs.journal() } };
}

/** message-contract's verdict when it does not allow the message; undefined when it does. */
function notAllowed(allowed: CallOutcome<boolean>): Verdict | undefined {
  if (!allowed.ok) return faulted(allowed);
  if (allowed.refused !== undefined) return rejected('message-contract', allowed.refused);
  if (!allowed.value) return rejected('message-contract', allowed.reason);
  return undefined;
}

/** state-contract's verdict on the state handle made when it does not accept it; undefined when it does. */
function stateRefused(valid: CallOutcome<boolean>, state: () => string): Verdict | undefined {
  if (!valid.ok) return faulted(valid);
  if (valid.refused !== undefined) return rejected('state-contract', valid.refused);
  if (!valid.value) return stateRejected('handle', state(), valid.reason);
  return undefined;
}

/** From handle's result on: the state settled, the sends checked, state-contract asked. */
function afterHandle(
  handled: Extract<CallOutcome<string | null>, { ok: true }>,
  inputs: TransitionInputs,
  stateContract: (state: string) => CallOutcome<boolean>,
): Verdict {
  if (handled.refused !== undefined) return rejected('handle', handled.refused);
  const settled = settleState('handle', handled.value, handled.canonical === true, inputs.maxStateBytes, inputs.isRecordedState);
  if ('verdict' in settled) return settled.verdict;
  const sends: Send[] = [];
  for (const { to, message: sent } of handled.sends) {
    const parsed = sent === null ? undefined : parseCanonical(sent);
    if (!parsed) return { verdict: 'send-not-json', to };
    if (inputs.allowedOrigins !== undefined && !sendAllowed(to, inputs.allowedOrigins)) return { verdict: 'send-not-allowed', to };
    sends.push({ to, message: parsed.value });
  }
  const refused = stateRefused(stateContract(settled.state), () => settled.state);
  if (refused) return refused;
  return { verdict: 'committable', content: { state: settled.state, sends, journal: inputs.journal() } };
}

export function runMessage(instance: ActorInstance, message: string, state: string, inputs: TransitionInputs): Verdict {
  const refusal = notAllowed(instance.messageContract(message, state));
  if (refusal) return refusal;
  const handled = instance.handle(message, state);
  if (!handled.ok) return faulted(handled);
  return afterHandle(handled, inputs, (next) => instance.stateContract(next));
}

/**
 * runMessage for a replay that holds the message, the state before it and the state the
 * chain records as UTF-8 bytes (bare entries, see verify/replay.ts): the same calls in the
 * same order, given those bytes. SAME_AS_RECORDED when handle returns exactly the recorded
 * state, sends nothing and state-contract accepts it (the journal is the caller's to settle);
 * any other outcome is the verdict runMessage gives.
 */
export function runMessageRecorded(
  calls: ReplayCalls,
  message: Uint8Array,
  state: Uint8Array,
  recorded: Uint8Array,
  inputs: TransitionInputs,
): Verdict | typeof SAME_AS_RECORDED {
  const refusal = notAllowed(calls.messageContract(message, state));
  if (refusal) return refusal;
  const handled = calls.handle(message, state, recorded);
  if (!handled.ok) return faulted(handled);
  const stateContract = (next: string) => calls.stateContract(Buffer.from(next));
  if (handled.value !== SAME_AS_RECORDED) return afterHandle({ ...handled, value: handled.value }, inputs, stateContract);
  const text = () => Buffer.from(recorded.buffer, recorded.byteOffset, recorded.length).toString('utf8');
  if (handled.refused !== undefined || handled.sends.length > 0) return afterHandle({ ...handled, value: text(), canonical: true }, inputs, stateContract);
  return stateRefused(calls.stateContract(recorded), text) ?? SAME_AS_RECORDED;
}

function shown(text: string): string {
  return JSON.stringify(text.length > STATE_SHOWN_CHARS ? `${text.slice(0, STATE_SHOWN_CHARS)}…` : text);
}

/** What the verdict on a state means to the one who asked for it, as an error. */
export function refusal(verdict: Exclude<Verdict, { verdict: 'committable' | 'fault' }>): ActorchainError {
  switch (verdict.verdict) {
    case 'message-rejected': {
      const by = verdict.fn === 'message-contract' ? 'message-contract refused this message for the current state' : `${verdict.fn} refused this message`;
      const message = verdict.reason === undefined ? by : `${by}: ${verdict.reason}`;
      return new ActorchainError('MESSAGE_REJECTED', `${message}; nothing was committed`, { reason: verdict.reason });
    }
    case 'state-not-json': {
      const what = verdict.text === null ? 'a state that is not UTF-8' : `a state that is not JSON: ${shown(verdict.text)}`;
      return new ActorchainError(verdict.fn === 'init' ? 'INIT_STATE_INVALID' : 'STATE_NOT_JSON', `${verdict.fn} returned ${what}`);
    }
    case 'state-rejected': {
      const why = verdict.reason === undefined ? '' : ` (${verdict.reason})`;
      return verdict.fn === 'init'
        ? new ActorchainError('INIT_STATE_INVALID', `state-contract refused the state init returned${why}: ${verdict.state}`, { reason: verdict.reason })
        : new ActorchainError('STATE_REJECTED', `state-contract refused the state handle produced${why}; nothing was committed`, { reason: verdict.reason });
    }
    case 'send-not-json':
      return new ActorchainError('SEND_NOT_JSON', `handle called send to ${verdict.to} with a message that is not JSON`);
    case 'state-too-large':
      return new ActorchainError(
        'STATE_TOO_LARGE',
        `${verdict.fn} produced a state of ${verdict.bytes} bytes, over the ${verdict.limit} byte limit (--max-state); nothing was committed`,
      );
    case 'send-in-migrate': // never: only runMigrate gives it, and upgradeRefusal says it
      return new ActorchainError('UPGRADE_MIGRATE_FAILED', `migrate called send (to ${verdict.to}); an upgrade sends nothing`);
    case 'send-not-allowed': {
      const origin = httpOrigin(verdict.to);
      const fix = origin === undefined ? 'only http and https URLs can be reached' : `start the runtime with --allow-send ${origin} if the actor may reach it`;
      return new ActorchainError('SEND_NOT_ALLOWED', `handle sent to ${verdict.to}, which is not an allowed send target; nothing was committed (${fix})`);
    }
  }
}
