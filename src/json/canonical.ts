import { createHash } from 'node:crypto';
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

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Parse JSON text and return it with its canonical text; `undefined` if either step fails. */
export function parseCanonical(text: string): { value: unknown; canonical: string } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return { value, canonical: canonicalJson(value) };
  } catch {
    return undefined;
  }
}

export const HASH_PATTERN = /^[0-9a-f]{64}$/;
