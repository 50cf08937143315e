/**
 * The chain format.
 *
 *   genesis                state                  message                state
 *   ┌──────────────────┐   ┌──────────────────┐   ┌──────────────────┐   ┌───────────────────┐
 *   │ parent: null     │◄──┤ parent: h0       │◄──┤ parent: h1       │◄──┤ parent: h2        │◄── HEAD
 *   │ data:            │   │ data:            │   │ data:            │   │ data:             │
 *   │  component-hash  │   │  state (init)    │   │  message         │   │  state, sends?    │
 *   └──────────────────┘   └──────────────────┘   └──────────────────┘   └───────────────────┘
 *        h0                     h1                     h2                     h3
 *
 *   hN = lowercase hex SHA-256 of the RFC 8785 canonical JSON of {"data": ..., "parent": ...}
 *
 * A message entry also holds the `Idempotency-Key` it was POSTed with, if any: the key is
 * applied at most once, so no key appears twice in a chain.
 *
 * After genesis and the init state, entries come in pairs: the message and the state `handle`
 * produced from it. A pair is committed together or not at all.
 */
import { canonicalJson, sha256Hex } from '../json/canonical.js';

export interface Send {
  /** URL of the actorchain runtime the message goes to. */
  to: string;
  message: unknown;
}

export interface GenesisData {
  'component-hash': string;
}
export interface StateData {
  state: unknown;
  sends?: Send[];
}
export interface MessageData {
  'idempotency-key'?: string;
  message: Record<string, unknown>;
}
export type EntryData = GenesisData | StateData | MessageData;

export interface Entry {
  parent: string | null;
  data: EntryData;
}

/** An entry's name and the exact text that was hashed. */
export interface SealedEntry {
  hash: string;
  text: string;
}

export function sealEntry(parent: string | null, data: EntryData): SealedEntry {
  const entry: Entry = { parent, data };
  const text = canonicalJson(entry);
  return { hash: sha256Hex(text), text };
}

/**
 * sealEntry for a message or state entry whose payload is already canonical JSON text, so a
 * large message or state is not canonicalized a second time on the hot path. The result is
 * the same text: the keys are fixed ASCII and already in RFC 8785 order ("data" before
 * "parent"; "idempotency-key" before "message", "sends" before "state"), and a parent hash
 * is hex. `leading` is the canonical text of the members that sort before `key`
 * (`"sends":[...]`, `"idempotency-key":"..."`), if any.
 */
export function sealCanonical(parent: string | null, key: 'message' | 'state', payload: string, leading?: string): SealedEntry {
  const before = leading === undefined ? '' : `${leading},`;
  const text = `{"data":{${before}"${key}":${payload}},"parent":${parent === null ? 'null' : `"${parent}"`}}`;
  return { hash: sha256Hex(text), text };
}

export type EntryKind = 'genesis' | 'state' | 'message';

/** Which of the three kinds `data` is, or undefined when its keys are not exactly one kind's. */
export function entryKind(data: unknown): EntryKind | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const keys = Object.keys(data).sort().join(',');
  const record = data as Record<string, unknown>;
  if (keys === 'component-hash' && typeof record['component-hash'] === 'string') return 'genesis';
  if (keys === 'state' || (keys === 'sends,state' && Array.isArray(record.sends))) return 'state';
  if (keys === 'message' && isJsonObject(record.message)) return 'message';
  if (keys === 'idempotency-key,message' && isJsonObject(record.message) && isIdempotencyKey(record['idempotency-key'])) return 'message';
  return undefined;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const IDEMPOTENCY_KEY_MAX_CHARS = 255;
const IDEMPOTENCY_KEY_PATTERN = new RegExp(`^[\\x20-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_CHARS}}$`);

/**
 * An Idempotency-Key: 1 to 255 printable ASCII characters. Within that range JSON.stringify
 * escapes exactly what RFC 8785 escapes (`"` and `\`), so the key's canonical text is cheap.
 */
export function isIdempotencyKey(value: unknown): boolean {
  return typeof value === 'string' && IDEMPOTENCY_KEY_PATTERN.test(value);
}
