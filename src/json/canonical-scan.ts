/**
 * Deciding whether JSON bytes are canonical (RFC 8785) by scanning them, without parsing or
 * decoding: what POST / does to a body, the worker to a new state and a reopen to every line.
 * Only a true answer is final; false sends the caller to parse and canonicalize (canonical.ts).
 */
import { isUtf8 } from 'node:buffer';

/** Deeper than this, a text goes to the full canonicalizer (whose recursion sets the real limit). */
const MAX_SCAN_DEPTH = 512;
const NUMBER_GRAMMAR = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** The bytes a string holds as they are (1): all but control characters, `"` and `\`. */
const PLAIN_IN_STRING = new Uint8Array(256).map((_, byte) => (byte >= 0x20 && byte !== QUOTE && byte !== BACKSLASH ? 1 : 0));
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * Whether `text` is already the canonical JSON of its own parse (see isCanonicalJsonBytes).
 * A lone surrogate has no canonical form (and no UTF-8 encoding to scan).
 */
export function isCanonicalJsonText(text: string): boolean {
  if (!(text as unknown as { isWellFormed(): boolean }).isWellFormed()) return false;
  const bytes = Buffer.from(text, 'utf8');
  return scanCanonical(bytes, 0, bytes.length);
}

/**
 * Whether `bytes` are UTF-8 and already the canonical JSON of their own parse, decided by one
 * scan, without parsing or decoding: no whitespace, strings with only the escapes RFC 8785
 * keeps (\" \\ \b \f \n \r \t and \u00xx for other control characters), numbers as
 * JavaScript prints them, and each object's keys in strictly ascending UTF-16 order. A key with
 * an escape, or nesting deeper than MAX_SCAN_DEPTH, answers false: the caller then takes the
 * parse-and-canonicalize path, which decides exactly. A true answer is always exact.
 *
 * One loop over bytes with an explicit stack (no recursion, no closures): a 128 KB state is
 * checked on every message, in the worker and for the body on the main thread, and every line
 * of a chain file on a reopen.
 */
export function isCanonicalJsonBytes(bytes: Uint8Array): boolean {
  return isUtf8(bytes) && scanCanonical(bytes, 0, bytes.length);
}

/**
 * isCanonicalJsonBytes for the value that should fill bytes[from, to) exactly (a chain line's
 * payload), without a view of it; `bytes` as a whole must be UTF-8.
 */
export function isCanonicalJsonIn(bytes: Uint8Array, from: number, to: number): boolean {
  return isUtf8(bytes) && scanCanonical(bytes, from, to);
}

/**
 * The containers around the innermost open one, three numbers each: its closing byte and the
 * previous key of the object it is in. Kept between calls (the scan is synchronous and never
 * re-entered), so a short line (a reopen scans millions) allocates nothing.
 */
const stack: number[] = [];

/**
 * The scan, for bytes known to be UTF-8: whether one canonical value fills b[from, n). It may
 * read past `n` (a string or a container that does not end before it), but then its value
 * does not end exactly at `n`, so the answer is false.
 */
function scanCanonical(b: Uint8Array, from: number, n: number): boolean {
  // A scan that answered true emptied the stack; only one that gave up early leaves it full.
  if (stack.length !== 0) stack.length = 0;
  let at = from;
  /** The closing byte of the innermost open container (0: none). */
  let top = 0;
  let depth = 0;
  /** The innermost object's previous key, as [keyStart, keyEnd) in `b`. */
  let keyStart = -1;
  let keyEnd = -1;
  for (;;) {
    // A value at `at`.
    const c = b[at]!;
    // The usual number first: a positive integer of up to 15 digits, which prints as itself.
    // Anything else (a sign, a fraction, an exponent, a leading 0, more digits) is looked at
    // again from its start below.
    let integer = false;
    if (c >= 0x31 && c <= 0x39) {
      const start = at;
      let d = b[++at];
      while (d !== undefined && d >= 0x30 && d <= 0x39) d = b[++at];
      integer = at - start < 16 && d !== 0x2e && d !== 0x45 && d !== 0x65 && d !== 0x2d && d !== 0x2b;
      if (!integer) at = start;
    }
    if (integer) {
      // Scanned above.
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      const start = at;
      let plainInteger = true;
      for (; at < n; at++) {
        const d = b[at]!;
        if (d >= 0x30 && d <= 0x39) continue;
        if (d !== 0x2d && d !== 0x2b && d !== 0x2e && d !== 0x45 && d !== 0x65) break;
        if (d !== 0x2d || at !== start) plainInteger = false;
      }
      // Short integers print as themselves unless they start with a 0 (or are -0); anything else
      // must match JSON's number grammar and be JavaScript's shortest form of its value.
      if (plainInteger && at - start < 16) {
        const first = b[c === 0x2d ? start + 1 : start];
        if (!((first! >= 0x31 && first! <= 0x39) || (first === 0x30 && at - start === 1))) return false;
      } else {
        const token = String.fromCharCode(...b.subarray(start, at));
        if (!NUMBER_GRAMMAR.test(token) || String(Number(token)) !== token) return false;
      }
    } else if (c === QUOTE) {
      const end = scanString(b, at);
      if (end === -1) return false;
      at = end < 0 ? -end : end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      at++;
      if (b[at] === close) {
        at++;
      } else {
        if (depth >= MAX_SCAN_DEPTH) return false;
        stack.push(top, keyStart, keyEnd);
        depth++;
        top = close;
        if (close === CLOSE_OBJECT) {
          // The first key: any plain key.
          const end = plainKeyEnd(b, at);
          if (end === -1 || b[end] !== 0x3a) return false;
          keyStart = at + 1;
          keyEnd = end - 1;
          at = end + 1;
        }
        continue;
      }
    } else if (c === 0x74) {
      if (b[at + 1] !== 0x72 || b[at + 2] !== 0x75 || b[at + 3] !== 0x65) return false; // true
      at += 4;
    } else if (c === 0x66) {
      if (b[at + 1] !== 0x61 || b[at + 2] !== 0x6c || b[at + 3] !== 0x73 || b[at + 4] !== 0x65) return false; // false
      at += 5;
    } else if (c === 0x6e) {
      if (b[at + 1] !== 0x75 || b[at + 2] !== 0x6c || b[at + 3] !== 0x6c) return false; // null
      at += 4;
    } else {
      return false;
    }
    // After a value: the end of the input, or what follows it in its container.
    for (;;) {
      if (top === 0) return at === n;
      const next = b[at++];
      if (next === top) {
        keyEnd = stack.pop()!;
        keyStart = stack.pop()!;
        top = stack.pop()!;
        depth--;
        continue;
      }
      if (next !== 0x2c) return false;
      if (top === CLOSE_OBJECT) {
        // A later key: strictly after the one before it.
        const end = laterKeyEnd(b, at, keyStart, keyEnd);
        if (end === -1 || b[end] !== 0x3a) return false;
        keyStart = at + 1;
        keyEnd = end - 1;
        at = end + 1;
      }
      break;
    }
  }
}

/**
 * The string whose opening quote is at `from`: the index after its closing quote, negated when
 * it has an escape (it is at least 2), or -1 when it is not canonical: a raw control character
 * or an escape RFC 8785 does not keep. (Other bytes are UTF-8, which the caller checked; it
 * encodes no surrogate.)
 */
function scanString(b: Uint8Array, from: number): number {
  let escaped = false;
  const n = b.length;
  for (let i = from + 1; i < n; i++) {
    const c = b[i]!;
    if (PLAIN_IN_STRING[c] === 1) continue;
    if (c === QUOTE) return escaped ? -(i + 1) : i + 1;
    if (c < 0x20) return -1;
    escaped = true;
    const e = b[++i];
    if (e === 0x22 || e === 0x5c || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) continue;
    // \u00xx, lowercase, only for a control character without a short escape.
    if (e !== 0x75 || b[i + 1] !== 0x30 || b[i + 2] !== 0x30) return -1;
    const high = b[i + 3]!;
    const low = b[i + 4]!;
    const lowValue = low >= 0x30 && low <= 0x39 ? low - 0x30 : low >= 0x61 && low <= 0x66 ? low - 0x61 + 10 : -1;
    if ((high !== 0x30 && high !== 0x31) || lowValue === -1) return -1;
    const code = (high - 0x30) * 16 + lowValue;
    if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return -1;
    i += 4;
  }
  return -1;
}

/** The index after the closing quote of the key at `at`, or -1 when it is not a string without escapes. */
function plainKeyEnd(b: Uint8Array, at: number): number {
  if (b[at] !== QUOTE) return -1;
  const end = scanString(b, at);
  return end < 0 ? -1 : end;
}

/**
 * plainKeyEnd for a key that must also sort strictly after the previous key b[p, pEnd) (a
 * plain key itself) by UTF-16 code units, in one pass: while the two agree byte for byte the
 * new key's bytes need no check of their own (the previous key's passed it); the first
 * difference decides the order, and the rest only needs to be plain.
 *
 * UTF-8 bytes sort as code points do, and so do UTF-16 units, except that a character above
 * U+FFFF (a 4-byte sequence, lead F0-F4; a surrogate pair in UTF-16) sorts before one in
 * U+E000-U+FFFF (lead EE-EF). The first differing bytes are both lead bytes (or ASCII), or
 * both continuation bytes, since everything before them is the same.
 */
function laterKeyEnd(b: Uint8Array, at: number, p: number, pEnd: number): number {
  if (b[at] !== QUOTE) return -1;
  let i = at + 1;
  for (; ; i++, p++) {
    const c = b[i];
    if (p === pEnd) {
      // The previous key is a prefix of this one: this one must go on.
      if (c === QUOTE) return -1;
      break;
    }
    const x = b[p]!;
    if (c === x) continue;
    // This one ends first, or holds what a plain key cannot (an escape, a control character,
    // the end of the input): not a later plain key.
    if (c === undefined || PLAIN_IN_STRING[c] !== 1) return -1;
    const later = c >= 0xf0 && (x === 0xee || x === 0xef) ? false : x >= 0xf0 && (c === 0xee || c === 0xef) ? true : c > x;
    if (!later) return -1;
    break;
  }
  for (; ; i++) {
    const c = b[i];
    if (c === undefined) return -1;
    if (PLAIN_IN_STRING[c] === 1) continue;
    return c === QUOTE ? i + 1 : -1;
  }
}
