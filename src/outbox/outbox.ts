/**
 * The durable outbox: every send recorded in a durable state entry is delivered at least
 * once, and the target applies it at most once (its Idempotency-Key), so exactly once.
 *
 *   committed state entry ──post──► queue per origin ──one at a time──► POST to the target
 *                           │          ▲                  (a slot of    │ 2xx / final 4xx
 *        origin not allowed ▼          │                   256 in all)  ▼
 *            held (owed, counted)      │                      deliveries.ndjson line
 *                                      │
 *   restart: chain + deliveries.ndjson ┘
 *
 * One queue per origin (scheme, host and port: not per `to` URL, so an actor that puts its
 * input in the path cannot open a connection per path), delivered strictly in chain order:
 * the head of a queue is retried (exponential back-off with jitter, capped) until the target
 * takes it or refuses it for good, and only then does the next one go. An attempt holds one
 * of MAX_DELIVERIES_IN_FLIGHT slots, so however many origins are owed, the process holds a
 * bounded number of delivery connections; a queue waiting out its back-off holds none.
 * Nothing lives here that is not in the chain: after a restart the queues are rebuilt from
 * the chain and the record of what is done, and sends to an origin the current --allow-send
 * does not list are held (still owed, never recorded as done) until a start that allows it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { httpOrigin } from '../actor/send-policy.js';
import type { Send } from '../chain/entry.js';
import type { Metrics } from '../metrics.js';
import { attemptDelivery, DeliveryAgents, deliveryOf, idempotencyKeyOf, type Delivery } from './delivery.js';
import type { DeliveryRecord } from './delivery-record.js';
import type { DeliverySigner } from '../http/message-signature.js';
import { Slots } from './slots.js';

/** Attempts in flight at once, all origins together (each is one connection). */
export const MAX_DELIVERIES_IN_FLIGHT = 256;
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
  /** Signs every delivery (RFC 9421): the runtime's identity and verifier key. */
  signer?: DeliverySigner;
  /** How long an attempt waits for its target's answer (--send-timeout; default 10 s). */
  attemptTimeoutMs?: number;
  /** Normalized origins deliveries may go to (--allow-send); a send to any other is held. */
  allowedOrigins: readonly string[];
}

export class Outbox {
  /** Origin → its deliveries in chain order, the one being attempted first. */
  readonly #queues = new Map<string, Delivery[]>();
  readonly #drains = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  readonly #slots = new Slots(MAX_DELIVERIES_IN_FLIGHT);
  readonly #agents = new DeliveryAgents();
  readonly #options: OutboxOptions;
  #pending = 0;
  #held = 0;
  /** Origins whose held sends were logged already: once each. */
  readonly #heldOrigins = new Set<string>();

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  /** Deliveries accepted and not yet delivered or given up. */
  get pending(): number {
    return this.#pending;
  }

  /** Sends owed to origins --allow-send does not list: not delivered, not given up, still owed. */
  get held(): number {
    return this.#held;
  }

  /** The sends of a state entry that is durable (never before: nothing uncommitted is sent). */
  post(entry: string, sends: readonly Send[]): void {
    this.add(sends.map((send, index) => deliveryOf(entry, send, index)));
  }

  /** Deliveries in chain order. */
  add(deliveries: readonly Delivery[]): void {
    if (this.#stop.signal.aborted) return;
    const held = new Map<string, number>();
    for (const delivery of deliveries) {
      const origin = httpOrigin(delivery.to);
      if (origin === undefined || !this.#options.allowedOrigins.includes(origin)) {
        const shown = origin ?? delivery.to;
        held.set(shown, (held.get(shown) ?? 0) + 1);
        continue;
      }
      this.#pending += 1;
      const queue = this.#queues.get(origin);
      if (queue !== undefined) {
        queue.push(delivery);
        continue;
      }
      const started = [delivery];
      this.#queues.set(origin, started);
      const drain = this.#drain(origin, started);
      this.#drains.add(drain);
      void drain.finally(() => this.#drains.delete(drain));
    }
    for (const [origin, sends] of held) {
      this.#held += sends;
      if (this.#heldOrigins.has(origin)) continue;
      this.#heldOrigins.add(origin);
      this.#options.logger.warn(
        { origin, sends },
        `sends owed to ${origin}, which --allow-send does not list, are held: they stay owed and go out once a start allows that origin`,
      );
    }
  }

  /** Stop delivering (an attempt in flight is aborted) and close the record. What is owed stays owed. */
  async close(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#drains);
    this.#agents.destroy();
    await this.#options.record?.close();
  }

  async #drain(origin: string, queue: Delivery[]): Promise<void> {
    const { metrics, logger, record } = this.#options;
    const signal = this.#stop.signal;
    let failures = 0;
    while (queue.length > 0 && !signal.aborted) {
      const delivery = queue[0]!;
      const context = { to: delivery.to, entry: delivery.entry, index: delivery.index };
      if (!(await this.#slots.take(signal))) return;
      let outcome;
      try {
        outcome = await attemptDelivery(delivery, signal, this.#agents, {
          tokens: this.#options.tokens,
          signer: this.#options.signer,
          timeoutMs: this.#options.attemptTimeoutMs,
        });
      } finally {
        this.#slots.release();
      }
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
    if (queue.length === 0) this.#queues.delete(origin);
  }
}
