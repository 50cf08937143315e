/**
 * The browser's own check of chain entries: the hash of each is recomputed with WebCrypto
 * over its RFC 8785 canonical JSON, and its parent must be the entry before it. This
 * checks the chain's integrity, not that the component would compute these states.
 */
import { canonicalJson } from './canonical-json.js';
import { entryKind as kindOfData, nearestKind, type EntryKind } from './entry-kind.js';

export interface ChainEntry {
  hash: string;
  parent: string | null;
  data: Record<string, unknown>;
}

/**
 * The kind the page shows an entry as: the runtime's rule (entry-kind.ts); data that fits
 * no kind, which fails the page's check, is shown as the kind whose required members it has.
 */
export function entryKind(entry: ChainEntry): EntryKind {
  return kindOfData(entry.data) ?? nearestKind(entry.data) ?? (entry.parent === null ? 'genesis' : 'state');
}

/** Whether this browser can hash at all: WebCrypto exists only in secure contexts (https, localhost). */
export function canHash(): boolean {
  return globalThis.crypto?.subtle !== undefined;
}

/** Lowercase hex SHA-256 of the entry's canonical `{"data", "parent"}`, as the runtime names it. */
export async function entryHash(entry: ChainEntry): Promise<string> {
  const text = canonicalJson({ data: entry.data, parent: entry.parent });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Check `entries` (in chain order) whose predecessor is `previous` (the entry before the
 * first, or null when the first is genesis). An entry passes when its hash is the hash of
 * its content and its parent is the hash of the entry before it.
 */
export async function checkEntries(entries: readonly ChainEntry[], previous: string | null): Promise<boolean[]> {
  if (!canHash()) return entries.map(() => false);
  const hashes = await Promise.all(entries.map((entry) => entryHash(entry).catch(() => undefined)));
  return entries.map((entry, i) => {
    const expectedParent = i === 0 ? previous : entries[i - 1]!.hash;
    const kind = kindOfData(entry.data);
    // A genesis, and only a genesis, starts the chain.
    const linked = entry.parent === expectedParent && kind !== undefined && (entry.parent === null) === (kind === 'genesis');
    return hashes[i] === entry.hash && linked;
  });
}
