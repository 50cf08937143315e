/**
 * Which committed sends are still owed, found in one pass over the chain in order: a send is
 * owed unless its target's cursor in deliveries.ndjson names it or a later send to the same
 * target (deliveries to one target are done in chain order).
 */
import type { Send } from '../chain/entry.js';
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
    for (const { to } of sends) if (this.#cursors.get(to)?.entry === entry) this.#passed.add(to);
  }

  /** Targets whose cursor names an entry the chain does not have (a record from another chain). */
  get unmatched(): string[] {
    return [...this.#cursors.keys()].filter((to) => !this.#passed.has(to));
  }
}
