/**
 * Reading durable entries back from a chain's store: the pages GET /chain serves (forwards
 * from an entry, or backwards to one, within PAGE_MAX_BYTES) and what a message recorded with
 * an idempotency key was answered with. Chain checks the durable view before it reads here.
 */
import { canonicalOfParsed } from '../json/canonical.js';
import type { CommittedState } from './chain-types.js';
import type { EntryData } from './entry.js';
import type { ChainStore } from './store.js';

/** The most a GET /chain page carries, in bytes of canonical JSON (one entry at least). */
export const PAGE_MAX_BYTES = 8 * 2 ** 20;

export interface ChainPage {
  head: string;
  entries: Array<{ hash: string; parent: string | null; data: EntryData }>;
  next: string | null;
}

/** The durable view's end, as far as a page needs it. */
interface DurableEnd {
  readonly head: string;
  readonly length: number;
}

/** The message entry at `position` and the state entry after it, as Chain.appliedWithKey answers. */
export async function readApplied(
  store: ChainStore,
  position: number,
): Promise<{ head: string; message: string; statePosition: number; state: CommittedState; canonical: string }> {
  const [messageText, stateText] = await store.read(position, position + 2);
  const { data } = JSON.parse(stateText!) as { data: { state: unknown } };
  const { data: messageData } = JSON.parse(messageText!) as { data: { message: unknown } };
  const state = { value: data.state, canonical: canonicalOfParsed(data.state) };
  return {
    head: store.hashAt(position + 1),
    message: store.hashAt(position),
    statePosition: position + 1,
    state,
    canonical: canonicalOfParsed(messageData.message),
  };
}

/**
 * Durable entries in chain order, starting after `after` (a hash the store knows) or at
 * genesis: up to `limit` of them, fewer when they would pass PAGE_MAX_BYTES.
 */
export async function readPage(store: ChainStore, { head, length }: DurableEnd, after: string | undefined, limit: number): Promise<ChainPage> {
  const from = after === undefined ? 0 : store.indexOf(after)! + 1;
  const texts = await store.read(from, Math.min(from + limit, length), PAGE_MAX_BYTES);
  const entries = texts.map((text, i) => {
    const { parent, data } = JSON.parse(text) as { parent: string | null; data: EntryData };
    return { hash: store.hashAt(from + i), parent, data };
  });
  const next = from + entries.length < length && entries.length > 0 ? entries.at(-1)!.hash : null;
  return { head, entries, next };
}

/**
 * Durable entries in chain order, ending with `until` (a hash the store knows): the last
 * `limit` of them, fewer when they would pass PAGE_MAX_BYTES (then the newest that fit).
 * The page before it ends with the first entry's parent.
 */
export async function readPageUntil(store: ChainStore, { head, length }: DurableEnd, until: string, limit: number): Promise<ChainPage> {
  const end = store.indexOf(until)! + 1;
  const from = Math.max(0, end - limit);
  let texts = await store.read(from, end, PAGE_MAX_BYTES);
  if (texts.length < end - from) {
    // The byte budget cut the page short at its new end; keep the newest entries instead,
    // read one by one backwards (rare: it takes entries of hundreds of kilobytes).
    const newestFirst: string[] = [];
    for (let position = end - 1, bytes = 0; position >= from; position--) {
      const [text] = await store.read(position, position + 1);
      bytes += Buffer.byteLength(text!) + 1;
      if (bytes > PAGE_MAX_BYTES && newestFirst.length > 0) break;
      newestFirst.push(text!);
    }
    texts = newestFirst.reverse();
  }
  const first = end - texts.length;
  const entries = texts.map((text, i) => {
    const { parent, data } = JSON.parse(text) as { parent: string | null; data: EntryData };
    return { hash: store.hashAt(first + i), parent, data };
  });
  return { head, entries, next: end < length ? until : null };
}
