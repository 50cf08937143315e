/**
 * What a Chain is made with and hands back as it moves: its options, the state it ends with
 * (kept as the canonical text the component sees, parsed only when asked), a committed
 * transition, and the durable view.
 */
import type { MerkleTree } from '../tlog/merkle.js';
import type { StateContent } from './entry.js';
import type { Notary } from './notary.js';

/** The state the chain currently ends with, as a value and as the exact text the component sees. */
export interface CommittedState {
  value: unknown;
  canonical: string;
}

/**
 * A committed state known by its canonical text, as the worker returns it: the value is
 * parsed only if someone asks for it (nothing on the hot path does: replies are built from
 * the text).
 */
export function stateFromText(canonical: string): CommittedState {
  let parsed: { value: unknown } | undefined;
  return {
    canonical,
    get value() {
      parsed ??= { value: JSON.parse(canonical) as unknown };
      return parsed.value;
    },
  };
}

export interface Transition {
  messageHash: string;
  stateHash: string;
  /** The state entry's position (its leaf in the tree). */
  statePosition: number;
  /** The state the chain now ends with. */
  state: CommittedState;
  /** Settles when both entries are durable and the durable view shows them; reply and dispatch only after it. */
  durable: Promise<void>;
}

export function committedState(content: StateContent): CommittedState {
  return stateFromText(content.state);
}

/** The end of the chain as far as it is durable: all a client may be shown. */
export interface DurableView {
  readonly head: string;
  readonly length: number;
  readonly state: CommittedState;
}

export interface ChainOptions {
  /** The Merkle tree of the entries the store opened with (default: an empty tree, for an empty store). */
  tree?: MerkleTree;
  /** Hears the durable length move (the tree file writes the nodes). */
  onDurable?: (length: number) => void;
  /** Runs when the chain is closed, after the store. */
  onClose?: () => Promise<void>;
  /** Makes the notary that signs for this chain, from its tree. */
  notary?: (tree: MerkleTree) => Notary;
  /**
   * Keep no tree (no leaf hashes, no nodes): only the baseline that bench/receipts.ts measures
   * the tree and receipts against (ACTORCHAIN_BENCH_WITHOUT_TREE). A runtime always keeps one.
   */
  withoutTree?: boolean;
}
