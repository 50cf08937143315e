/**
 * The journal: every value a component observes that is not a function of its inputs
 * (clocks, random numbers), recorded as it is served and fed back, in order, on replay.
 *
 *   live (run)                          replay (verify)
 *   component ── wall-clock.now ──►     component ── wall-clock.now ──►
 *             ◄── host clock ──         ◄── next record, if its tag is "wn" ──
 *   Recorder: push ["wn","1764102339",123000000]     Player: diverge on another tag,
 *                                                   on no record left, on records unused
 *
 * A record is `[tag, ...value]`: u64 values as decimal strings (they may pass 2^53), bytes
 * as base64. `["new"]`, first in a journal, says the entry was produced on a fresh instance.
 * The WASI sandbox routes every such read through a Tape; which one decides run or replay:
 * the Recorder here, or a player (journal-player.ts). The kinds of reads and their records:
 * journal-reads.ts.
 *
 * The quiet monotonic clock. A JavaScript engine reads the monotonic clock on its own, about
 * twenty times a message. While an instance is instantiated, and while a message (or init) is
 * applied, the clock stands still: the
 * first read samples the host's clock and every later read of that message returns the same
 * value, so the reads make one record with a count, `["mn", "<ns>", 21]` (a count of 1 is
 * not written: `["mn", "<ns>"]`, the form chains written before kept for every read, which
 * the Player still plays one value per record).
 */
import { randomBytes } from 'node:crypto';
import { hrtime } from 'node:process';
import type { JournalRecord } from '../chain/entry.js';
import { FRESH_INSTANCE, type Datetime, type ReadKind } from './journal-reads.js';

/** The host's answers: its clocks and its cryptographic generator, never derived from the chain. */
export const HOST = {
  wallNow(): Datetime {
    const ms = Date.now();
    return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
  },
  wallResolution: (): Datetime => ({ seconds: 0n, nanoseconds: 1e6 }),
  monotonicNow: (): bigint => hrtime.bigint(),
  monotonicResolution: (): bigint => 1n,
  bytes: (length: bigint | number): Uint8Array => new Uint8Array(randomBytes(Number(length))),
  u64: (): bigint => randomBytes(8).readBigUInt64LE(0),
};

/** Where the sandbox sends every read whose answer can change: recorded live, or played back. */
export interface Tape {
  /** `length`: for bytes, how many were asked for (a replay must ask for as many). */
  read<T>(kind: ReadKind<T>, live: () => T, length?: number): T;
}

/** Run: serves the host's answer and records it. */
export class Recorder implements Tape {
  #records: JournalRecord[] = [];
  /**
   * A message is being applied, or the instance instantiated: the monotonic clock stands still
   * at its first read (see above) until the entry's journal is taken.
   */
  #holding = true;
  #held: unknown;

  read<T>(kind: ReadKind<T>, live: () => T): T {
    if (kind.repeats && this.#holding) {
      if (this.#held === undefined) this.#held = live();
      const value = this.#held as T;
      const last = this.#records.at(-1);
      if (last !== undefined && last[0] === kind.tag && this.#heldRecord === last) {
        last[2] = last.length === 3 ? (last[2] as number) + 1 : 2;
      } else {
        this.#heldRecord = [kind.tag, ...kind.encode(value)];
        this.#records.push(this.#heldRecord);
      }
      return value;
    }
    const value = live();
    this.#records.push([kind.tag, ...kind.encode(value)]);
    return value;
  }

  #heldRecord: JournalRecord | undefined;

  /** A message (or init) starts: from its first read of the monotonic clock on, the clock stands still until take(). */
  hold(): void {
    this.#holding = true;
    this.#held = undefined;
    this.#heldRecord = undefined;
  }

  /**
   * The journal of the entry being committed, and a clean slate for the next one: what was
   * read since the last take, after the fresh-instance marker when `fresh`.
   */
  take(fresh: boolean): JournalRecord[] | undefined {
    const records = this.#records;
    this.#records = [];
    this.#holding = false;
    this.#held = undefined;
    this.#heldRecord = undefined;
    if (fresh) return [[FRESH_INSTANCE], ...records];
    return records.length > 0 ? records : undefined;
  }
}
