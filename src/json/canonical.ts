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

/**
 * Whether `text` is already the canonical JSON of its own parse, decided by one scan of the
 * text, without parsing it: no whitespace, strings with only the escapes RFC 8785 keeps
 * (\" \\ \b \f \n \r \t and \u00xx for other control characters) and no lone surrogate, numbers
 * as JavaScript prints them, and each object's keys in strictly ascending UTF-16 order. A key
 * with an escape, or nesting deeper than MAX_SCAN_DEPTH, answers false: the caller then takes
 * the parse-and-canonicalize path, which decides exactly. A true answer is always exact.
 */
export function isCanonicalJsonText(text: string): boolean {
  let at = 0;
  /** Whether the last string scanned had an escape. */
  let escaped = false;

  /** Scan a string from its opening quote; the index after its closing quote, or -1. */
  const string = (from: number): number => {
    escaped = false;
    for (let i = from + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return i + 1;
      if (c < 0x20) return -1;
      if (c === 0x5c) {
        escaped = true;
        const e = text.charCodeAt(++i);
        if (e === 0x22 || e === 0x5c || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) continue;
        // \u00xx, lowercase, only for a control character without a short escape.
        if (e !== 0x75 || text.slice(i + 1, i + 3) !== '00' || !/^[01][0-9a-f]$/.test(text.slice(i + 3, i + 5))) return -1;
        const code = parseInt(text.slice(i + 3, i + 5), 16);
        if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return -1;
        i += 4;
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const next = text.charCodeAt(i + 1);
        if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return -1;
        i++;
      }
    }
    return -1;
  };

  /** Whether text[a, aEnd) sorts strictly before text[b, bEnd) by UTF-16 code units. */
  const ascending = (a: number, aEnd: number, b: number, bEnd: number): boolean => {
    for (; a < aEnd && b < bEnd; a++, b++) {
      const x = text.charCodeAt(a);
      const y = text.charCodeAt(b);
      if (x !== y) return x < y;
    }
    return a === aEnd && b < bEnd;
  };

  /** Scan one value at `at`; false when it is not canonical. */
  const value = (depth: number): boolean => {
    const c = text.charCodeAt(at);
    if (c === 0x22) {
      at = string(at);
      return at !== -1;
    }
    if (c === 0x7b || c === 0x5b) {
      if (depth >= MAX_SCAN_DEPTH) return false;
      const close = c === 0x7b ? 0x7d : 0x5d;
      at++;
      if (text.charCodeAt(at) === close) {
        at++;
        return true;
      }
      // The previous key's text, as [start, end) in `text`; none before the first.
      let previousStart = -1;
      let previousEnd = -1;
      for (;;) {
        if (c === 0x7b) {
          if (text.charCodeAt(at) !== 0x22) return false;
          const end = string(at);
          if (end === -1 || escaped) return false;
          if (previousStart !== -1 && !ascending(previousStart, previousEnd, at + 1, end - 1)) return false;
          previousStart = at + 1;
          previousEnd = end - 1;
          at = end;
          if (text.charCodeAt(at++) !== 0x3a) return false;
        }
        if (!value(depth + 1)) return false;
        const next = text.charCodeAt(at++);
        if (next === close) return true;
        if (next !== 0x2c) return false;
      }
    }
    const literal = c === 0x74 ? 'true' : c === 0x66 ? 'false' : c === 0x6e ? 'null' : undefined;
    if (literal !== undefined) {
      if (!text.startsWith(literal, at)) return false;
      at += literal.length;
      return true;
    }
    const start = at;
    let plainInteger = true;
    for (; at < text.length; at++) {
      const d = text.charCodeAt(at);
      if (d >= 0x30 && d <= 0x39) continue;
      if (d !== 0x2d && d !== 0x2b && d !== 0x2e && d !== 0x45 && d !== 0x65) break;
      if (d !== 0x2d || at !== start) plainInteger = false;
    }
    // Short integers print as themselves unless they start with a 0 (or are -0); anything else
    // must match JSON's number grammar and be JavaScript's shortest form of its value.
    if (plainInteger && at - start < 16) {
      const first = text.charCodeAt(text.charCodeAt(start) === 0x2d ? start + 1 : start);
      return (first >= 0x31 && first <= 0x39) || (first === 0x30 && at - start === 1);
    }
    const token = text.slice(start, at);
    return NUMBER_GRAMMAR.test(token) && String(Number(token)) === token;
  };

  return value(0) && at === text.length;
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
