import type { EntryGroup } from './check.js';
import { committedState, type ChainOptions, type CommittedState, type DurableView, type Transition } from './chain-types.js';
import { readApplied, readPage, readPageUntil, type ChainPage } from './durable-reads.js';
import { DurableWaits } from './durable-waits.js';
import { scopedKey, sealCanonical, sealEntry, stateMembers, type SealedEntry, type StateContent } from './entry.js';
import { componentNamed } from './checked-entry.js';
import type { ChainStore } from './store.js';
import type { Notary } from './notary.js';
import { leafHash, MerkleTree } from '../tlog/merkle.js';

// The options, states, views and pages of a Chain, for the modules that take them from here.
export { stateFromText, type ChainOptions, type CommittedState, type DurableView, type Transition } from './chain-types.js';
export { PAGE_MAX_BYTES, type ChainPage } from './durable-reads.js';

/**
 * The actor's hash chain and the rules for what may be appended. Callers are expected to
 * serialise appends (the actor's mailbox does).
 *
 * Two views. The working view (`head`, `length`, `state`) moves as soon as a transition
 * is committed, so the mailbox can apply the next message while the store makes the last
 * one durable. The durable view (`durable`, and the reads `positionOf`, `entryBytes`, `page`)
 * moves only once a transition's entries are durable: a client never sees an entry that a
 * crash could lose, or a state that was answered with an error.
 */
export class Chain {
  readonly #store: ChainStore;
  /** Idempotency key, scoped by its sender (scopedKey) → position of the message entry that recorded it. */
  readonly #keys: Map<string, number>;
  #state: CommittedState | undefined;
  #durable: DurableView | undefined;
  /** Long polls waiting for the durable view to move (see waitForDurable). */
  readonly #waits = new DurableWaits(() => this.#durable?.length ?? 0);
  /** The RFC 6962 tree of the entries (durable or not yet): leaf i is entry i. */
  readonly tree: MerkleTree;
  readonly #withoutTree: boolean;
  readonly #onDurable: (length: number) => void;
  readonly #onClose: () => Promise<void>;
  /** Who signs this chain's checkpoints; none for a mirror's copy (it serves its primary's). */
  readonly notary: Notary | undefined;

  /**
   * `state`: the state a store opened with entries ends with (they are on disk already);
   * `keys`: the idempotency keys those entries record, with their message's position;
   * `tree`: the Merkle tree of those entries; `onDurable` hears the durable length move.
   */
  constructor(store: ChainStore, state?: CommittedState, keys = new Map<string, number>(), { tree, onDurable, onClose, notary, withoutTree = false }: ChainOptions = {}) {
    this.#store = store;
    this.#keys = keys;
    this.#state = state;
    this.tree = tree ?? new MerkleTree();
    this.#withoutTree = withoutTree;
    if (!withoutTree && this.tree.size !== store.length) throw new Error(`a tree of ${this.tree.size} leaves for a chain of ${store.length} entries`);
    this.#onDurable = onDurable ?? (() => {});
    this.#onClose = onClose ?? (() => Promise.resolve());
    this.notary = notary?.(this.tree);
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

  /** Entries durable (0 before genesis and the init state are). */
  get durableLength(): number {
    return this.#durable?.length ?? 0;
  }

  get durable(): DurableView {
    if (!this.#durable) throw new Error('the chain has no durable state yet: commit genesis and the init state first');
    return this.#durable;
  }

  /** Genesis and the init state, the two entries every chain starts with. */
  async commitStart(componentHash: string, init: StateContent, key?: string): Promise<void> {
    if (this.#store.length !== 0) throw new Error('commitStart on a chain that already has entries');
    const genesis = sealEntry(null, key === undefined ? { 'component-hash': componentHash } : { 'component-hash': componentHash, key });
    const state = sealCanonical(genesis.hash, stateMembers(init));
    const initState = committedState(init);
    this.#state = initState;
    await this.#append([genesis, state]);
    this.#moveDurable({ head: state.hash, length: 2, state: initState });
  }

  /**
   * A message and the state entry `handle` made from it, appended as one group. `message`
   * is canonical JSON text; `key` its Idempotency-Key, which must not be in the chain yet for
   * `sender` (the verifier key that signed the request; none for an unsigned one).
   */
  commitTransition(message: string, content: StateContent, key?: string, sender?: string): Transition {
    const messageMembers: Record<string, string> = { message };
    if (key !== undefined) messageMembers['idempotency-key'] = JSON.stringify(key);
    if (key !== undefined && sender !== undefined) messageMembers.sender = JSON.stringify(sender);
    const messageEntry = sealCanonical(this.#store.head, messageMembers);
    const stateEntry = sealCanonical(messageEntry.hash, stateMembers(content));
    if (key !== undefined) this.#keys.set(scopedKey(key, sender), this.#store.length);
    const statePosition = this.#store.length + 1;
    const appended = this.#append([messageEntry, stateEntry]);
    const next = committedState(content);
    const view: DurableView = { head: stateEntry.hash, length: this.#store.length, state: next };
    this.#state = next;
    // Stores settle appends in order, so the durable view only moves forward.
    const durable = appended.then(() => this.#moveDurable(view));
    return { messageHash: messageEntry.hash, stateHash: stateEntry.hash, statePosition, state: next, durable };
  }

  /**
   * An upgrade to the component with hash `componentHash` and the state it takes over (its
   * migrate's result, or the state carried over), appended as one group.
   */
  commitUpgrade(componentHash: string, content: StateContent): Transition {
    const upgradeEntry = sealEntry(this.#store.head, { upgrade: { 'component-hash': componentHash } });
    const stateEntry = sealCanonical(upgradeEntry.hash, stateMembers(content));
    const statePosition = this.#store.length + 1;
    const appended = this.#append([upgradeEntry, stateEntry]);
    this.#store.componentChanged?.(componentHash);
    const next = committedState(content);
    const view: DurableView = { head: stateEntry.hash, length: this.#store.length, state: next };
    this.#state = next;
    const durable = appended.then(() => this.#moveDurable(view));
    return { messageHash: upgradeEntry.hash, stateHash: stateEntry.hash, statePosition, state: next, durable };
  }

  /**
   * A group another chain holds, appended byte for byte (a mirror's copy of what it verified).
   * The group must follow this chain's head (a ChainChecker that read up to it checked the link).
   * Resolves when it is durable and the durable view shows it.
   */
  async appendCopy(group: EntryGroup, state: CommittedState): Promise<void> {
    if (group[0].position !== this.#store.length) throw new Error(`appendCopy of a group at ${group[0].position} to a chain of ${this.#store.length} entries`);
    const appended = this.#append(group);
    // The store's next checkpoint names the component in use (a new copy's too, from its genesis).
    const named = componentNamed(group);
    if (named !== undefined) this.#store.componentChanged?.(named);
    const view: DurableView = { head: group[1].hash, length: this.#store.length, state };
    this.#state = state;
    await appended;
    this.#moveDurable(view);
  }

  /**
   * Resolves once the durable view is longer than `length`, `timeoutMs` has passed, `signal`
   * aborts (a client that went away), or waits are ended (shutdown), whichever comes first.
   * The caller looks at the durable view again to see which.
   */
  waitForDurable(length: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return this.#waits.wait(length, timeoutMs, signal);
  }

  /** Whether endWaits was called: the server is shutting down. */
  get waitsEnded(): boolean {
    return this.#waits.ended;
  }

  /** Answer every long poll now and every later one at once: the server is shutting down. */
  endWaits(): void {
    this.#waits.end();
  }

  /** The canonical bytes of one durable entry (whose SHA-256 is `hash`), or undefined for a hash not (yet) among them. */
  async entryBytes(hash: string): Promise<Buffer | undefined> {
    const position = this.positionOf(hash);
    return position === undefined ? undefined : this.#store.readEntry(position);
  }

  /** Whether a message with this idempotency key from this sender was committed (durable or not yet). */
  hasKey(key: string, sender?: string): boolean {
    return this.#keys.has(scopedKey(key, sender));
  }

  /**
   * What the message recorded with this idempotency key was answered with: its hash, and
   * the hash and state of the entry after it, with the message's canonical text (`canonical`),
   * so a repeat can be told from another message under the same key. Undefined unless that
   * pair is durable.
   */
  async appliedWithKey(
    key: string,
    sender?: string,
  ): Promise<{ head: string; message: string; statePosition: number; state: CommittedState; canonical: string } | undefined> {
    const position = this.#keys.get(scopedKey(key, sender));
    if (position === undefined || position + 1 >= (this.#durable?.length ?? 0)) return undefined;
    return readApplied(this.#store, position);
  }

  /** The hash of the durable entry at `position`, or undefined past the durable view. */
  hashAt(position: number): string | undefined {
    return Number.isInteger(position) && position >= 0 && position < (this.#durable?.length ?? 0) ? this.#store.hashAt(position) : undefined;
  }

  /** The position of a durable entry (genesis is 0), or undefined for a hash not (yet) among them. */
  positionOf(hash: string): number | undefined {
    const position = this.#store.indexOf(hash);
    return position !== undefined && position < (this.#durable?.length ?? 0) ? position : undefined;
  }

  /**
   * Durable entries in chain order, starting after `after` (a hash `positionOf` knows) or at
   * genesis: up to `limit` of them, fewer when they would pass PAGE_MAX_BYTES.
   */
  async page(after: string | undefined, limit: number): Promise<ChainPage> {
    return readPage(this.#store, this.durable, after, limit);
  }

  /**
   * Durable entries in chain order, ending with `until` (a hash `has` knows): the last
   * `limit` of them, fewer when they would pass PAGE_MAX_BYTES (then the newest that fit).
   * The page before it ends with the first entry's parent.
   */
  async pageUntil(until: string, limit: number): Promise<ChainPage> {
    return readPageUntil(this.#store, this.durable, until, limit);
  }

  async close(): Promise<void> {
    this.endWaits();
    await this.#store.close();
    await this.#onClose();
  }

  /** Append to the store and to the tree, which holds every appended entry's leaf at once. */
  #append(entries: readonly SealedEntry[]): Promise<void> {
    const appended = this.#store.append(entries);
    if (!this.#withoutTree) for (const { text } of entries) this.tree.append(leafHash(text));
    return appended;
  }

  #moveDurable(view: DurableView): void {
    this.#durable = view;
    this.#onDurable(view.length);
    this.#waits.moved();
  }
}
