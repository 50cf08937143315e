/**
 * Which committed sends are still owed, found in one pass over the chain in order: a send is
 * owed unless its target's cursor in deliveries.ndjson names it or a later send to the same
 * target (deliveries to one target are done in chain order). A cursor that names no send of
 * the chain (another chain's record, or an edited line) must not make sends count as done:
 * such targets are found at the end of the pass (`unmatched`), and the runtime counts again
 * without their cursors (owedInChain).
 */
import type { Chain } from '../chain/chain.js';
import type { Send, StateData } from '../chain/entry.js';
import { deliveryOf, type Delivery } from './delivery.js';
import type { DeliveryCursor } from './delivery-record.js';

export class OwedSends {
  readonly #cursors: ReadonlyMap<string, DeliveryCursor>;
  /** Targets whose cursor's entry has gone by: every later send to them is owed. */
  readonly #passed = new Set<string>();
  readonly owed: Delivery[] = [];

  constructor(cursors: ReadonlyMap<string, DeliveryCursor>) {
    this.#cursors = cursors;
  }

  /** The next state entry in chain order, with its sends if it has any. */
  add(entry: string, sends: readonly Send[] | undefined): void {
    if (sends === undefined) return;
    sends.forEach((send, index) => {
      const cursor = this.#cursors.get(send.to);
      if (cursor === undefined || this.#passed.has(send.to) || (cursor.entry === entry && index > cursor.index)) {
        this.owed.push(deliveryOf(entry, send, index));
      }
    });
    // Passed only where the cursor names a send of this entry to its own target.
    sends.forEach(({ to }, index) => {
      const cursor = this.#cursors.get(to);
      if (cursor?.entry === entry && cursor.index === index) this.#passed.add(to);
    });
  }

  /** Targets whose cursor names an entry the chain does not have (a record from another chain). */
  get unmatched(): string[] {
    return [...this.#cursors.keys()].filter((to) => !this.#passed.has(to));
  }
}

/** Entries read at a time by owedInChain. */
const PAGE_ENTRIES = 10_000;

/** The sends still owed, counted over a chain already open (after a pass found cursors that match nothing). */
export async function owedInChain(chain: Chain, cursors: ReadonlyMap<string, DeliveryCursor>): Promise<Delivery[]> {
  const owed = new OwedSends(cursors);
  let after: string | undefined;
  do {
    const page = await chain.page(after, PAGE_ENTRIES);
    for (const { hash, data } of page.entries) if ('state' in data) owed.add(hash, (data as StateData).sends);
    after = page.next ?? undefined;
  } while (after !== undefined);
  return owed.owed;
}
