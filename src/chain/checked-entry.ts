/**
 * The entries a check yields (check.ts): each with its position, hash, parent, text, kind
 * and data, in groups a crash cannot split. Most lines of a file are bare messages and
 * states, kept as the bytes they were read as (BareLineEntry) and decoded only when asked;
 * the rest are parsed. Also how a bare entry's bytes are laid out, which lets the checker
 * accept one without parsing it, and replay cut a payload out without canonicalising again.
 */
import { sha256Hex } from '../json/canonical.js';
import type { EntryData, EntryKind, GenesisData, JournalRecord, MessageData, StateData, UpgradeData } from './entry.js';

export interface CheckedEntry {
  /** 0-based position in chain order. */
  position: number;
  hash: string;
  /** The hash of the entry before (null for the genesis). */
  parent: string | null;
  /** The canonical JSON text the hash is taken of. */
  text: string;
  kind: EntryKind;
  data: EntryData;
}

/** Genesis and the init state, a message and the state handle made from it, or an upgrade and the state the new component takes over. */
export type EntryGroup = readonly [CheckedEntry, CheckedEntry];

/** The component a group puts in use: its genesis' or its upgrade's; undefined for a message and its state. */
export function componentNamed([first]: EntryGroup): string | undefined {
  if (first.kind === 'genesis') return (first.data as GenesisData)['component-hash'];
  if (first.kind === 'upgrade') return (first.data as UpgradeData).upgrade['component-hash'];
  return undefined;
}

export const MESSAGE_PREFIX = '{"data":{"message":';
export const STATE_PREFIX = '{"data":{"state":';
/** `},"parent":"<64 hex>"}`: what follows the payload when the parent is a hash. */
export const PARENT_SUFFIX_CHARS = '},"parent":"'.length + 64 + '"}'.length;

/**
 * The canonical text of a message's message or a state's state, cut out of the entry's
 * canonical text instead of canonicalising the value again (replay needs it for every
 * entry). Canonical key order puts "data" first and "parent" last, so the payload is
 * what lies between a fixed prefix and a fixed-length suffix. Undefined for the entries
 * where it is not (genesis, a state with sends): canonicalise the value then.
 */
export function payloadText(entry: CheckedEntry): string | undefined {
  if (entry.position === 0) return undefined;
  // A bare message has no key and no sender: its data is not decoded to find out.
  const data = entry.kind === 'message' && !isBareEntry(entry) ? (entry.data as MessageData) : undefined;
  const key = data?.['idempotency-key'];
  const prefix = key !== undefined ? `{"data":{"idempotency-key":${JSON.stringify(key)},"message":` : entry.kind === 'message' ? MESSAGE_PREFIX : STATE_PREFIX;
  if (!entry.text.startsWith(prefix)) return undefined;
  // "sender" sorts after "message": it lies between the payload and the parent.
  const sender = data?.sender === undefined ? '' : `,"sender":${JSON.stringify(data.sender)}`;
  return entry.text.slice(prefix.length, entry.text.length - PARENT_SUFFIX_CHARS - sender.length);
}

/** JSON.parse that answers undefined instead of throwing: a torn line is expected input. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An entry read with its hash deferred: hashed only if someone asks (an error message, say). */
export class LazilyHashedEntry implements CheckedEntry {
  #hash: string | undefined;

  constructor(
    readonly position: number,
    readonly parent: string | null,
    readonly text: string,
    readonly kind: EntryKind,
    readonly data: EntryData,
  ) {}

  get hash(): string {
    return (this.#hash ??= sha256Hex(this.text));
  }
}

/**
 * A bare message or state (no idempotency key, sends or journal: nearly every entry of most
 * chains) accepted from its line's bytes: its text and data are decoded only if asked for.
 */
export class BareLineEntry implements CheckedEntry {
  #text: string | undefined;
  #data: EntryData | undefined;
  #hash: string | undefined;
  #parent: string | null;

  constructor(
    readonly position: number,
    /** Undefined when hashes are deferred: taken from the bytes if asked for. */
    hash: string | undefined,
    /** The entry before's hash; null when hashes are deferred: then the line's own. */
    parent: string | null,
    readonly kind: 'message' | 'state',
    /** The line without its newline (a view of the reader's buffer). */
    readonly bytes: Buffer,
  ) {
    this.#hash = hash;
    this.#parent = parent;
  }

  get hash(): string {
    return (this.#hash ??= sha256Hex(this.bytes));
  }

  get parent(): string {
    return (this.#parent ??= this.bytes.toString('latin1', this.bytes.length - 66, this.bytes.length - 2));
  }

  get text(): string {
    return (this.#text ??= this.bytes.toString('utf8'));
  }

  get data(): EntryData {
    return (this.#data ??= (JSON.parse(this.text) as { data: EntryData }).data);
  }
}

/** The UTF-8 length of an entry's text, without encoding it again when its bytes are at hand. */
export function entryByteLength(entry: CheckedEntry): number {
  return entry instanceof BareLineEntry ? entry.bytes.length : Buffer.byteLength(entry.text);
}

/** Whether an entry is known to hold nothing but its message or state (no sends to look for). */
export function isBareEntry(entry: CheckedEntry): boolean {
  return entry instanceof BareLineEntry;
}

/** A bare entry's message or state, as the bytes it was read as (a view, not a copy); undefined for any other entry. */
export function barePayload(entry: CheckedEntry): Buffer | undefined {
  if (!(entry instanceof BareLineEntry)) return undefined;
  const { bytes } = entry;
  return bytes.subarray((entry.kind === 'message' ? MESSAGE_PREFIX_BYTES : STATE_PREFIX_BYTES).length, bytes.length - PARENT_SUFFIX_CHARS);
}

/**
 * Whether the entry is a bare state that holds exactly `state` (a canonical text), compared
 * as bytes: replay checks its verdict so without decoding the entry's text.
 */
export function isBareStateOf(entry: CheckedEntry, state: string): boolean {
  return entry.kind === 'state' && barePayload(entry)?.equals(Buffer.from(state)) === true;
}

/** A state entry's journal, without decoding a bare state (it has none) for it. */
export function journalOf(stateEntry: CheckedEntry): JournalRecord[] | undefined {
  return isBareEntry(stateEntry) ? undefined : (stateEntry.data as StateData).journal;
}

export const MESSAGE_PREFIX_BYTES = Buffer.from(MESSAGE_PREFIX);
export const STATE_PREFIX_BYTES = Buffer.from(STATE_PREFIX);
/** `},"parent":"`: where a bare entry's payload ends, 66 bytes before the line's end. */
export const PARENT_MEMBER_BYTES = Buffer.from('},"parent":"');
