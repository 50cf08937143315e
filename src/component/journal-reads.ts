/**
 * What a journal records (journal.ts): the kinds of reads whose answers can change (clocks,
 * random numbers), how each one's value is written in a record, and how it is read back.
 *
 * A record is `[tag, ...value]`: u64 values as decimal strings (they may pass 2^53), bytes as
 * base64. A repeatable read's record may carry a count after its value (`["mn", "<ns>", 21]`).
 * `["new"]`, first in a journal, says the entry was produced on a fresh instance.
 */

/** The first record of a journal whose entry was produced on a fresh instance. */
export const FRESH_INSTANCE = 'new';

export type Value = string | number;

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

export interface Datetime {
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

/** Whether a journal starts with the fresh-instance marker. */
export function startsFresh(records: readonly unknown[]): boolean {
  return Array.isArray(records[0]) && records[0].length === 1 && records[0][0] === FRESH_INSTANCE;
}

/** A repeatable record's count: absent is 1; written only from 2 on. */
function countOf(record: readonly unknown[], kind: ReadKind<unknown>): number | undefined {
  if (!kind.repeats || record.length !== 3) return 1;
  const n = record[2];
  return Number.isSafeInteger(n) && (n as number) >= 2 ? (n as number) : undefined;
}

/** The value `record` holds for a read of `kind`, and how many reads it serves; undefined when it holds none. */
export function recordedValue<T>(record: unknown, kind: ReadKind<T>): { value: T; count: number } | undefined {
  if (!Array.isArray(record) || record[0] !== kind.tag) return undefined;
  const count = countOf(record, kind as ReadKind<unknown>);
  const value = count === undefined ? undefined : kind.decode(record.slice(1, kind.repeats ? 2 : undefined) as Value[]);
  return value === undefined ? undefined : { value, count: count! };
}
