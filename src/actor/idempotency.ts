import type { Chain, CommittedState } from '../chain/chain.js';
import { scopedKey } from '../chain/entry.js';
import type { Receipt } from '../chain/notary.js';
import { ActorchainError } from '../errors.js';

export interface Applied {
  head: string;
  message: string;
  state: CommittedState;
  /** Proof that the state entry is in the tree a signed checkpoint covers. */
  receipt?: Receipt;
}

export interface Submitted {
  applied: Applied;
  /** The Idempotency-Key was applied before: `applied` is that first answer, nothing was committed. */
  repeated: boolean;
}

function keyReused(key: string): ActorchainError {
  return new ActorchainError(
    'IDEMPOTENCY_KEY_REUSED',
    `the Idempotency-Key ${JSON.stringify(key)} was already used with another message; a repeat must carry the same message (use a new key for a new message)`,
  );
}

/**
 * Idempotency keys: a message with a key is applied at most once. A repeat gets the first
 * answer (waiting for it if need be, or read back from the chain), unless the first failed,
 * which recorded nothing. A repeat must be the same message (the same canonical text):
 * another message under a key already taken is refused with IDEMPOTENCY_KEY_REUSED, so a
 * client that takes a key first cannot pass its message off as the one a later sender
 * meant. Keys are unique per sender (the verifier key a signed request carried; none for an
 * unsigned one: see scopedKey).
 */
export class IdempotencyKeys {
  readonly #chain: Chain;
  readonly #receipt: (position: number, hash: string) => Promise<Receipt | undefined>;
  /** Keyed messages accepted and not yet answered (with their canonical text): a repeat waits for the first. */
  readonly #keyed = new Map<string, { canonical: string; attempt: Promise<Applied> }>();

  constructor(chain: Chain, receipt: (position: number, hash: string) => Promise<Receipt | undefined>) {
    this.#chain = chain;
    this.#receipt = receipt;
  }

  /** Apply `canonical` under `key` with `apply`, unless the key was applied (or is being applied) already. */
  async submit(canonical: string, key: string, sender: string | undefined, apply: () => Promise<Applied>): Promise<Submitted> {
    const scoped = scopedKey(key, sender);
    for (;;) {
      const first = this.#keyed.get(scoped);
      if (first !== undefined) {
        if (first.canonical !== canonical) throw keyReused(key);
        const applied = await first.attempt.catch(() => undefined);
        if (applied !== undefined) return { applied, repeated: true };
        continue;
      }
      if (this.#chain.hasKey(key, sender)) {
        const recorded = await this.#chain.appliedWithKey(key, sender);
        // Recorded but never durable: the store failed, and applying again reports it.
        if (recorded !== undefined) {
          if (recorded.canonical !== canonical) throw keyReused(key);
          const { head, message, state, statePosition } = recorded;
          return { applied: { head, message, state, receipt: await this.#receipt(statePosition, head) }, repeated: true };
        }
        if (this.#keyed.has(scoped)) continue;
      }
      const attempt = apply();
      this.#keyed.set(scoped, { canonical, attempt });
      // Registered before any repeat waits, so a repeat that wakes on a failure finds the key free.
      const forget = () => void (this.#keyed.get(scoped)?.attempt === attempt && this.#keyed.delete(scoped));
      attempt.then(forget, forget);
      return { applied: await attempt, repeated: false };
    }
  }
}
