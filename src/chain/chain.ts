import { sealCanonical, sealEntry, stateMembers, type EntryData, type StateContent } from './entry.js';
import type { ChainStore } from './store.js';

/** The most a GET /chain page carries, in bytes of canonical JSON (one entry at least). */
export const PAGE_MAX_BYTES = 8 * 2 ** 20;

/** The state the chain currently ends with, as a value and as the exact text the component sees. */
export interface CommittedState {
  value: unknown;
  canonical: string;
}

export interface Transition {
  messageHash: string;
  stateHash: string;
  /** The state the chain now ends with. */
  state: CommittedState;
  /** Settles when both entries are durable and the durable view shows them; reply and dispatch only after it. */
  durable: Promise<void>;
}

function committedState(content: StateContent): CommittedState {
  return { value: JSON.parse(content.state) as unknown, canonical: content.state };
}

/** The end of the chain as far as it is durable: all a client may be shown. */
export interface DurableView {
  readonly head: string;
  readonly length: number;
  readonly state: CommittedState;
}

export interface ChainPage {
  head: string;
  entries: Array<{ hash: string; parent: string | null; data: EntryData }>;
  next: string | null;
}

/**
 * The actor's hash chain and the rules for what may be appended. Callers are expected to
 * serialise appends (the actor's mailbox does).
 *
 * Two views. The working view (`head`, `length`, `state`) moves as soon as a transition
 * is committed, so the mailbox can apply the next message while the store makes the last
 * one durable. The durable view (`durable`, and the reads `has`, `entryText`, `page`)
 * moves only once a transition's entries are durable: a client never sees an entry that a
 * crash could lose, or a state that was answered with an error.
 */
export class Chain {
  readonly #store: ChainStore;
  #state: CommittedState | undefined;
  #durable: DurableView | undefined;

  /** `state`: the state a store opened with entries ends with (they are on disk already). */
  constructor(store: ChainStore, state?: CommittedState) {
    this.#store = store;
    this.#state = state;
    if (state !== undefined && store.head !== null) this.#durable = { head: store.head, length: store.length, state };
  }

  get head(): string | null {
    return this.#store.head;
  }

  get length(): number {
    return this.#store.length;
  }

  get state(): CommittedState {
    if (!this.#state) throw new Error('the chain has no state yet: commit genesis and the init state first');
    return this.#state;
  }

  get durable(): DurableView {
    if (!this.#durable) throw new Error('the chain has no durable state yet: commit genesis and the init state first');
    return this.#durable;
  }

  /** Genesis and the init state, the two entries every chain starts with. */
  async commitStart(componentHash: string, init: StateContent): Promise<void> {
    if (this.#store.length !== 0) throw new Error('commitStart on a chain that already has entries');
    const genesis = sealEntry(null, { 'component-hash': componentHash });
    const state = sealCanonical(genesis.hash, stateMembers(init));
    const initState = committedState(init);
    this.#state = initState;
    await this.#store.append([genesis, state]);
    this.#durable = { head: state.hash, length: 2, state: initState };
  }

  /**
   * A message and the state entry `handle` made from it, appended as one group. `message`
   * is canonical JSON text.
   */
  commitTransition(message: string, content: StateContent): Transition {
    const messageEntry = sealCanonical(this.#store.head, { message });
    const stateEntry = sealCanonical(messageEntry.hash, stateMembers(content));
    const appended = this.#store.append([messageEntry, stateEntry]);
    const next = committedState(content);
    const view: DurableView = { head: stateEntry.hash, length: this.#store.length, state: next };
    this.#state = next;
    // Stores settle appends in order, so the durable view only moves forward.
    const durable = appended.then(() => {
      this.#durable = view;
    });
    return { messageHash: messageEntry.hash, stateHash: stateEntry.hash, state: next, durable };
  }

  /** The canonical JSON text of one durable entry, or undefined for a hash not (yet) among them. */
  async entryText(hash: string): Promise<string | undefined> {
    const position = this.#durablePosition(hash);
    if (position === undefined) return undefined;
    const [text] = await this.#store.read(position, position + 1);
    return text;
  }

  /** Whether `hash` names a durable entry of this chain. */
  has(hash: string): boolean {
    return this.#durablePosition(hash) !== undefined;
  }

  /**
   * Durable entries in chain order, starting after `after` (a hash `has` knows) or at
   * genesis: up to `limit` of them, fewer when they would pass PAGE_MAX_BYTES.
   */
  async page(after: string | undefined, limit: number): Promise<ChainPage> {
    const { head, length } = this.durable;
    const from = after === undefined ? 0 : this.#store.indexOf(after)! + 1;
    const texts = await this.#store.read(from, Math.min(from + limit, length), PAGE_MAX_BYTES);
    const entries = texts.map((text, i) => {
      const { parent, data } = JSON.parse(text) as { parent: string | null; data: EntryData };
      return { hash: this.#store.hashAt(from + i), parent, data };
    });
    const next = from + entries.length < length && entries.length > 0 ? entries.at(-1)!.hash : null;
    return { head, entries, next };
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  #durablePosition(hash: string): number | undefined {
    const position = this.#store.indexOf(hash);
    return position !== undefined && position < (this.#durable?.length ?? 0) ? position : undefined;
  }
}
