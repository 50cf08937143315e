/**
 * chain.sealed: the older entries of a compacted data dir, which chain.ndjson then
 * continues. Together they hold exactly the canonical NDJSON a plain data dir holds, and
 * every reader sees it as one file (ChainBytes, chain-bytes.ts). Blocks are appended to it
 * by `actorchain compact` and, while a runtime runs, by its sealer (live-seal.ts).
 *
 *   "actorchain-sealed 1\n"
 *   block*   u32 BE header length, u32 BE body length,
 *            header: varint entries, then per entry varint line length (newline excluded),
 *                    u8 form (0 full, 1 delta against the entry two before), 8 bytes of its hash
 *            body:   brotli of, per entry, varint payload length and the payload
 *                    (the canonical text, or a delta.ts delta against the entry two before)
 *
 * Which blocks belong to the chain is decided by chain.ndjson, not by chain.sealed: they are
 * those up to the entry that chain.ndjson's first line names as its parent (none when that
 * line is the genesis or chain.sealed has no block; all of them when chain.ndjson holds no
 * whole line). Blocks past it are
 * a seal that a crash cut short, dropped at the next start. So a seal appends its blocks,
 * syncs them, and only then replaces chain.ndjson by one that starts after them: that rename
 * is the one moment the chain changes layout (chain-bytes.ts).
 *
 * An entry is a delta when that saves three quarters of its bytes and the entry two before
 * is fewer than DELTA_DEPTH deltas away from a full text (entries under MIN_DELTA_BYTES are
 * not tried): a state changed in a few places costs its change, and rebuilding any entry
 * applies at most DELTA_DEPTH deltas. A block starts at a full entry once the one before has
 * BLOCK_ENTRIES entries and BLOCK_MIN_BYTES of text (or BLOCK_BYTES of text), and ends where
 * a seal ends, so rebuilding an entry decompresses a few blocks. (These are the writer's
 * choices: a reader takes any delta and any block size.) Every
 * rebuilt entry is held to its stored hash prefix: a damaged block is CHAIN_CORRUPT naming
 * the entry.
 */
export const SEALED_FILE = 'chain.sealed';
export const SEALED_MAGIC = Buffer.from('actorchain-sealed 1\n');
/** Deltas at most between an entry and the full text it is rebuilt from. */
export const DELTA_DEPTH = 128;
/** A block ends before a full entry once it holds this many entries and BLOCK_MIN_BYTES of text, or BLOCK_BYTES of text. */
export const BLOCK_ENTRIES = 64;
export const BLOCK_MIN_BYTES = 64 << 10;
export const BLOCK_BYTES = 4 << 20;
/**
 * Entries shorter than this are stored whole: every entry names its parent by a hash of 64 hex
 * digits that no earlier entry holds, so a delta of a shorter one cannot save three quarters of
 * it, and brotli finds what it shares with its block anyway.
 */
export const MIN_DELTA_BYTES = 256;
/** Bytes of each entry's hash kept in its block's header, to check the rebuilt text against. */
export const HASH_PREFIX = 8;

/** Appends `value` as a LEB128 varint (7 bits a byte, low bits first). */

export function varint(out: number[], value: number): void {
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

/** Reads LEB128 varints from `bytes`; one that runs past the end is `onBad()`. */
export class VarintReader {
  at = 0;
  constructor(
    readonly bytes: Buffer,
    readonly onBad: () => Error,
  ) {}
  next(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      if (this.at >= this.bytes.length) throw this.onBad();
      const byte = this.bytes[this.at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  }
}

/** An entry a writer deltas the next ones against: its text and how many deltas it is from a full text. */
export interface SealedSeed {
  text: Buffer;
  depth: number;
}
