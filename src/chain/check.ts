/**
 * The structural rules of a stored chain, checked one entry at a time as it streams by
 * (recovery, verify, inspect all use this): each entry is canonical JSON of exactly
 * {data, parent}; its hash is the SHA-256 of that text; its parent is the hash of the entry
 * before; kinds go genesis, state, (message, state)*; the genesis names the expected
 * component. Entries come out in whole groups, the units a crash cannot split.
 */
import { ActorchainError } from '../errors.js';
import { canonicalJson, HASH_PATTERN, sha256Hex } from '../json/canonical.js';
import { entryKind, type EntryData, type EntryKind, type GenesisData, type StateData } from './entry.js';

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

/** Genesis and the init state, or a message and the state handle made from it. */
export type EntryGroup = readonly [CheckedEntry, CheckedEntry];

/** How a position is named in messages: "line 7" in a file, "entry 7" from a URL. */
export type PositionUnit = 'line' | 'entry';

export interface CheckerOptions {
  /** Refuse a chain whose genesis names another component (CHAIN_COMPONENT_MISMATCH). */
  componentHash?: string;
  unit: PositionUnit;
}

const MESSAGE_PREFIX = '{"data":{"message":';
const STATE_PREFIX = '{"data":{"state":';
/** `},"parent":"<64 hex>"}`: what follows the payload when the parent is a hash. */
const PARENT_SUFFIX_CHARS = '},"parent":"'.length + 64 + '"}'.length;

/**
 * The canonical text of a message's message or a state's state, cut out of the entry's
 * canonical text instead of canonicalising the value again (replay needs it for every
 * entry). Canonical key order puts "data" first and "parent" last, so the payload is
 * what lies between a fixed prefix and a fixed-length suffix. Undefined for the entries
 * where it is not (genesis, a state with sends): canonicalise the value then.
 */
export function payloadText(entry: CheckedEntry): string | undefined {
  if (entry.position === 0) return undefined;
  const prefix = entry.kind === 'message' ? MESSAGE_PREFIX : STATE_PREFIX;
  if (!entry.text.startsWith(prefix)) return undefined;
  return entry.text.slice(prefix.length, entry.text.length - PARENT_SUFFIX_CHARS);
}

/** JSON.parse that answers undefined instead of throwing: a torn line is expected input. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function expectedKind(position: number): EntryKind {
  if (position === 0) return 'genesis';
  return position % 2 === 1 ? 'state' : 'message';
}

export class ChainChecker {
  readonly #options: CheckerOptions;
  #position = 0;
  #previous: CheckedEntry | undefined;
  #pending: CheckedEntry | undefined;

  constructor(options: CheckerOptions) {
    this.#options = options;
  }

  /** Entries accepted so far (whole groups and a pending one). */
  get count(): number {
    return this.#position;
  }

  /** An accepted entry still waiting for its state: at the end of a chain, a torn group. */
  get pending(): CheckedEntry | undefined {
    return this.#pending;
  }

  /** "line 7" / "entry 7" for a 0-based position. */
  where(position: number): string {
    return `${this.#options.unit} ${position + 1}`;
  }

  /**
   * Check the next entry: `text` as stored and `value` its parsed JSON. `claimedHash` is the
   * hash a source lists the entry under (a URL's pages); `textIsCanonical` skips the
   * canonical check when the caller produced `text` with canonicalJson itself. Returns the
   * group the entry completes, if it completes one. Throws CHAIN_CORRUPT or
   * CHAIN_COMPONENT_MISMATCH naming the entry.
   */
  accept(text: string, value: unknown, claimedHash?: string, textIsCanonical = false): EntryGroup | undefined {
    const position = this.#position;
    const hash = sha256Hex(text);
    const corrupt = (problem: string) =>
      new ActorchainError('CHAIN_CORRUPT', `${this.where(position)} (hash ${hash}) ${problem}`);

    if (claimedHash !== undefined && claimedHash !== hash) {
      throw new ActorchainError(
        'CHAIN_CORRUPT',
        `${this.where(position)} is listed as ${claimedHash} but its {parent, data} hashes to ${hash}`,
      );
    }
    const record = value as { parent?: unknown; data?: unknown } | null;
    if (typeof record !== 'object' || record === null || Array.isArray(record) || Object.keys(record).sort().join(',') !== 'data,parent') {
      throw corrupt('is not an entry: it must be a JSON object with exactly the keys "data" and "parent"');
    }
    const kind = entryKind(record.data);
    if (kind === undefined) throw corrupt('has data that is neither a genesis, a state nor a message');
    if (!textIsCanonical && canonicalJson(record) !== text) {
      throw corrupt('is not in canonical JSON form (RFC 8785), so its text is not what was hashed');
    }
    const expectedParent = this.#previous?.hash ?? null;
    if (record.parent !== expectedParent) {
      const shown = typeof record.parent === 'string' && HASH_PATTERN.test(record.parent) ? record.parent : JSON.stringify(record.parent);
      throw corrupt(
        expectedParent === null
          ? `should be the genesis, with parent null, but its parent is ${shown}`
          : `names parent ${shown}, but ${this.where(position - 1)} hashes to ${expectedParent}: ` +
              `${this.where(position - 1)} was altered, or an entry was removed or inserted`,
      );
    }
    if (kind !== expectedKind(position)) {
      throw corrupt(`is a ${kind} entry where the chain needs a ${expectedKind(position)} (genesis, state, then message/state pairs)`);
    }
    const data = record.data as EntryData;
    if (kind === 'genesis') this.#checkComponent(data as GenesisData, hash);
    if (position === 1 && (data as StateData).sends !== undefined) throw corrupt('is the init state, which cannot record sends');

    const entry: CheckedEntry = { position, hash, parent: expectedParent, text, kind, data };
    this.#position = position + 1;
    this.#previous = entry;
    if (kind !== 'state') {
      this.#pending = entry;
      return undefined;
    }
    const group: EntryGroup = [this.#pending!, entry];
    this.#pending = undefined;
    return group;
  }

  #checkComponent(genesis: GenesisData, hash: string): void {
    const expected = this.#options.componentHash;
    const named = genesis['component-hash'];
    if (expected !== undefined && named !== expected) {
      throw new ActorchainError(
        'CHAIN_COMPONENT_MISMATCH',
        `${this.where(0)} (hash ${hash}): this chain was made by the component with hash ${named}, ` +
          `not by the one given (hash ${expected}); use that component, or another data dir`,
      );
    }
  }
}
