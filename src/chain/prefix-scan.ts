/**
 * What a start needs from the lines a checkpoint vouches for, which it does not check one by
 * one: the idempotency keys their messages record (so a repeat is still refused) and the
 * sends their states record (so the outbox finds what is still owed). Both are rare, and the
 * lines are canonical (members in order, RFC 8785), so each line's first bytes say whether
 * it records one:
 *
 *   {"data":{"idempotency-key":…     a message with a key ("idempotency-key" < "message" < "sender")
 *   {"data":{"sends":…               a state with sends ("journal" < "sends" < "state")
 *   {"data":{"journal":…             a state with a journal: sends may follow it, so the line is searched
 *
 * Only those lines are parsed; a state with a journal is parsed only when `"sends":` is in it
 * (a name found inside its state or journal parses to an entry without that member, and is
 * passed over). Any other line records neither, whatever its size.
 */
import { isIdempotencyKey, isSenderKey, scopedKey, type MessageData, type Send, type StateData } from './entry.js';

const KEY_HEAD = Buffer.from('{"data":{"idempotency-key":');
const SENDS_HEAD = Buffer.from('{"data":{"sends":');
const JOURNAL_HEAD = Buffer.from('{"data":{"journal":');
const SENDS_MEMBER = Buffer.from('"sends":');

function startsWith(bytes: Buffer, start: number, end: number, head: Buffer): boolean {
  return end - start >= head.length && bytes.compare(head, 0, head.length, start, start + head.length) === 0;
}

/** The keys and sends of the lines it is shown, in chain order. */
export class PrefixRecords {
  /** Idempotency key → position of the message entry that records it. */
  readonly keys = new Map<string, number>();
  /** State entries with sends, in chain order. */
  readonly sends: { stateHash: string; sends: Send[] }[] = [];

  /**
   * Take what the line `bytes[start, end)` (an entry's canonical text, at `position`)
   * records; `hashOf` gives its hash, asked for only when it has sends.
   */
  note(bytes: Buffer, start: number, end: number, position: number, hashOf: (position: number) => string): void {
    if (startsWith(bytes, start, end, KEY_HEAD)) {
      const { 'idempotency-key': key, sender } = this.#data(bytes, start, end) as unknown as MessageData;
      if (isIdempotencyKey(key) && (sender === undefined || isSenderKey(sender))) this.keys.set(scopedKey(key!, sender), position);
      return;
    }
    const withSends = startsWith(bytes, start, end, SENDS_HEAD) || (startsWith(bytes, start, end, JOURNAL_HEAD) && this.#holds(bytes, start, end, SENDS_MEMBER));
    if (!withSends) return;
    const data = this.#data(bytes, start, end);
    const sends = 'state' in data ? (data as unknown as StateData).sends : undefined;
    if (Array.isArray(sends)) this.sends.push({ stateHash: hashOf(position), sends });
  }

  #holds(bytes: Buffer, start: number, end: number, member: Buffer): boolean {
    return bytes.subarray(start, end).indexOf(member) !== -1;
  }

  #data(bytes: Buffer, start: number, end: number): Record<string, unknown> {
    return (JSON.parse(bytes.toString('utf8', start, end)) as { data: Record<string, unknown> }).data;
  }
}
