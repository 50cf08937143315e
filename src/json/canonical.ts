import crypto from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * RFC 8785 canonical JSON text of a value. Throws a TypeError (or RangeError for
 * nesting deeper than the stack) when the value has no canonical form, such as
 * a non-finite number.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

/**
 * Whether JSON.stringify of a parsed JSON value is its canonical text: every object
 * enumerates its keys in RFC 8785 order (UTF-16 code units), and every number is finite
 * (JSON.parse turns 1e400 into Infinity, which has no canonical form).
 */
function stringifiesCanonically(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!stringifiesCanonically(item)) return false;
    return true;
  }
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    if (!stringifiesCanonically((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * canonicalJson for a value fresh from JSON.parse, several times faster on the usual input.
 * RFC 8785 serialises strings and numbers exactly as JSON.stringify does and sorts keys, so
 * when every object already enumerates its keys in sorted order (the keys JSON.parse saw
 * were sorted, and none is integer-like out of place) and no number overflowed, the native
 * JSON.stringify is the canonical text. Anything else takes the full canonicalizer, and so does text with a
 * `\ud…` escape: a lone surrogate has no canonical form, and canonicalJson refuses it.
 */
export function canonicalOfParsed(value: unknown): string {
  if (stringifiesCanonically(value)) {
    const text = JSON.stringify(value);
    if (!text.includes('\\ud')) return text;
  }
  return canonicalJson(value);
}

/**
 * Whether `text` is exactly the canonical JSON of `value`, its parse. The same shortcut as
 * canonicalOfParsed, without building the canonical text when the native one already differs.
 */
export function isCanonicalText(value: unknown, text: string): boolean {
  const native = JSON.stringify(value);
  if (native === text && stringifiesCanonically(value) && !text.includes('\\ud')) return true;
  try {
    return canonicalJson(value) === text;
  } catch {
    return false;
  }
}

/** Deeper than this, a text goes to the full canonicalizer (whose recursion sets the real limit). */
const MAX_SCAN_DEPTH = 512;
const NUMBER_GRAMMAR = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * The index after the closing quote of the string whose opening quote is at `from`, or -1
 * when it is not canonical: a raw control character, an escape RFC 8785 does not keep, a
 * lone surrogate. `escapes[0]` is set to whether it had an escape.
 */
function scanString(text: string, from: number, escapes: Uint8Array): number {
  escapes[0] = 0;
  const n = text.length;
  for (let i = from + 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH && (c < 0xd800 || c > 0xdfff)) continue;
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      escapes[0] = 1;
      const e = text.charCodeAt(++i);
      if (e === 0x22 || e === 0x5c || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) continue;
      // \u00xx, lowercase, only for a control character without a short escape.
      if (e !== 0x75 || text.charCodeAt(i + 1) !== 0x30 || text.charCodeAt(i + 2) !== 0x30) return -1;
      const high = text.charCodeAt(i + 3);
      const low = text.charCodeAt(i + 4);
      const lowValue = low >= 0x30 && low <= 0x39 ? low - 0x30 : low >= 0x61 && low <= 0x66 ? low - 0x61 + 10 : -1;
      if ((high !== 0x30 && high !== 0x31) || lowValue === -1) return -1;
      const code = (high - 0x30) * 16 + lowValue;
      if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return -1;
      i += 4;
    } else {
      // A surrogate: only a high one followed by a low one.
      const next = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return -1;
      i++;
    }
  }
  return -1;
}

/**
 * Whether `text` is already the canonical JSON of its own parse, decided by one scan of the
 * text, without parsing it: no whitespace, strings with only the escapes RFC 8785 keeps
 * (\" \\ \b \f \n \r \t and \u00xx for other control characters) and no lone surrogate, numbers
 * as JavaScript prints them, and each object's keys in strictly ascending UTF-16 order. A key
 * with an escape, or nesting deeper than MAX_SCAN_DEPTH, answers false: the caller then takes
 * the parse-and-canonicalize path, which decides exactly. A true answer is always exact.
 *
 * One loop with an explicit stack (no recursion, no closures): a 128 KB state is checked on
 * every message, in the worker and again for the body on the main thread.
 */
export function isCanonicalJsonText(text: string): boolean {
  const n = text.length;
  /** [0]: whether the last string scanned had an escape. */
  const escapes = new Uint8Array(1);
  /** Open containers, innermost last: the closing character of each. */
  const closers: number[] = [];
  /** For each open object, the previous key as [start, end) in `text` (-1 before the first). */
  const keyStarts: number[] = [];
  const keyEnds: number[] = [];
  let at = 0;
  for (;;) {
    // A value at `at`.
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      at = scanString(text, at, escapes);
      if (at === -1) return false;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      at++;
      if (text.charCodeAt(at) === close) {
        at++;
      } else {
        if (closers.length >= MAX_SCAN_DEPTH) return false;
        closers.push(close);
        if (close === CLOSE_OBJECT) {
          keyStarts.push(-1);
          keyEnds.push(-1);
          at = scanKey(text, at, escapes, keyStarts, keyEnds);
          if (at === -1) return false;
        }
        continue;
      }
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      const literal = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
      if (!text.startsWith(literal, at)) return false;
      at += literal.length;
    } else {
      const start = at;
      let plainInteger = true;
      for (; at < n; at++) {
        const d = text.charCodeAt(at);
        if (d >= 0x30 && d <= 0x39) continue;
        if (d !== 0x2d && d !== 0x2b && d !== 0x2e && d !== 0x45 && d !== 0x65) break;
        if (d !== 0x2d || at !== start) plainInteger = false;
      }
      if (at === start) return false;
      // Short integers print as themselves unless they start with a 0 (or are -0); anything else
      // must match JSON's number grammar and be JavaScript's shortest form of its value.
      if (plainInteger && at - start < 16) {
        const first = text.charCodeAt(text.charCodeAt(start) === 0x2d ? start + 1 : start);
        if (!((first >= 0x31 && first <= 0x39) || (first === 0x30 && at - start === 1))) return false;
      } else {
        const token = text.slice(start, at);
        if (!NUMBER_GRAMMAR.test(token) || String(Number(token)) !== token) return false;
      }
    }
    // After a value: the end of the text, or what follows it in its container.
    for (;;) {
      if (closers.length === 0) return at === n;
      const next = text.charCodeAt(at++);
      const close = closers[closers.length - 1]!;
      if (next === close) {
        closers.pop();
        if (close === CLOSE_OBJECT) {
          keyStarts.pop();
          keyEnds.pop();
        }
        continue;
      }
      if (next !== 0x2c) return false;
      if (close === CLOSE_OBJECT) {
        at = scanKey(text, at, escapes, keyStarts, keyEnds);
        if (at === -1) return false;
      }
      break;
    }
  }
}

/**
 * A key and its colon at `at`, inside the innermost open object: a string without escapes,
 * strictly after the object's previous key in UTF-16 order. The index of its value, or -1.
 */
function scanKey(text: string, at: number, escapes: Uint8Array, keyStarts: number[], keyEnds: number[]): number {
  if (text.charCodeAt(at) !== QUOTE) return -1;
  const end = scanString(text, at, escapes);
  if (end === -1 || escapes[0] === 1) return -1;
  const top = keyStarts.length - 1;
  const previousStart = keyStarts[top]!;
  if (previousStart !== -1) {
    // Strictly ascending by UTF-16 code units.
    let a = previousStart;
    const aEnd = keyEnds[top]!;
    let b = at + 1;
    const bEnd = end - 1;
    let decided = false;
    for (; a < aEnd && b < bEnd; a++, b++) {
      const x = text.charCodeAt(a);
      const y = text.charCodeAt(b);
      if (x !== y) {
        if (x > y) return -1;
        decided = true;
        break;
      }
    }
    if (!decided && !(a === aEnd && b < bEnd)) return -1;
  }
  keyStarts[top] = at + 1;
  keyEnds[top] = end - 1;
  if (text.charCodeAt(end) !== 0x3a) return -1;
  return end + 1;
}

// crypto.hash (Node 20.12+) skips the Hash object: a third of the cost for short lines.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

export function sha256Hex(data: string | Uint8Array): string {
  return oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * Parse JSON text and return it with its canonical text; `undefined` if either step fails.
 * Text that is canonical already (the usual case for a component's JSON.stringify of a
 * state kept in key order) is not parsed at all unless the value is asked for.
 */
export function parseCanonical(text: string): { value: unknown; canonical: string } | undefined {
  if (isCanonicalJsonText(text)) {
    let parsed: { value: unknown } | undefined;
    return {
      canonical: text,
      get value() {
        parsed ??= { value: JSON.parse(text) as unknown };
        return parsed.value;
      },
    };
  }
  try {
    const value: unknown = JSON.parse(text);
    return { value, canonical: canonicalOfParsed(value) };
  } catch {
    return undefined;
  }
}

export const HASH_PATTERN = /^[0-9a-f]{64}$/;
