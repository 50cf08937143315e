import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What an operator watches, served at GET /metrics in the Prometheus text format:
 * messages by outcome, restarts by cause, the queue, the chain's length, how long a message
 * takes from arrival to its durable reply, how long each fsync takes, how sends end (and how
 * many wait in the outbox), and HTTP requests by route and status.
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

  readonly fsyncSeconds = new Histogram({
    name: 'actorchain_fsync_duration_seconds',
    help: 'Time of each durable write of chain.ndjson (one per group commit, O_DSYNC; --fsync always)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly sends = new Counter({
    name: 'actorchain_sends_total',
    help:
      'Sends by outcome: delivered (2xx), retried (a failed attempt that will be retried: no answer, 5xx, 408, 429, a redirect), ' +
      'given-up (a 4xx other than 408 and 429, or not an http(s) URL), not-allowed (refused by --allow-send; the message was not committed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'actorchain_http_requests_total',
    help: 'HTTP requests answered, by method, route (the pattern, or "unmatched") and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  constructor(gauges: { chainLength: () => number; queueDepth: () => number; sendsPending: () => number; sendsHeld?: () => number; checkpointsSigned?: () => number }) {
    new Counter({
      name: 'actorchain_checkpoints_signed_total',
      help: 'Checkpoints the runtime signed: at most one per group commit (or per batch of answers in memory), each shared by the receipts of its answers',
      registers: [this.registry],
      collect() {
        // A count the notary keeps: read when scraped, not incremented here.
        this.reset();
        this.inc(gauges.checkpointsSigned?.() ?? 0);
      },
    });
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
    new Gauge({
      name: 'actorchain_sends_held',
      help: 'Sends owed from before the start to an origin --allow-send does not list: kept owed, not delivered',
      registers: [this.registry],
      collect() {
        this.set(gauges.sendsHeld?.() ?? 0);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'actorchain_' });
  }
}
