import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { canonicalJson, canonicalOfParsed, isCanonicalText } from '../../src/json/canonical.js';
import { isCanonicalJsonBytes, isCanonicalJsonText } from '../../src/json/canonical-scan.js';

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
  const root = new URL('../../../fixtures/jcs/input/', import.meta.url);
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

/** Random JSON values, with keys and strings that stress ordering and escaping. */
function randomValue(random: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const strings = ['', 'a', 'b', 'A', '10', '9', 'é', '\u2028', '\u007f', '\u0000', '\u001f', '\b\t\n\f\r', '"\\/', '😀', '\uffff', 'ab', 'a\u0000b'];
  const numbers = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789012345680000, 5e-324, 1.5, -2.5e-10, 2 ** 53];
  const kind = depth > 3 ? pick(['s', 'n', 'l']) : pick(['s', 'n', 'l', 'a', 'o', 'o']);
  if (kind === 's') return pick(strings);
  if (kind === 'n') return pick(numbers);
  if (kind === 'l') return pick([true, false, null]);
  if (kind === 'a') return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(random() * 5); i > 0; i--) object[pick(strings)] = randomValue(random, depth + 1);
  return object;
}

/** Whether some key needs an escape: the scan leaves those texts to the full path. */
function hasEscapedKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasEscapedKey);
  return Object.entries(value).some(([key, item]) => JSON.stringify(key).includes('\\') || hasEscapedKey(item));
}

test('isCanonicalJsonText is never wrong when it says true, and says it for canonical texts without escaped keys', () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let canonicalSeen = 0;
  for (let i = 0; i < 5000; i++) {
    const value = randomValue(random, 0);
    const canonical = canonicalJson(value);
    // The canonical text itself, JSON.stringify's (insertion order), and one with a space.
    if (!hasEscapedKey(value)) {
      assert.equal(isCanonicalJsonText(canonical), true, canonical);
      canonicalSeen++;
    }
    for (const text of [canonical, JSON.stringify(value), JSON.stringify(value, null, 1), canonical.replace(/:/, ': ')]) {
      if (isCanonicalJsonText(text)) assert.equal(text, canonicalJson(JSON.parse(text)));
    }
  }
  assert.ok(canonicalSeen > 1000, `${canonicalSeen} canonical texts without escaped keys were tried`);
  for (const text of [
    '{"a":1,"a":2}',
    '{"b":1,"a":2}',
    '"\\/"',
    '"\\u00E9"',
    '"\\u000a"',
    '"\\ud800"',
    '1.0',
    '-0',
    '1e400',
    '01',
    '1E+21',
    '{"a":1 }',
    '[1,]',
    '',
    'nul',
    '"\u0001"',
  ]) {
    assert.equal(isCanonicalJsonText(text), false, text);
  }
  for (const text of ['{"":1,"a":2}', '"\\u001f"', '"\\b"', '1e+21', '1e-7', '[]', '{}', '"\u2028"', '{"10":1,"9":2}']) {
    assert.equal(isCanonicalJsonText(text), true, text);
  }
});

test('isCanonicalJsonBytes scans UTF-8 bytes: keys in UTF-16 order, never bytes that are not UTF-8', () => {
  // UTF-16 puts a character above U+FFFF (a surrogate pair) before U+E000-U+FFFF; UTF-8 bytes sort the other way.
  assert.equal(isCanonicalJsonBytes(Buffer.from('{"😀":2,"\uffff":1}')), true);
  assert.equal(isCanonicalJsonBytes(Buffer.from('{"\uffff":1,"😀":2}')), false);
  assert.equal(isCanonicalJsonBytes(Buffer.from('{"\ue000":1,"😀":2}')), false);
  assert.equal(isCanonicalJsonBytes(Buffer.from('{"é":1,"😀":2}')), true);
  assert.equal(canonicalJson(JSON.parse('{"\uffff":1,"😀":2}')), '{"😀":2,"\uffff":1}');
  // A later key is compared with the one before as it is scanned: prefixes, escapes, ends.
  for (const [text, canonical] of [
    ['{"a":1,"ab":2}', true],
    ['{"ab":1,"a":2}', false],
    ['{"a":1,"a":2}', false],
    ['{"":1,"":2}', false],
    ['{"a0001":1,"a0002":2,"a0010":3}', true],
    ['{"a0002":1,"a0001":2}', false],
    ['{"a":1,"a\\n":2}', false],
    ['{"a":1,"b\\n":2}', false],
    ['{"ab":1,"ab\u0001":2}', false],
    ['{"a":{"z":1},"b":{"a":1}}', true],
    // Numbers: the plain integers taken first, and what only looks like one.
    ['[10,123456789012345,1234567890123456,1.5,-1,0]', true],
    ['[12345678901234567890]', false],
    ['[1e5]', false],
    ['[1E+21]', false],
    ['[1e+21]', true],
    ['[01]', false],
    ['[1-]', false],
    ['[1.]', false],
    ['[-0]', false],
  ] as const) {
    assert.equal(isCanonicalJsonBytes(Buffer.from(text)), canonical, text);
  }
  assert.equal(isCanonicalJsonBytes(Buffer.from([0x22, 0xff, 0x22])), false, 'not UTF-8');
  assert.equal(isCanonicalJsonBytes(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])), false, 'an encoded surrogate is not UTF-8');
  assert.equal(isCanonicalJsonText('"\ud800"'), false, 'a lone surrogate (the character, not an escape) has no canonical form');
});
