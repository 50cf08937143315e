/**
 * Where a follower (verify --follow, mirror) stands against the runtime it follows: what it
 * verified, how far behind it is, how often the runtime stopped answering. Read by the
 * summary lines and, registered, served as Prometheus metrics.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FollowEvent } from '../protocol.js';

export class FollowStatus {
  /** Entries replayed and found sound since this process started following. */
  verified = 0;
  head: string | undefined;
  length = 0;
  /** Entries the runtime held beyond `length` when last asked. */
  lagEntries = 0;
  reconnects = 0;
  /** Whether the last answer said nothing more is there (and the runtime answers at all). */
  caughtUp = false;
  #behindSince = performance.now();
  #verifiedCounter: Counter | undefined;
  #reconnectCounter: Counter | undefined;

  /** Seconds since the follower last held everything the runtime had (0 while it does). */
  get lagSeconds(): number {
    return this.caughtUp ? 0 : (performance.now() - this.#behindSince) / 1000;
  }

  apply(event: Exclude<FollowEvent, { kind: 'failed' }>): void {
    switch (event.kind) {
      case 'resumed':
        this.head = event.head;
        this.length = event.length;
        break;
      case 'verified':
        this.verified += event.entries;
        this.#verifiedCounter?.inc(event.entries);
        this.head = event.head;
        this.length = event.length;
        this.lagEntries = event.lagEntries;
        this.#setCaughtUp(event.lagEntries === 0);
        break;
      case 'idle':
        this.lagEntries = 0;
        this.#setCaughtUp(true);
        break;
      case 'retry':
        this.#setCaughtUp(false);
        break;
      case 'reconnected':
        this.reconnects += 1;
        this.#reconnectCounter?.inc();
        break;
    }
  }

  /** Serve the status as metrics in `registry`. */
  register(registry: Registry): void {
    this.#verifiedCounter = new Counter({
      name: 'actorchain_follow_entries_verified_total',
      help: 'Entries of the followed runtime replayed and found sound by this process',
      registers: [registry],
    });
    this.#reconnectCounter = new Counter({
      name: 'actorchain_follow_reconnects_total',
      help: 'Times the followed runtime answered again after it had stopped answering',
      registers: [registry],
    });
    // Read when scraped: prom-client calls collect() on the gauge, which sets it from this status.
    const lagEntries: Gauge = new Gauge({
      name: 'actorchain_follow_lag_entries',
      help: 'Entries the followed runtime held beyond those verified here, when last asked',
      registers: [registry],
      collect: () => lagEntries.set(this.lagEntries),
    });
    const lagSeconds: Gauge = new Gauge({
      name: 'actorchain_follow_lag_seconds',
      help: 'Seconds since this process last held every entry of the followed runtime (0 while it does)',
      registers: [registry],
      collect: () => lagSeconds.set(this.lagSeconds),
    });
  }

  #setCaughtUp(caughtUp: boolean): void {
    if (this.caughtUp && !caughtUp) this.#behindSince = performance.now();
    this.caughtUp = caughtUp;
  }
}
