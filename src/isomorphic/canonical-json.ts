/**
 * RFC 8785 (JSON Canonicalization Scheme): the one canonical serializer of the runtime
 * (json/canonical.ts) and of the explorer's page, which checks hashes in the browser with
 * nothing from the server but the entries. It imports nothing (no Node module): `npm run
 * build` copies it beside the page's modules (scripts/copy-assets.mjs). ECMAScript already holds
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

function scalar(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return string(value);
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
      return JSON.stringify(value);
    default:
      // An array's undefined is null, as in JSON.stringify (an object's is left out, below).
      if (value === null || value === undefined) return 'null';
      throw new TypeError(`a ${typeof value} has no JSON form`);
  }
}

/** An array or object being written: its values (for an object, in key order, with the keys). */
interface Open {
  values: unknown[];
  keys: string[] | undefined;
  next: number;
}

/**
 * The canonical text of `root`, written with an explicit stack rather than by recursion: a
 * call stack gives out at a few thousand levels (3,000 nested objects fail in Chromium and
 * in Node), and an entry must not be shown as failing its check because the page ran out of
 * stack. Any depth JSON.parse gave is handled. Throws a TypeError for a value with no
 * canonical form (a non-finite number, a lone surrogate, undefined at the top).
 */
export function canonicalJson(root: unknown): string {
  if (root === undefined) throw new TypeError('value has no JSON representation');
  const out: string[] = [];
  const stack: Open[] = [];
  let value: unknown = root;
  for (;;) {
    if (typeof value === 'object' && value !== null) {
      if (Array.isArray(value)) {
        out.push('[');
        stack.push({ values: value, keys: undefined, next: 0 });
      } else {
        const object = value as Record<string, unknown>;
        const keys = Object.keys(object)
          .filter((key) => object[key] !== undefined)
          .sort();
        out.push('{');
        stack.push({ values: keys.map((key) => object[key]), keys, next: 0 });
      }
    } else {
      out.push(scalar(value));
    }
    // On to the next value to write, closing every array and object that is done.
    for (;;) {
      const open = stack.at(-1);
      if (open === undefined) return out.join('');
      if (open.next < open.values.length) {
        if (open.next > 0) out.push(',');
        if (open.keys !== undefined) out.push(`${string(open.keys[open.next]!)}:`);
        value = open.values[open.next++];
        break;
      }
      out.push(open.keys === undefined ? ']' : '}');
      stack.pop();
    }
  }
}
