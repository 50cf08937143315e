import { sealEntry, type EntryData, type Send } from './entry.js';
import type { ChainStore } from './store.js';

/** The state the chain currently ends with, as a value and as the exact text the component sees. */
export interface CommittedState {
  value: unknown;
  canonical: string;
}

export interface Transition {
  messageHash: string;
  stateHash: string;
  /** Settles when both entries are durable; reply and dispatch only after it. */
  durable: Promise<void>;
}

export interface ChainPage {
  head: string | null;
  entries: Array<{ hash: string; parent: string | null; data: EntryData }>;
  next: string | null;
}

/**
 * The actor's hash chain: HEAD, the committed state, and the rules for what may be
 * appended. Callers are expected to serialise appends (the actor's mailbox does).
 */
export class Chain {
  readonly #store: ChainStore;
  #state: CommittedState | undefined;

  constructor(store: ChainStore, state?: CommittedState) {
    this.#store = store;
    this.#state = state;
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

  /** Genesis and the init state, the two entries every chain starts with. */
  async commitStart(componentHash: string, initState: CommittedState): Promise<void> {
    if (this.#store.length !== 0) throw new Error('commitStart on a chain that already has entries');
    const genesis = sealEntry(null, { 'component-hash': componentHash });
    const state = sealEntry(genesis.hash, { state: initState.value });
    this.#state = initState;
    await this.#store.append([genesis, state]);
  }

  /** A message and the state `handle` made from it, appended as one group. */
  commitTransition(message: Record<string, unknown>, next: CommittedState, sends: Send[]): Transition {
    const messageEntry = sealEntry(this.#store.head, { message });
    const stateEntry = sealEntry(messageEntry.hash, sends.length > 0 ? { state: next.value, sends } : { state: next.value });
    const durable = this.#store.append([messageEntry, stateEntry]);
    this.#state = next;
    return { messageHash: messageEntry.hash, stateHash: stateEntry.hash, durable };
  }

  /** The canonical JSON text of one entry, or undefined for a hash not in this chain. */
  async entryText(hash: string): Promise<string | undefined> {
    const position = this.#store.indexOf(hash);
    if (position === undefined) return undefined;
    const [text] = await this.#store.read(position, position + 1);
    return text;
  }

  /** Whether `hash` names an entry of this chain. */
  has(hash: string): boolean {
    return this.#store.indexOf(hash) !== undefined;
  }

  /** Up to `limit` entries in chain order, starting after `after` (a known hash) or at genesis. */
  async page(after: string | undefined, limit: number): Promise<ChainPage> {
    const head = this.#store.head;
    const from = after === undefined ? 0 : this.#store.indexOf(after)! + 1;
    const to = Math.min(from + limit, this.#store.length);
    const texts = await this.#store.read(from, to);
    const entries = texts.map((text, i) => {
      const { parent, data } = JSON.parse(text) as { parent: string | null; data: EntryData };
      return { hash: this.#store.hashAt(from + i), parent, data };
    });
    const next = to < this.#store.length && entries.length > 0 ? entries.at(-1)!.hash : null;
    return { head, entries, next };
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}
