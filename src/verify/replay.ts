/**
 * Replaying a chain with its component, one group at a time, through the same transition
 * `run` uses (actor/transition.ts), with the journal played back instead of recorded. The
 * content the replay computes is sealed as `run` would have sealed it and must give the
 * entry's exact text; the first difference is thrown as CHAIN_DIVERGED.
 *
 * Components: the genesis names the first, each upgrade the next (found by hash, see
 * component-source.ts). An upgrade group replays the new component's migration (runMigrate,
 * as `run` and `actorchain upgrade` made it) on a fresh instance of it, and the groups after
 * it continue that instance. A divergence names the component in use.
 *
 * Instances: the init group, and every group whose journal starts with the fresh-instance
 * marker, runs on a fresh instance, as it did live; every other group continues the
 * instance before it. Calls are direct (a message round trip per call would cost more than
 * the calls; the whole replay runs in one watched worker instead, see run-verify.ts).
 */
import { barePayload, isBareStateOf, journalOf, payloadText, type CheckedEntry, type EntryGroup, type PositionUnit } from '../chain/check.js';
import { canonicalEntryText, stateMembers, type GenesisData, type MessageData, type StateContent, type StateData, type UpgradeData } from '../chain/entry.js';
import { runInit, runMessage, runMessageRecorded, runMigrate, type Verdict } from '../actor/transition.js';
import { SAME_AS_RECORDED, type ActorInstance, type InstanceSpec } from '../component/calls.js';
import { instantiateActor } from '../component/instance.js';
import { Player } from '../component/journal-player.js';
import { ActorchainError } from '../errors.js';
import { canonicalJson } from '../json/canonical.js';
import type { ComponentResolver } from './component-source.js';

const SHOWN_CHARS = 200;

function shorten(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}… (${text.length} chars)` : text;
}

/** What made the state a state entry is checked against: a function of the component, or an upgrade to a component with no migrate. */
type MadeBy = 'init' | 'handle' | 'migrate' | 'carried over';

export class Replayer {
  readonly #resolve: ComponentResolver;
  readonly #unit: PositionUnit;
  /** The component in use (the genesis', then each upgrade's) and its hash. */
  #spec: InstanceSpec | undefined;
  #component = '';
  readonly #player = new Player();
  #instance: ActorInstance | undefined;
  /**
   * The chain was written before journals (its init state has none): an entry without a
   * journal is replayed reading the host's clocks and generator, as verify did then. An entry
   * with one is always played strictly.
   */
  #beforeJournals = false;
  /** The state the replay has reached: its canonical text, or its UTF-8 bytes as a bare entry holds them. */
  #state: string | Buffer = '';

  /** Components are found as the chain names them, the first by its genesis. */
  constructor(resolve: ComponentResolver, unit: PositionUnit) {
    this.#resolve = resolve;
    this.#unit = unit;
  }

  /** One whole group: [genesis, init state], [message, state] or [upgrade, state]. */
  async replayGroup([first, state]: EntryGroup): Promise<void> {
    if (first.kind === 'genesis') {
      await this.#use(first, (first.data as GenesisData)['component-hash']);
      return this.init(state);
    }
    if (first.kind === 'upgrade') {
      await this.#use(first, (first.data as UpgradeData).upgrade['component-hash']);
      return this.upgrade(first, state);
    }
    return this.transition(first, state);
  }

  async #use(entry: CheckedEntry, hash: string): Promise<void> {
    this.#spec = await this.#resolve(hash, `${this.#unit} ${entry.position + 1} (hash ${entry.hash})`);
    this.#component = hash;
  }

  /** The init state entry (the genesis was checked by the source). */
  async init(stateEntry: CheckedEntry): Promise<void> {
    const journal = journalOf(stateEntry);
    this.#beforeJournals = journal === undefined;
    this.#player.load(journal, this.#beforeJournals);
    const instance = await this.#freshInstance(stateEntry);
    const verdict = runInit(instance, { journal: () => this.#player.finish() });
    this.#expect(stateEntry, stateEntry, verdict, 'init');
  }

  /** The state reached, as text (decoded once when it is held as bytes). */
  #stateText(): string {
    if (typeof this.#state !== 'string') this.#state = this.#state.toString('utf8');
    return this.#state;
  }

  async transition(messageEntry: CheckedEntry, stateEntry: CheckedEntry): Promise<void> {
    const fresh = this.#player.load(journalOf(stateEntry), this.#beforeJournals);
    // A chain made before journals has no markers: it replays on one instance, as it did then.
    const instance = fresh || this.#instance === undefined ? await this.#freshInstance(stateEntry) : this.#instance;
    // Two bare entries, on an instance called directly: their bytes go in as they were read,
    // and a result that is the recorded state is compared where it lies, not decoded.
    const message = instance.replay && barePayload(messageEntry);
    const recorded = message && barePayload(stateEntry);
    if (recorded) {
      const state = typeof this.#state === 'string' ? Buffer.from(this.#state) : this.#state;
      let verdict = runMessageRecorded(instance.replay!, message, state, recorded, { journal: () => this.#player.finish() });
      if (verdict === SAME_AS_RECORDED) {
        const journal = this.#player.finish();
        if (journal === undefined && !this.#player.divergence) {
          this.#state = recorded;
          return;
        }
        verdict = { verdict: 'committable', content: { state: recorded.toString('utf8'), sends: [], journal } };
      }
      return this.#expect(messageEntry, stateEntry, verdict, 'handle');
    }
    return this.#transitionText(instance, messageEntry, stateEntry);
  }

  #transitionText(instance: ActorInstance, messageEntry: CheckedEntry, stateEntry: CheckedEntry): void {
    const message = payloadText(messageEntry) ?? canonicalJson((messageEntry.data as MessageData).message);
    // A bare state entry that is byte for byte the state handle returns needs no other check.
    let recorded = false;
    const isRecordedState = (text: string) => (recorded = isBareStateOf(stateEntry, text));
    const verdict = runMessage(instance, message, this.#stateText(), { journal: () => this.#player.finish(), isRecordedState });
    this.#expect(messageEntry, stateEntry, verdict, 'handle', recorded);
  }

  /** The state an upgrade hands over: the new component's migration, on a fresh instance of it. */
  async upgrade(upgradeEntry: CheckedEntry, stateEntry: CheckedEntry): Promise<void> {
    this.#player.load(journalOf(stateEntry), false);
    const instance = await this.#freshInstance(stateEntry);
    const verdict = runMigrate(instance, this.#stateText(), { journal: () => this.#player.finish() });
    this.#expect(upgradeEntry, stateEntry, verdict, instance.migrate === undefined ? 'carried over' : 'migrate');
  }

  async #freshInstance(stateEntry: CheckedEntry): Promise<ActorInstance> {
    // What the component logs while replaying was logged when it ran.
    try {
      this.#instance = await instantiateActor(this.#spec!, { log: () => {}, tape: this.#player });
    } catch (err) {
      const divergence = this.#player.divergence;
      if (divergence) throw this.#diverged(stateEntry, `being instantiated, the component ${divergence.message}`);
      throw err;
    }
    return this.#instance;
  }

  /** The verdict must be the content the state entry holds, sealed the same way. */
  #expect(first: CheckedEntry, stateEntry: CheckedEntry, verdict: Verdict, by: MadeBy, recorded = false): void {
    const divergence = this.#player.divergence;
    if (divergence) throw this.#diverged(stateEntry, `the component ${divergence.message}`);
    if (verdict.verdict !== 'committable') throw this.#refused(first, stateEntry, verdict);
    // The entry's text is checked against its hash apart (by the source, or the hash thread of
    // verify's file check). A bare state entry (nothing but its state) is compared as bytes.
    const { content } = verdict;
    const bare = content.sends.length === 0 && content.journal === undefined && (recorded || isBareStateOf(stateEntry, content.state));
    if (!bare && canonicalEntryText(stateEntry.parent, stateMembers(content)) !== stateEntry.text) throw this.#differs(stateEntry, content, by);
    this.#state = verdict.content.state;
  }

  #refused(first: CheckedEntry, stateEntry: CheckedEntry, verdict: Exclude<Verdict, { verdict: 'committable' }>): ActorchainError {
    switch (verdict.verdict) {
      case 'message-rejected': {
        const why = verdict.reason === undefined ? '' : ` (${verdict.reason})`;
        return this.#diverged(first, `${verdict.fn} refuses this message for the state before it${why}, yet the chain records it`);
      }
      case 'state-not-json':
        return this.#diverged(stateEntry, `${verdict.fn} returns a state that is not JSON: ${verdict.text === null ? '(not UTF-8)' : shorten(verdict.text)}`);
      case 'state-rejected':
        return this.#diverged(stateEntry, 'state-contract refuses this state, yet the chain records it');
      case 'send-not-json':
        return this.#diverged(stateEntry, `handle sends to ${verdict.to} a message that is not JSON, which the runtime never commits`);
      case 'state-too-large': // never: a replay passes no limit
        return this.#diverged(stateEntry, `${verdict.fn} returns a state of ${verdict.bytes} bytes, over ${verdict.limit}`);
      case 'send-in-migrate':
        return this.#diverged(stateEntry, `migrate calls send (to ${verdict.to}), which the runtime never commits`);
      case 'send-not-allowed': // never: a replay passes no send policy
        return this.#diverged(stateEntry, `handle sends to ${verdict.to}, which is not allowed`);
      case 'fault':
        return this.#diverged(stateEntry, `${verdict.fn} fails on replay (${verdict.fault}: ${verdict.message})`);
    }
  }

  /** Which part of the content differs from the entry (the journal was played from the entry itself). */
  #differs(stateEntry: CheckedEntry, content: StateContent, by: MadeBy): ActorchainError {
    const data = stateEntry.data as StateData;
    const recordedState = canonicalJson(data.state);
    if (content.state !== recordedState) {
      return this.#diverged(
        stateEntry,
        `the state differs from the replay: expected ${shorten(content.state)} (${by === 'carried over' ? 'the state carried over' : `what ${by} returns`}), found ${shorten(recordedState)} (what the chain records)`,
      );
    }
    const produced = canonicalJson(content.sends);
    const recorded = canonicalJson(data.sends ?? []);
    if (produced !== recorded) {
      return this.#diverged(
        stateEntry,
        `the sends differ from the replay: expected ${shorten(produced)} (what handle sends), found ${shorten(recorded)} (what the chain records)`,
      );
    }
    return this.#diverged(stateEntry, `the entry is not what the runtime commits for this content (found ${shorten(stateEntry.text)})`);
  }

  #diverged(entry: CheckedEntry, what: string): ActorchainError {
    return new ActorchainError('CHAIN_DIVERGED', `${this.#unit} ${entry.position + 1} (hash ${entry.hash}): ${what} (replayed with the component ${this.#component})`);
  }
}
