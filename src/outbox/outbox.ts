/**
 * The durable outbox: every send recorded in a durable state entry is delivered at least
 * once, and the target applies it at most once (its Idempotency-Key), so exactly once.
 *
 *   committed state entry ──post──► queue per target ──one at a time──► POST to the target
 *                                     ▲                                   │ 2xx / final 4xx
 *   restart: chain + deliveries.ndjson┘                                   ▼
 *                                                               deliveries.ndjson line
 *
 * One queue per target, delivered strictly in chain order: the head of a queue is retried
 * (exponential back-off with jitter, capped) until the target takes it or refuses it for
 * good, and only then does the next one go. Nothing lives here that is not in the chain:
 * after a restart the queues are rebuilt from the chain and the record of what is done.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Send } from '../chain/entry.js';
import type { Metrics } from '../metrics.js';
import { attemptDelivery, deliveryOf, idempotencyKeyOf, type Delivery } from './delivery.js';
import type { DeliveryRecord } from './delivery-record.js';

export const RETRY_BASE_MS = 100;
export const RETRY_CAP_MS = 30_000;

/** Delay before retry number `failures` (1 for the first): doubling from the base, capped, the upper half jittered. */
export function retryDelayMs(failures: number): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(failures - 1, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export interface OutboxOptions {
  /** Where done deliveries are recorded; none with --in-memory (the outbox ends with the process). */
  record?: DeliveryRecord;
  metrics: Metrics;
  logger: Logger;
  /** The bearer token to deliver with, by target origin (--send-token); none for the others. */
  tokens?: ReadonlyMap<string, string>;
}

export class Outbox {
  readonly #queues = new Map<string, Delivery[]>();
  readonly #drains = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  readonly #options: OutboxOptions;
  #pending = 0;

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  /** Deliveries accepted and not yet delivered or given up. */
  get pending(): number {
    return this.#pending;
  }

  /** The sends of a state entry that is durable (never before: nothing uncommitted is sent). */
  post(entry: string, sends: readonly Send[]): void {
    this.add(sends.map((send, index) => deliveryOf(entry, send, index)));
  }

  /** Deliveries in chain order. */
  add(deliveries: readonly Delivery[]): void {
    if (this.#stop.signal.aborted) return;
    for (const delivery of deliveries) {
      this.#pending += 1;
      const queue = this.#queues.get(delivery.to);
      if (queue !== undefined) {
        queue.push(delivery);
        continue;
      }
      const started = [delivery];
      this.#queues.set(delivery.to, started);
      const drain = this.#drain(delivery.to, started);
      this.#drains.add(drain);
      void drain.finally(() => this.#drains.delete(drain));
    }
  }

  /** Stop delivering (an attempt in flight is aborted) and close the record. What is owed stays owed. */
  async close(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#drains);
    await this.#options.record?.close();
  }

  async #drain(to: string, queue: Delivery[]): Promise<void> {
    const { metrics, logger, record } = this.#options;
    const signal = this.#stop.signal;
    let failures = 0;
    while (queue.length > 0 && !signal.aborted) {
      const delivery = queue[0]!;
      const context = { to, entry: delivery.entry, index: delivery.index };
      const outcome = await attemptDelivery(delivery, signal, this.#options.tokens);
      if (signal.aborted) return;
      if (outcome.kind === 'retry') {
        failures += 1;
        const delayMs = Math.round(retryDelayMs(failures));
        metrics.sends.inc({ outcome: 'retried' });
        logger.warn({ ...context, attempt: failures, retryInMs: delayMs, err: outcome.reason }, 'send not delivered yet: will retry');
        await sleep(delayMs, undefined, { signal }).catch(() => {});
        continue;
      }
      failures = 0;
      queue.shift();
      this.#pending -= 1;
      if (outcome.kind === 'delivered') {
        metrics.sends.inc({ outcome: 'delivered' });
        logger.debug({ ...context, key: idempotencyKeyOf(delivery), status: outcome.status }, 'send delivered');
        record?.done(delivery, 'delivered');
      } else {
        metrics.sends.inc({ outcome: 'given-up' });
        logger.error({ ...context, err: outcome.reason }, 'send given up: the target refuses it for good');
        record?.done(delivery, 'given-up');
      }
    }
    // Same tick as the loop's last check: a delivery added later starts a new drain.
    if (queue.length === 0) this.#queues.delete(to);
  }
}
