/**
 * What a start needs from the lines a checkpoint vouches for, which it does not check one by
 * one: the idempotency keys their messages record (so a repeat is still refused) and the
 * sends their states record (so the outbox finds what is still owed). Both are rare, so the
 * prefix is searched for the two member names as bytes, and only the lines that hold one are
 * parsed. A name found inside a message's own content parses to an entry without that
 * member, and is passed over.
 */
import type { ChainIndex } from './chain-index.js';
import { LineChunks, type ByteReader } from './line-source.js';
import { isIdempotencyKey, isSenderKey, scopedKey, type MessageData, type Send, type StateData } from './entry.js';

const READ_BYTES = 4 << 20;
const NEWLINE = 0x0a;
const KEY_MEMBER = Buffer.from('"idempotency-key":');
const SENDS_MEMBER = Buffer.from('"sends":');

export interface PrefixRecords {
  /** Idempotency key → position of the message entry that records it. */
  keys: Map<string, number>;
  /** State entries with sends, in chain order. */
  sends: { stateHash: string; sends: Send[] }[];
}

/** The position of the entry whose line starts at `offset` (offsets grow with positions). */
function positionAt(index: ChainIndex, offset: number, length: number): number {
  let low = 0;
  let high = length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (index.offsetAt(middle) <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

export async function scanPrefix(handle: ByteReader, bytes: number, index: ChainIndex): Promise<PrefixRecords> {
  const records: PrefixRecords = { keys: new Map(), sends: [] };
  const entries = index.length;
  for await (const { lines, offset: base } of new LineChunks(handle, 0, bytes, READ_BYTES)) {
    for (const member of [KEY_MEMBER, SENDS_MEMBER]) {
      for (let at = lines.indexOf(member); at !== -1;) {
        const start = lines.lastIndexOf(NEWLINE, at) + 1;
        const end = lines.indexOf(NEWLINE, at);
        const position = positionAt(index, base + start, entries);
        const { data: entryData } = JSON.parse(lines.toString('utf8', start, end)) as { data: Record<string, unknown> };
        if (member === KEY_MEMBER && 'message' in entryData) {
          const { 'idempotency-key': key, sender } = entryData as unknown as MessageData;
          if (isIdempotencyKey(key) && (sender === undefined || isSenderKey(sender))) records.keys.set(scopedKey(key!, sender), position);
        }
        if (member === SENDS_MEMBER && 'state' in entryData) {
          const sends = (entryData as unknown as StateData).sends;
          if (Array.isArray(sends)) records.sends.push({ stateHash: index.hashAt(position), sends });
        }
        at = lines.indexOf(member, end + 1);
      }
    }
  }
  return records;
}
