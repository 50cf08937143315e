/**
 * The chain format.
 *
 *   genesis                state                  message                state
 *   ┌──────────────────┐   ┌──────────────────┐   ┌──────────────────┐   ┌───────────────────┐
 *   │ parent: null     │◄──┤ parent: h0       │◄──┤ parent: h1       │◄──┤ parent: h2        │◄── HEAD
 *   │ data:            │   │ data:            │   │ data:            │   │ data:             │
 *   │  component-hash, │   │  state (init),   │   │  message         │   │  state, sends?,   │
 *   │  key?            │   │  journal?        │   │                  │   │  journal?         │
 *   └──────────────────┘   └──────────────────┘   └──────────────────┘   └───────────────────┘
 *        h0                     h1                     h2                     h3
 *
 *   hN = lowercase hex SHA-256 of the RFC 8785 canonical JSON of {"data": ..., "parent": ...}
 *
 * A message entry also holds the `Idempotency-Key` it was POSTed with, if any, and with it
 * the `sender` whose RFC 9421 signature the runtime verified (the sender's verifier key),
 * if the request was signed by one --accept-sends-from names. Keys are unique per sender:
 * a (sender, key) pair, or an unsigned key, appears at most once in a chain.
 *
 * After genesis and the init state, entries come in pairs: the message and the state `handle`
 * produced from it, or an upgrade and the state the new component takes over. A pair is
 * committed together or not at all.
 *
 *   … state                upgrade                    state
 *   ┌──────────────┐   ┌────────────────────────┐   ┌──────────────────────────┐
 *   │ data: state  │◄──┤ data: upgrade:         │◄──┤ data: state (migrated or │
 *   │              │   │   {component-hash}     │   │   carried over), journal?│
 *   └──────────────┘   └────────────────────────┘   └──────────────────────────┘
 *
 * From an upgrade on, messages are handled by the component it names: the component in use
 * is the one the last upgrade (or else the genesis) names.
 */
import { canonicalJson, sha256Hex } from '../json/canonical.js';
import { entryKindRule } from '../isomorphic/entry-kind.js';
import { KEY_TYPE_ED25519, parseVerifierKey } from '../tlog/keys.js';

export { IDEMPOTENCY_KEY_MAX_CHARS, isIdempotencyKey, isJsonObject, type EntryKind } from '../isomorphic/entry-kind.js';

export interface Send {
  /** URL of the actorchain runtime the message goes to. */
  to: string;
  message: unknown;
}

export interface GenesisData {
  'component-hash': string;
  /**
   * The signed-note verifier key of the runtime that created the chain (its checkpoints are
   * signed with it): `<origin>+<key id>+<base64 key>`. Absent from chains made before keys.
   */
  key?: string;
}
/**
 * What the component observed while producing a state: one record per value read, in
 * order, each `[tag, ...value]` (see src/component/journal.ts for the tags). A record
 * `["new"]` first says the state was produced on a fresh instance of the component.
 */
export type JournalRecord = [string, ...(string | number)[]];

export interface StateData {
  journal?: JournalRecord[];
  sends?: Send[];
  state: unknown;
}
export interface MessageData {
  'idempotency-key'?: string;
  message: Record<string, unknown>;
  /** The verifier key of the runtime that signed the request (RFC 9421); only with a key. */
  sender?: string;
}
export interface UpgradeData {
  upgrade: { 'component-hash': string };
}
export type EntryData = GenesisData | StateData | MessageData | UpgradeData;

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

/** A state entry's content as the transition computed it; `state` is canonical JSON text. */
export interface StateContent {
  state: string;
  sends: Send[];
  journal: JournalRecord[] | undefined;
}

/**
 * sealEntry for an entry whose data members are already canonical JSON texts, so a large
 * message or state is not canonicalized a second time on the hot path. The result is the
 * same text: the keys are ASCII, put in RFC 8785 order here ("data" before "parent",
 * "journal" before "sends" before "state"), and a parent hash is hex.
 */
export function sealCanonical(parent: string | null, members: Record<string, string>): SealedEntry {
  const text = canonicalEntryText(parent, members);
  return { hash: sha256Hex(text), text };
}

/** The text sealCanonical hashes (a replay compares it with the entry's; the hash is checked apart). */
export function canonicalEntryText(parent: string | null, members: Record<string, string>): string {
  const data = Object.keys(members)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${members[key]}`)
    .join(',');
  return `{"data":{${data}},"parent":${parent === null ? 'null' : `"${parent}"`}}`;
}

/** The data members of a state entry, canonical: "journal" and "sends" only when there is something in them. */
export function stateMembers(content: StateContent): Record<string, string> {
  const members: Record<string, string> = { state: content.state };
  if (content.sends.length > 0) members.sends = canonicalJson(content.sends);
  if (content.journal !== undefined) members.journal = canonicalJson(content.journal);
  return members;
}

/** Which of the four kinds `data` is, or undefined when its members fit none (isomorphic/entry-kind.ts), a sender's key id checked too. */
export const entryKind = entryKindRule(isSenderKey);

/** A `sender` member: an Ed25519 signed-note verifier key (`<name>+<key id>+<base64 key>`). */
export function isSenderKey(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return parseVerifierKey(value).type === KEY_TYPE_ED25519;
  } catch {
    return false;
  }
}

/**
 * The name an idempotency key is held under: the key itself when no sender signed it,
 * `<sender's base64 public key>\n<key>` when one did. A key holds no newline, so the two
 * namespaces never meet; a sender is its public key, whatever name its verifier key gives.
 */
export function scopedKey(key: string, sender?: string): string {
  if (sender === undefined) return key;
  const encoded = Buffer.from(sender.slice(sender.lastIndexOf('+') + 1), 'base64');
  return `${encoded.subarray(1).toString('base64')}\n${key}`;
}
