/**
 * A byte-level delta of one text against another (an entry's canonical JSON against the one
 * two positions before it, see sealed.ts), made for states that change in a few places:
 *
 *   delta = varint(target length) op*
 *   op    = varint(length << 1 | 1) varint(offset in base)   copy `length` bytes of the base
 *         | varint(length << 1)     <length bytes>           insert these bytes
 *
 * diffBytes walks the target keeping a position in the base in step with it, so a number
 * changed in place costs its new digits; where the two fall out of step (an insertion, a
 * deletion) it finds its place again through an index of the base's aligned 16-byte blocks,
 * as rsync does.
 */
import { ActorchainError } from '../errors.js';
import { PieceText } from './piece-text.js';

const BLOCK = 16;
/** A run shorter than this in step with the base is cheaper to insert than to copy. */
const MIN_COPY = 12;
/** How far either side of the place in step a lost block is looked for first. */
const NEAR = 8;
/** How far an equal stretch is compared at a time before byte by byte (see diffBytes). */
const STRIDES = [1024, 32];
/** Bytes compared one by one before the native compares of STRIDES. */
const IN_STEP = 16;
/** Bytes out of step before the base's block index is built to find the place again. */
const INDEX_AFTER = 256;

function blockKey(bytes: Buffer, at: number): number {
  return (Math.imul(bytes.readUInt32LE(at) ^ bytes.readUInt32LE(at + 8), 0x9e3779b1) ^ bytes.readUInt32LE(at + 4) ^ bytes.readUInt32LE(at + 12)) >>> 0;
}

class Writer {
  bytes = Buffer.allocUnsafe(256);
  length = 0;

  #room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + n));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  varint(value: number): void {
    this.#room(10);
    while (value >= 0x80) {
      this.bytes[this.length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.bytes[this.length++] = value;
  }

  raw(source: Buffer, from: number, to: number): void {
    this.#room(to - from);
    source.copy(this.bytes, this.length, from, to);
    this.length += to - from;
  }
}

/** Where in the base, within NEAR bytes of `j`, the block of the target at `i` starts, if it does. */
function nearby(base: Buffer, target: Buffer, i: number, j: number): number | undefined {
  const fits = (at: number) => at >= 0 && at + BLOCK <= base.length && target[i] === base[at] && target.compare(base, at, at + BLOCK, i, i + BLOCK) === 0;
  for (let shift = 1; shift <= NEAR; shift++) {
    if (fits(j - shift)) return j - shift;
    if (fits(j + shift)) return j + shift;
  }
  return undefined;
}

/** The delta that turns `base` into `target`, or undefined once it would pass `limit` bytes. */
export function diffBytes(base: Buffer, target: Buffer, limit = target.length / 4): Buffer | undefined {
  // Built the first time the two stay out of step (a state changed in place never needs it).
  let blocks: Map<number, number> | undefined;
  const blockIndex = () => {
    blocks = new Map<number, number>();
    for (let at = 0; at + BLOCK <= base.length; at += BLOCK) {
      const key = blockKey(base, at);
      if (!blocks.has(key)) blocks.set(key, at);
    }
    return blocks;
  };
  const out = new Writer();
  out.varint(target.length);
  let literalFrom = 0;
  const flushLiteral = (to: number) => {
    if (to > literalFrom) {
      out.varint((to - literalFrom) * 2);
      out.raw(target, literalFrom, to);
    }
  };
  let i = 0;
  let j = 0;
  while (i < target.length) {
    // The bytes since the last copy go out as a literal whatever comes next.
    if (out.length + (i - literalFrom) > limit) return undefined;
    // The first bytes one by one: out of step, they differ at once, and a native compare per
    // byte walked (most of a small entry's text, measured) would cost more than the walk.
    let run = 0;
    while (run < IN_STEP && i + run < target.length && j + run < base.length && target[i + run] === base[j + run]) run++;
    if (run === IN_STEP) {
      // Long equal stretches (most of a state changed in a few places) compared natively, a
      // kilobyte then 32 bytes at a time, and the rest byte by byte.
      for (const stride of STRIDES) {
        while (i + run + stride <= target.length && j + run + stride <= base.length && target.compare(base, j + run, j + run + stride, i + run, i + run + stride) === 0) {
          run += stride;
        }
      }
      while (i + run < target.length && j + run < base.length && target[i + run] === base[j + run]) run++;
    }
    if (run >= MIN_COPY || (run > 0 && i + run === target.length)) {
      flushLiteral(i);
      out.varint(run * 2 + 1);
      out.varint(j);
      i += run;
      j += run;
      literalFrom = i;
      continue;
    }
    // Out of step for a block's length: look for this place in the base, first a few bytes
    // either side (a number that gained or lost digits), then, once that has not found it
    // for a while, through the index of the base's blocks (built only then: a text whose
    // only change is a hash or a few numbers never pays for it).
    const literal = i - literalFrom;
    if (literal >= BLOCK && i + BLOCK <= target.length) {
      const near = nearby(base, target, i, j);
      if (near !== undefined) {
        j = near;
        continue;
      }
      if (literal >= INDEX_AFTER) {
        const at = (blocks ?? blockIndex()).get(blockKey(target, i));
        if (at !== undefined && at !== j && target.compare(base, at, at + BLOCK, i, i + BLOCK) === 0) {
          j = at;
          continue;
        }
      }
    }
    i++;
    j++;
  }
  flushLiteral(i);
  return out.length > limit ? undefined : out.bytes.subarray(0, out.length);
}

/**
 * Walk the operations of `delta` against a base of `baseLength` bytes: `copy(from, n)` for
 * base bytes, `insert(at, n)` for bytes of the delta itself. Returns the target's length.
 * Throws CHAIN_CORRUPT, naming `what`, when the delta does not fit the base.
 */
function eachOp(delta: Buffer, baseLength: number, what: string, copy: (from: number, n: number) => void, insert: (at: number, n: number) => void): number {
  let at = 0;
  const corrupt = () => new ActorchainError('CHAIN_CORRUPT', `${what}: its delta does not fit the entry it applies to (the compacted file is damaged)`);
  const varint = (): number => {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      if (at >= delta.length) throw corrupt();
      const byte = delta[at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  };
  const length = varint();
  let written = 0;
  while (at < delta.length) {
    const tag = varint();
    const n = Math.floor(tag / 2);
    if (written + n > length) throw corrupt();
    if (tag % 2 === 1) {
      const from = varint();
      if (from + n > baseLength) throw corrupt();
      copy(from, n);
    } else {
      if (at + n > delta.length) throw corrupt();
      insert(at, n);
      at += n;
    }
    written += n;
  }
  if (written !== length) throw corrupt();
  return length;
}

/** `base` with `delta` applied. Throws CHAIN_CORRUPT, naming `what`, when the delta does not fit the base. */
export function applyDelta(base: Buffer, delta: Buffer, what: string): Buffer {
  const pieces: Array<[Buffer, number, number]> = [];
  const length = eachOp(
    delta,
    base.length,
    what,
    (from, n) => pieces.push([base, from, n]),
    (at, n) => pieces.push([delta, at, n]),
  );
  const out = Buffer.allocUnsafe(length);
  let written = 0;
  for (const [source, from, n] of pieces) written += source.copy(out, written, from, from + n);
  return out;
}

/** `base` with `delta` applied, as pieces of the buffers it came from (nothing copied; see PieceText). */
export function applyDeltaToPieces(base: PieceText, delta: Buffer, what: string): PieceText {
  const out = PieceText.builder();
  eachOp(
    delta,
    base.length,
    what,
    (from, n) => base.copyTo(out, from, n),
    (at, n) => out.push(delta, at, n),
  );
  return out.build();
}
