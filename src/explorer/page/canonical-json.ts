/**
 * RFC 8785 (JSON Canonicalization Scheme), written out for the browser so the explorer
 * checks hashes with nothing from the server but the entries. ECMAScript already holds
 * the pieces the RFC names: JSON.stringify formats numbers with Number.prototype.toString
 * (the RFC's number serialization) and escapes strings as the RFC asks, and the default
 * sort compares UTF-16 code units, the RFC's key order. Lone surrogates have no UTF-8 form,
 * so the RFC (and the runtime) refuse them.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function string(text: string): string {
  if (LONE_SURROGATE.test(text)) throw new TypeError('a string holds a lone surrogate, which has no canonical form');
  return JSON.stringify(text);
}

export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return string(value);
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const object = value as Record<string, unknown>;
      const members = Object.keys(object)
        .filter((key) => object[key] !== undefined)
        .sort()
        .map((key) => `${string(key)}:${canonicalJson(object[key])}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`a ${typeof value} has no JSON form`);
  }
}
