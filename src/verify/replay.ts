/**
 * Replaying a chain with its component: one instance, called directly (a message round
 * trip per call would cost more than the calls; the whole replay runs in one watched
 * worker instead, see run-verify.ts). Each group is checked the
 * way the runtime decided it: init gives the first state; for a message, message-contract
 * accepts it, handle gives exactly the recorded state and sends, state-contract accepts the
 * state. The first difference is thrown as CHAIN_DIVERGED.
 */
import { payloadText, type CheckedEntry, type PositionUnit } from '../chain/check.js';
import type { MessageData, StateData } from '../chain/entry.js';
import { instantiateActor, type ActorInstance, type InstanceSpec } from '../component/instance.js';
import { ActorchainError } from '../errors.js';
import { canonicalJson, parseCanonical } from '../json/canonical.js';
import type { CallOutcome, RawSend } from '../protocol.js';

const SHOWN_CHARS = 200;

function shorten(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}… (${text.length} chars)` : text;
}

export class Replayer {
  readonly #instance: ActorInstance;
  readonly #unit: PositionUnit;
  /** Canonical text of the state the replay has reached. */
  #state = '';

  private constructor(instance: ActorInstance, unit: PositionUnit) {
    this.#instance = instance;
    this.#unit = unit;
  }

  static async start(spec: InstanceSpec, unit: PositionUnit): Promise<Replayer> {
    // What the component logs while replaying was logged when it ran.
    const instance = await instantiateActor(spec, () => {});
    return new Replayer(instance, unit);
  }

  /** The init state entry (the genesis was checked by the source). */
  init(stateEntry: CheckedEntry): void {
    const produced = this.#call(stateEntry, 'init', this.#instance.init());
    const state = this.#expectState(stateEntry, produced.value, 'init');
    this.#expectValid(stateEntry, state);
    this.#state = state;
  }

  transition(messageEntry: CheckedEntry, stateEntry: CheckedEntry): void {
    const message = payloadText(messageEntry) ?? canonicalJson((messageEntry.data as MessageData).message);
    const allowed = this.#call(messageEntry, 'message-contract', this.#instance.messageContract(message, this.#state));
    if (!allowed.value) throw this.#diverged(messageEntry, 'message-contract refuses this message for the state before it, yet the chain records it');

    const handled = this.#call(stateEntry, 'handle', this.#instance.handle(message, this.#state));
    const state = this.#expectState(stateEntry, handled.value, 'handle');
    this.#expectSends(stateEntry, handled.sends);

    this.#expectValid(stateEntry, state);
    this.#state = state;
  }

  #expectValid(stateEntry: CheckedEntry, state: string): void {
    const valid = this.#call(stateEntry, 'state-contract', this.#instance.stateContract(state));
    if (!valid.value) throw this.#diverged(stateEntry, 'state-contract refuses this state, yet the chain records it');
  }

  /** The canonical text of the state the component returned, when it is the one recorded. */
  #expectState(stateEntry: CheckedEntry, returned: string, by: string): string {
    const recorded = payloadText(stateEntry) ?? canonicalJson((stateEntry.data as StateData).state);
    // Most states come back canonical already: equal text is equal canonical JSON.
    if (returned === recorded) return recorded;
    const parsed = parseCanonical(returned);
    if (!parsed) throw this.#diverged(stateEntry, `${by} returns a state that is not JSON: ${shorten(returned)}`);
    if (parsed.canonical !== recorded) {
      throw this.#diverged(
        stateEntry,
        `the state differs from the replay: expected ${shorten(parsed.canonical)} (what ${by} returns), found ${shorten(recorded)} (what the chain records)`,
      );
    }
    return recorded;
  }

  #expectSends(stateEntry: CheckedEntry, raw: readonly RawSend[]): void {
    const recordedSends = (stateEntry.data as StateData).sends;
    if (raw.length === 0 && recordedSends === undefined) return;
    const sends = raw.map(({ to, message }) => {
      const parsed = message === null ? undefined : parseCanonical(message);
      if (!parsed) throw this.#diverged(stateEntry, `handle sends to ${to} a message that is not JSON, which the runtime never commits`);
      return { to, message: parsed.value };
    });
    const produced = canonicalJson(sends);
    const recorded = canonicalJson(recordedSends ?? []);
    if (produced !== recorded) {
      throw this.#diverged(
        stateEntry,
        `the sends differ from the replay: expected ${shorten(produced)} (what handle sends), found ${shorten(recorded)} (what the chain records)`,
      );
    }
  }

  /** A call's value, or CHAIN_DIVERGED when the component faulted where it once succeeded. */
  #call<T>(entry: CheckedEntry, name: string, outcome: CallOutcome<T>): { value: T; sends: RawSend[] } {
    if (!outcome.ok) throw this.#diverged(entry, `${name} fails on replay (${outcome.fault}: ${outcome.message})`);
    return outcome;
  }

  #diverged(entry: CheckedEntry, what: string): ActorchainError {
    return new ActorchainError('CHAIN_DIVERGED', `${this.#unit} ${entry.position + 1} (hash ${entry.hash}): ${what}`);
  }
}
