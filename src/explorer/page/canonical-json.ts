/**
 * RFC 8785 (JSON Canonicalization Scheme), written out for the browser so the explorer
 * checks hashes with nothing from the server but the entries. ECMAScript already holds
 * the pieces the RFC names: JSON.stringify formats numbers with Number.prototype.toString
 * (the RFC's number serialization) and escapes strings as the RFC asks, and the default
 * sort compares UTF-16 code units, the RFC's key order.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
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
        .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`a ${typeof value} has no JSON form`);
  }
}
