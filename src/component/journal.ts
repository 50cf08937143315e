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
 * The WASI sandbox routes every such read through a Tape; which one decides run or replay.
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

/** The first record of a journal whose entry was produced on a fresh instance. */
export const FRESH_INSTANCE = 'new';

type Value = string | number;

/** One kind of read: its tag in the journal, its name in messages, and how its value is written. */
export interface ReadKind<T> {
  tag: string;
  what: string;
  /** Equal reads in a row are one record with a count after the value (`["mn", "<ns>", 21]`). */
  repeats?: boolean;
  encode(value: T): Value[];
  /** The value a record holds, or undefined when the record is malformed. */
  decode(values: Value[]): T | undefined;
}

const U64_MAX = 2n ** 64n - 1n;

function u64(value: Value | undefined): bigint | undefined {
  if (typeof value !== 'string' || !/^(0|[1-9]\d{0,19})$/.test(value)) return undefined;
  const n = BigInt(value);
  return n <= U64_MAX ? n : undefined;
}

interface Datetime {
  seconds: bigint;
  nanoseconds: number;
}

function datetime(tag: string, what: string): ReadKind<Datetime> {
  return {
    tag,
    what,
    encode: (d) => [String(d.seconds), d.nanoseconds],
    decode([s, ns, ...rest]) {
      const seconds = u64(s);
      if (seconds === undefined || !Number.isInteger(ns) || (ns as number) < 0 || (ns as number) >= 1e9 || rest.length > 0) return undefined;
      return { seconds, nanoseconds: ns as number };
    },
  };
}

function scalar(tag: string, what: string): ReadKind<bigint> {
  return { tag, what, encode: (n) => [String(n)], decode: ([v, ...rest]) => (rest.length > 0 ? undefined : u64(v)) };
}

function bytes(tag: string, what: string): ReadKind<Uint8Array> {
  return {
    tag,
    what,
    encode: (b) => [Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')],
    decode([v, ...rest]) {
      if (typeof v !== 'string' || rest.length > 0) return undefined;
      const decoded = Buffer.from(v, 'base64');
      // Buffer.from skips what is not base64: only the canonical spelling is a record.
      return decoded.toString('base64') === v ? new Uint8Array(decoded) : undefined;
    },
  };
}

export const READS = {
  wallNow: datetime('wn', 'the wall clock'),
  wallResolution: datetime('wr', "the wall clock's resolution"),
  monotonicNow: { ...scalar('mn', 'the monotonic clock'), repeats: true },
  monotonicResolution: scalar('mr', "the monotonic clock's resolution"),
  randomBytes: bytes('rb', 'random bytes'),
  randomU64: scalar('ru', 'a random u64'),
  insecureBytes: bytes('ib', 'insecure random bytes'),
  insecureU64: scalar('iu', 'an insecure random u64'),
  insecureSeed: {
    tag: 'is',
    what: 'the insecure seed',
    encode: ([a, b]) => [String(a), String(b)],
    decode([a, b, ...rest]) {
      const first = u64(a);
      const second = u64(b);
      return first === undefined || second === undefined || rest.length > 0 ? undefined : [first, second];
    },
  } satisfies ReadKind<[bigint, bigint]>,
} as const;

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

/** A repeatable record's count: absent is 1; written only from 2 on. */
function countOf(record: readonly unknown[], kind: ReadKind<unknown>): number | undefined {
  if (!kind.repeats || record.length !== 3) return 1;
  const n = record[2];
  return Number.isSafeInteger(n) && (n as number) >= 2 ? (n as number) : undefined;
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

/** A replay that asked for something other than what the journal records. */
export class JournalDivergence extends Error {}

function shown(record: unknown): string {
  const text = JSON.stringify(record) ?? String(record);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Replay: serves the recorded values, in order, and notices any difference. */
export class Player implements Tape {
  #records: readonly unknown[] = [];
  #next = 0;
  /** Values of the record at #next already served (a record with a count serves several). */
  #served = 0;
  /** The first difference, kept in case the component swallows the exception that reports it. */
  #divergence: JournalDivergence | undefined;
  /** An entry of a chain written before journals: what the component reads is read live, as then. */
  #live = false;

  /**
   * Play one entry's journal. Returns whether it starts with the fresh-instance marker (the
   * replay must then start a fresh instance before it reads on).
   */
  load(journal: readonly unknown[] | undefined, liveWhenAbsent = false): boolean {
    this.#records = journal ?? [];
    this.#live = journal === undefined && liveWhenAbsent;
    this.#divergence = undefined;
    const fresh = Array.isArray(this.#records[0]) && this.#records[0].length === 1 && this.#records[0][0] === FRESH_INSTANCE;
    this.#next = fresh ? 1 : 0;
    this.#served = 0;
    return fresh;
  }

  get divergence(): JournalDivergence | undefined {
    return this.#divergence;
  }

  read<T>(kind: ReadKind<T>, live: () => T, length?: number): T {
    if (this.#live) return live();
    if (this.#divergence) throw this.#divergence;
    const at = this.#next;
    const record = this.#records[at];
    if (record === undefined) {
      return this.#diverge(`asks for ${kind.what}, but the journal records no more values (it holds ${this.#records.length})`);
    }
    const where = `journal value ${at + 1}`;
    if (!Array.isArray(record) || record[0] !== kind.tag) {
      return this.#diverge(`asks for ${kind.what} where the chain records ${shown(record)} (${where})`);
    }
    const count = countOf(record, kind as ReadKind<unknown>);
    const value = count === undefined ? undefined : kind.decode(record.slice(1, kind.repeats ? 2 : undefined) as Value[]);
    if (value === undefined) return this.#diverge(`asks for ${kind.what}, but ${where} ${shown(record)} is not a valid one`);
    if (length !== undefined && (value as Uint8Array).length !== length) {
      return this.#diverge(`asks for ${length} ${kind.what} where the chain records ${(value as Uint8Array).length} (${where})`);
    }
    if (++this.#served === count) {
      this.#next = at + 1;
      this.#served = 0;
    }
    return value;
  }

  /**
   * After the entry's last call: the journal as served. Values left unused are a divergence,
   * kept in `divergence` (this is called outside any call into the component, so it does not throw).
   */
  finish(): JournalRecord[] | undefined {
    if (!this.#divergence && this.#next < this.#records.length) {
      const left = this.#records.length - this.#next;
      if (this.#served > 0) {
        this.#divergence = new JournalDivergence(
          `uses ${this.#served} of the values journal value ${this.#next + 1} records (${shown(this.#records[this.#next])})${left > 1 ? `, and ${left - 1} more records` : ''}`,
        );
        return this.#records as JournalRecord[];
      }
      this.#divergence = new JournalDivergence(
        `leaves ${left} recorded value${left === 1 ? '' : 's'} unused, from journal value ${this.#next + 1}: ${shown(this.#records[this.#next])}`,
      );
    }
    return this.#records.length > 0 ? (this.#records as JournalRecord[]) : undefined;
  }

  #diverge(what: string): never {
    this.#divergence = new JournalDivergence(what);
    throw this.#divergence;
  }
}

/**
 * replay-check: a component that is not the one that wrote the journal. It is served an
 * entry's recorded values while it asks for the same kinds in the same order (so the same
 * code reading clocks answers as it did), and the host's answers from the first difference
 * on, never a divergence: what the new code observes is not what is checked.
 */
export class Prompter implements Tape {
  #records: readonly unknown[] = [];
  #next = 0;
  #served = 0;

  /** Serve this journal's values from the next read on (none: the host's). */
  load(journal: readonly unknown[] | undefined): void {
    this.#records = journal ?? [];
    const fresh = Array.isArray(this.#records[0]) && this.#records[0].length === 1 && this.#records[0][0] === FRESH_INSTANCE;
    this.#next = fresh ? 1 : 0;
    this.#served = 0;
  }

  read<T>(kind: ReadKind<T>, live: () => T, length?: number): T {
    const record = this.#records[this.#next];
    const count = Array.isArray(record) && record[0] === kind.tag ? countOf(record, kind as ReadKind<unknown>) : undefined;
    const value = count === undefined ? undefined : kind.decode((record as Value[]).slice(1, kind.repeats ? 2 : undefined));
    if (value === undefined || (length !== undefined && (value as Uint8Array).length !== length)) {
      this.#records = [];
      return live();
    }
    if (++this.#served === count) {
      this.#next += 1;
      this.#served = 0;
    }
    return value;
  }
}
