/**
 * `<data dir>/deliveries.ndjson`: which deliveries are done, one line each, appended as they
 * finish:
 *
 *   {"entry":"<state entry hash>","index":0,"outcome":"delivered","to":"http://..."}
 *
 * Sends to one target are delivered in chain order, so a target's last line is a cursor:
 * every send to it up to that one is done. At start-up the file is compacted to one line
 * per target. Lines are not fsynced: a line lost in a crash means a delivery made again,
 * with the same Idempotency-Key, which the target answers without applying it twice.
 */
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { ActorchainError } from '../errors.js';
import type { Delivery } from './delivery.js';

export const DELIVERIES_FILE = 'deliveries.ndjson';

export type DeliveryOutcome = 'delivered' | 'given-up';

export interface DeliveryCursor {
  entry: string;
  index: number;
  outcome: DeliveryOutcome;
}

export interface DeliveryLog {
  /** Target → its last done delivery. */
  cursors: Map<string, DeliveryCursor>;
  /** Lines read, to tell whether compacting is worth it. */
  lines: number;
}

/** Read the record of a data dir (none yet: no cursors). A torn or unreadable line is skipped. */
export async function readDeliveryLog(dataDir: string): Promise<DeliveryLog> {
  const cursors = new Map<string, DeliveryCursor>();
  let text: string;
  try {
    text = await readFile(path.join(dataDir, DELIVERIES_FILE), 'utf8');
  } catch (err) {
    // No record (ENOTDIR: no data dir either, a path through a file, which opening the chain reports).
    const { code } = err as NodeJS.ErrnoException;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { cursors, lines: 0 };
    throw new ActorchainError(
      'DELIVERY_RECORD_UNREADABLE',
      `${path.join(dataDir, DELIVERIES_FILE)} cannot be read (${(err as Error).message}); move it aside: without it every send is delivered again, which the receivers' Idempotency-Keys make harmless`,
      { cause: err },
    );
  }
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    lines += 1;
    try {
      const { to, entry, index, outcome } = JSON.parse(line) as { to: unknown; entry: unknown; index: unknown; outcome: unknown };
      if (typeof to === 'string' && typeof entry === 'string' && Number.isInteger(index) && (outcome === 'delivered' || outcome === 'given-up')) {
        cursors.set(to, { entry, index: index as number, outcome });
      }
    } catch {
      // A line cut short by a crash: that delivery is made again.
    }
  }
  return { cursors, lines };
}

function line(to: string, entry: string, index: number, outcome: DeliveryOutcome): string {
  return `${JSON.stringify({ entry, index, outcome, to })}\n`;
}

export class DeliveryRecord {
  readonly #handle: FileHandle;
  readonly #logger: Logger;
  /** Lines waiting for the write in flight to finish: they go together in the next one. */
  #waiting = '';
  #writing: Promise<void> | undefined;

  private constructor(handle: FileHandle, logger: Logger) {
    this.#handle = handle;
    this.#logger = logger;
  }

  /** Open for appending, after compacting `log` (read before) to one line per target. Call with the data dir locked. */
  static async open(dataDir: string, log: DeliveryLog, logger: Logger): Promise<DeliveryRecord> {
    const file = path.join(dataDir, DELIVERIES_FILE);
    if (log.lines > log.cursors.size) {
      const compacted = [...log.cursors].map(([to, { entry, index, outcome }]) => line(to, entry, index, outcome)).join('');
      const temporary = await open(`${file}.tmp`, 'w');
      try {
        await temporary.writeFile(compacted);
        await temporary.datasync();
      } finally {
        await temporary.close();
      }
      await rename(`${file}.tmp`, file);
    }
    return new DeliveryRecord(await open(file, 'a'), logger);
  }

  done(delivery: Delivery, outcome: DeliveryOutcome): void {
    this.#waiting += line(delivery.to, delivery.entry, delivery.index, outcome);
    this.#writing ??= this.#write();
  }

  async close(): Promise<void> {
    await this.#writing;
    await this.#handle.close();
  }

  async #write(): Promise<void> {
    while (this.#waiting !== '') {
      const text = this.#waiting;
      this.#waiting = '';
      try {
        await this.#handle.appendFile(text);
      } catch (err) {
        this.#logger.warn({ err: (err as Error).message }, `cannot record deliveries in ${DELIVERIES_FILE}: they will be made again after a restart`);
      }
    }
    this.#writing = undefined;
  }
}
