import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What an operator watches, served at GET /metrics in the Prometheus text format:
 * messages by outcome, restarts by cause, the queue, the chain's length, how long
 * a message takes from arrival to its durable reply, and the outbox's deliveries.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly messages = new Counter({
    name: 'actorchain_messages_total',
    help: 'POST / messages by outcome: committed, or the error code that refused them',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly restarts = new Counter({
    name: 'actorchain_restarts_total',
    help: "Re-spawns of the component's worker, by the fault that caused them",
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });
  readonly messageSeconds = new Histogram({
    name: 'actorchain_message_duration_seconds',
    help: 'Time from a message being accepted to its reply (queue wait, the component, and the fsync)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });

  readonly sendsDelivered = new Counter({
    name: 'actorchain_sends_delivered_total',
    help: 'Sends delivered: their target answered 2xx',
    registers: [this.registry],
  });
  readonly sendsRetried = new Counter({
    name: 'actorchain_sends_retried_total',
    help: 'Delivery attempts that failed and will be retried (no answer, 5xx, 408, 429, a redirect)',
    registers: [this.registry],
  });
  readonly sendsGivenUp = new Counter({
    name: 'actorchain_sends_given_up_total',
    help: 'Sends given up: their target answered a 4xx other than 408 and 429, or is not an http(s) URL',
    registers: [this.registry],
  });

  constructor(gauges: { chainLength: () => number; queueDepth: () => number; sendsPending: () => number }) {
    new Gauge({
      name: 'actorchain_chain_entries',
      help: 'Entries in the chain',
      registers: [this.registry],
      collect() {
        this.set(gauges.chainLength());
      },
    });
    new Gauge({
      name: 'actorchain_queue_depth',
      help: 'Messages accepted and not yet applied, the one in progress included',
      registers: [this.registry],
      collect() {
        this.set(gauges.queueDepth());
      },
    });
    new Gauge({
      name: 'actorchain_sends_pending',
      help: 'Sends committed and not yet delivered or given up',
      registers: [this.registry],
      collect() {
        this.set(gauges.sendsPending());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'actorchain_' });
  }
}
