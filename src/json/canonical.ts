import crypto from 'node:crypto';
import { canonicalJson } from '../isomorphic/canonical-json.js';
import { isCanonicalJsonText } from './canonical-scan.js';

// RFC 8785 canonical JSON text of a value: the serializer the explorer's page runs too.
export { canonicalJson };
export { HASH_PATTERN } from '../isomorphic/entry-kind.js';

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
