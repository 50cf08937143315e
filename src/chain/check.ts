/**
 * The structural rules of a stored chain, checked one entry at a time as it streams by
 * (recovery, verify, inspect all use this): each entry is canonical JSON of exactly
 * {data, parent}; its hash is the SHA-256 of that text; its parent is the hash of the entry
 * before; kinds go genesis, state, then pairs of (message, state) or (upgrade, state); the
 * genesis names the expected component; no idempotency key is recorded twice by one sender. Entries come out in whole groups, the
 * units a crash cannot split.
 */
import { ActorchainError } from '../errors.js';
import { HASH_PATTERN, isCanonicalText, sha256Hex } from '../json/canonical.js';
import { isCanonicalJsonBytes, isCanonicalJsonIn, isCanonicalJsonText } from '../json/canonical-scan.js';
import { CLOSE_OBJECT, hasAt, isLowerHex, OPEN_OBJECT, QUOTE } from './bare-line-bytes.js';
import { expectedKind, fitsPosition, genesisMismatch } from './chain-rules.js';
import { entryKind, scopedKey, type EntryData, type GenesisData, type MessageData, type StateData, type UpgradeData } from './entry.js';
import {
  BareLineEntry,
  isBareEntry,
  LazilyHashedEntry,
  MESSAGE_PREFIX_BYTES,
  PARENT_MEMBER_BYTES,
  PARENT_SUFFIX_CHARS,
  STATE_PREFIX_BYTES,
  type CheckedEntry,
  type EntryGroup,
} from './checked-entry.js';

// The entries the checker yields, and the error for another component's chain, for the
// readers that take them from here.
export { componentMismatch } from './chain-rules.js';
export { barePayload, entryByteLength, isBareEntry, isBareStateOf, journalOf, parseJson, payloadText, type CheckedEntry, type EntryGroup } from './checked-entry.js';

/** How a position is named in messages: "line 7" in a file, "entry 7" from a URL. */
export type PositionUnit = 'line' | 'entry';

export interface CheckerOptions {
  /**
   * Refuse a chain whose genesis names another component (CHAIN_COMPONENT_MISMATCH, genesisMismatch).
   * A run checks the component in use at the end instead (see `component`, componentMismatch).
   */
  componentHash?: string;
  unit: PositionUnit;
  /** Start after this entry (the last of a whole group already checked), not at genesis. */
  after?: CheckedEntry;
  /**
   * Check from the middle of a chain whose earlier entries were checked before: the next
   * entry is at `position` (the start of a group) and its parent is `parent`.
   */
  resume?: { position: number; parent: string; componentHash?: string };
  /**
   * Leave hashes and parent links to a second pass over the same text that runs beside this
   * one (the hash thread of a reopen or a verify, line-hasher.ts): hash an entry only if its hash
   * is asked for. That pass must check every line this one accepts, and its verdict must
   * come before the entries are trusted: a bare line's parent is taken to be the 64 hex
   * bytes before its closing `"}`, which only that pass proves are the hash before's.
   */
  deferHashes?: boolean;
  /** Idempotency keys recorded before where the check starts → their positions. */
  knownKeys?: Map<string, number>;
}

export class ChainChecker {
  readonly #options: CheckerOptions;
  #position: number;
  #previousHash: string | null;
  #pending: CheckedEntry | undefined;
  readonly #keys: Map<string, number>;
  #component: string | undefined;
  #componentAt = 0;

  constructor(options: CheckerOptions) {
    this.#options = options;
    this.#keys = new Map(options.knownKeys);
    const resume = options.resume ?? (options.after && { position: options.after.position + 1, parent: options.after.hash });
    this.#position = resume?.position ?? 0;
    this.#previousHash = resume?.parent ?? null;
    this.#component = options.resume?.componentHash;
  }

  /** The component in use after the entries accepted so far: the last upgrade's, or the genesis'. */
  get component(): string | undefined {
    return this.#component;
  }

  /** The position of the entry that named `component` (the genesis or an upgrade). */
  get componentAt(): number {
    return this.#componentAt;
  }

  /** Entries accepted so far (whole groups and a pending one). */
  get count(): number {
    return this.#position;
  }

  /** An accepted entry still waiting for its state: at the end of a chain, a torn group. */
  get pending(): CheckedEntry | undefined {
    return this.#pending;
  }

  /** Every idempotency key accepted so far → the position of the message entry recording it. */
  get idempotencyKeys(): Map<string, number> {
    return this.#keys;
  }

  /** "line 7" / "entry 7" for a 0-based position. */
  where(position: number): string {
    return `${this.#options.unit} ${position + 1}`;
  }

  /**
   * Check the next entry: `text` as stored and `value` its parsed JSON. `claimedHash` is the
   * hash a source lists the entry under (a URL's pages); `textIsCanonical` skips the
   * canonical check when the caller produced `text` with canonicalJson itself; `bytes`, the
   * text's UTF-8 as read from a file, are hashed and scanned instead of encoding the text
   * again. Returns the group the entry completes, if it completes one. Throws CHAIN_CORRUPT
   * or CHAIN_COMPONENT_MISMATCH naming the entry.
   */
  accept(text: string, value: unknown, claimedHash?: string, textIsCanonical = false, bytes?: Uint8Array): EntryGroup | undefined {
    const position = this.#position;
    const deferred = this.#options.deferHashes === true;
    const hash = deferred ? undefined : sha256Hex(bytes ?? text);
    const corrupt = (problem: string) => new ActorchainError('CHAIN_CORRUPT', `${this.where(position)} (hash ${hash ?? sha256Hex(text)}) ${problem}`);

    if (claimedHash !== undefined && claimedHash !== (hash ?? sha256Hex(text))) {
      throw new ActorchainError('CHAIN_CORRUPT', `${this.where(position)} is listed as ${claimedHash} but its {parent, data} hashes to ${hash ?? sha256Hex(text)}`);
    }
    const record = value as { parent?: unknown; data?: unknown } | null;
    if (typeof record !== 'object' || record === null || Array.isArray(record) || Object.keys(record).sort().join(',') !== 'data,parent') {
      throw corrupt('is not an entry: it must be a JSON object with exactly the keys "data" and "parent"');
    }
    const kind = entryKind(record.data);
    if (kind === undefined) throw corrupt('has data that is neither a genesis, a state, a message nor an upgrade');
    // The scan decides most texts without serialising anything; what it cannot decide (an
    // escaped key, deep nesting) is compared with the canonical text of the parse.
    const canonical = textIsCanonical || (bytes ? isCanonicalJsonBytes(bytes) : isCanonicalJsonText(text)) || isCanonicalText(record, text);
    if (!canonical) {
      throw corrupt('is not in canonical JSON form (RFC 8785), so its text is not what was hashed');
    }
    const expectedParent = this.#previousHash;
    if (!deferred && record.parent !== expectedParent) {
      const shown = typeof record.parent === 'string' && HASH_PATTERN.test(record.parent) ? record.parent : JSON.stringify(record.parent);
      throw corrupt(
        expectedParent === null
          ? `should be the genesis, with parent null, but its parent is ${shown}`
          : `names parent ${shown}, but ${this.where(position - 1)} hashes to ${expectedParent}: ` +
              `${this.where(position - 1)} was altered, or an entry was removed or inserted`,
      );
    }
    if (!fitsPosition(kind, expectedKind(position))) {
      throw corrupt(`is a ${kind} entry where the chain needs a ${expectedKind(position)} (genesis, state, then message/state or upgrade/state pairs)`);
    }
    const data = record.data as EntryData;
    if (kind === 'genesis') this.#checkComponent(data as GenesisData, hash ?? sha256Hex(text));
    if (position === 1 && (data as StateData).sends !== undefined) throw corrupt('is the init state, which cannot record sends');
    if (kind === 'state' && this.#pending?.kind === 'upgrade' && (data as StateData).sends !== undefined) {
      throw corrupt('is the state an upgrade hands over, which cannot record sends');
    }
    if (kind === 'genesis') this.#component = (data as GenesisData)['component-hash'];
    const key = kind === 'message' ? (data as MessageData)['idempotency-key'] : undefined;
    const sender = kind === 'message' ? (data as MessageData).sender : undefined;
    if (sender !== undefined && key === undefined) throw corrupt('records a sender but no idempotency key: a runtime records the sender of a key only');
    if (key !== undefined) {
      // A runtime applies a key at most once per sender: a second entry with it was not made by one.
      const first = this.#keys.get(scopedKey(key, sender));
      if (first !== undefined) {
        const whose = sender === undefined ? '' : ` from ${sender}`;
        throw corrupt(`records idempotency key ${JSON.stringify(key)}${whose}, which ${this.where(first)} already recorded`);
      }
    }

    // The parent as recorded: checked above, or by the hash thread when hashes are deferred.
    const parent = record.parent as string | null;
    const entry: CheckedEntry = hash === undefined ? new LazilyHashedEntry(position, parent, text, kind, data) : { position, hash, parent, text, kind, data };
    return this.#advance(entry);
  }

  /**
   * accept() for a line read from a file, when it is a bare message or state whose parent is
   * the entry before: `{"data":{"message":X},"parent":"<hash>"}` or the same with "state".
   * Its bytes are then canonical exactly when X is (the rest is fixed ASCII in canonical
   * order), and X scanning as one canonical value is also what proves the line has that
   * shape, so nothing is parsed. `last`: the line is the file's last (so it may be torn).
   * Answers null, having changed nothing, for any other line
   * (a genesis, a key, sends, a journal, a wrong parent, text the scan cannot decide): pass
   * it to accept(), which checks it in full and names what is wrong. `sealedHash`: the
   * line is a sealed entry rebuilt and held to its sealed hash prefix (ChainFileOptions.
   * trustSealed), with this hash: its canonical form is not scanned again, nor is it hashed.
   */
  acceptBareLine(bytes: Buffer, last = false, sealedHash?: string): EntryGroup | undefined | null {
    const position = this.#position;
    if (position === 0) return null;
    const deferred = this.#options.deferHashes === true;
    const parent = this.#previousHash;
    const kind = expectedKind(position) as 'message' | 'state';
    const prefix = kind === 'message' ? MESSAGE_PREFIX_BYTES : STATE_PREFIX_BYTES;
    const payloadEnd = bytes.length - PARENT_SUFFIX_CHARS;
    if (payloadEnd <= prefix.length || !hasAt(bytes, 0, prefix) || !hasAt(bytes, payloadEnd, PARENT_MEMBER_BYTES)) return null;
    if (bytes[bytes.length - 2] !== QUOTE || bytes[bytes.length - 1] !== CLOSE_OBJECT) return null;
    if (deferred) {
      // The other pass checks that these 64 bytes are the hash before's hex (see
      // deferHashes). But a file's last line that is not JSON is a torn tail, not an entry,
      // and must be told apart here: for it they must at least be hex.
      if (last && !isLowerHex(bytes, bytes.length - 66, bytes.length - 2)) return null;
    } else if (bytes.toString('latin1', bytes.length - 66, bytes.length - 2) !== parent) {
      return null;
    }
    if (kind === 'message' && bytes[prefix.length] !== OPEN_OBJECT) return null;
    if (sealedHash !== undefined && !deferred) return this.#advance(new BareLineEntry(position, sealedHash, parent, kind, bytes));
    if (!isCanonicalJsonIn(bytes, prefix.length, payloadEnd)) return null;
    return this.#advance(new BareLineEntry(position, deferred ? undefined : sha256Hex(bytes), parent, kind, bytes));
  }

  /** Move past an accepted entry; the group it completes, if it completes one. */
  #advance(entry: CheckedEntry): EntryGroup | undefined {
    this.#position = entry.position + 1;
    this.#previousHash = this.#options.deferHashes === true ? null : entry.hash;
    if (entry.kind !== 'state') {
      this.#pending = entry;
      return undefined;
    }
    const group: EntryGroup = [this.#pending!, entry];
    this.#pending = undefined;
    // An upgrade counts once its state is there too: a torn one is cut.
    if (group[0].kind === 'upgrade') {
      this.#component = (group[0].data as UpgradeData).upgrade['component-hash'];
      this.#componentAt = group[0].position;
    }
    // Only whole groups count: a torn message at the end of a file is cut, its key with it.
    if (group[0].kind === 'message' && !isBareEntry(group[0])) {
      const { 'idempotency-key': recorded, sender } = group[0].data as MessageData;
      if (recorded !== undefined) this.#keys.set(scopedKey(recorded, sender), group[0].position);
    }
    return group;
  }

  #checkComponent(genesis: GenesisData, hash: string): void {
    const expected = this.#options.componentHash;
    const named = genesis['component-hash'];
    if (expected !== undefined && named !== expected) throw genesisMismatch(`${this.where(0)} (hash ${hash})`, named, expected);
  }
}
