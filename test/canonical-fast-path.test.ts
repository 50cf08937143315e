import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { canonicalJson, canonicalOfParsed, isCanonicalText } from '../src/json/canonical.js';

// Texts whose parse takes every branch of the shortcut: sorted and unsorted keys, integer-like
// keys (which V8 enumerates first), keys ordered differently by UTF-16 and by code point,
// numbers JSON.stringify rewrites, escapes, a key named toJSON, nesting.
const TEXTS = [
  '{"a":1,"b":[1,2,{"c":null,"d":true}],"e":"x"}',
  '{"b":1,"a":2}',
  '{"10":1,"9":2}',
  '{"9":2,"10":1}',
  '{"a":1,"1":2}',
  '{"\\ud83d\\ude00":1,"\\uffff":2}',
  '{"\\uffff":2,"\\ud83d\\ude00":1}',
  '{"n":[1.0,1e21,1e-7,-0,0.1,123456789012345680000,5e-324]}',
  '{"s":"\\u0000\\u001f\\"\\\\\\/ é \\u2028 \\n\\t"}',
  '{"toJSON":"x","a":1}',
  '{"a":{"toJSON":1,"b":{"z":[],"y":{}}}}',
  '{"__proto__":1,"a":2}',
  '{"s":"\\\\ud800 is not a surrogate"}',
  '[]',
  '"text"',
  '12',
];

test('canonicalOfParsed gives canonicalJson for every parse', () => {
  const root = new URL('../../fixtures/jcs/input/', import.meta.url);
  const vectors = readdirSync(root).map((name) => readFileSync(new URL(name, root), 'utf8'));
  for (const text of [...TEXTS, ...vectors]) {
    const value: unknown = JSON.parse(text);
    assert.equal(canonicalOfParsed(value), canonicalJson(value), text);
  }
});

test('canonicalOfParsed refuses what canonicalJson refuses', () => {
  for (const text of ['{"n":1e400}', '{"s":"\\ud800"}', '{"\\udc00":1}', '[-1e999]']) {
    assert.throws(() => canonicalOfParsed(JSON.parse(text)), text);
  }
});

test('isCanonicalText accepts exactly the canonical text of the parse', () => {
  for (const text of [...TEXTS, '{"n":1e400}', '{"s":"\\ud800"}', '{ "a":1}', '{"a":1.50}', '{"a":"\\u00e9"}', '{"a":1,"a":2}']) {
    const value: unknown = JSON.parse(text);
    let canonical: string | undefined;
    try {
      canonical = canonicalJson(value);
    } catch {
      canonical = undefined;
    }
    assert.equal(isCanonicalText(value, text), canonical === text, text);
  }
});
