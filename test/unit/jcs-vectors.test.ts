import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { canonicalJson } from '../../src/json/canonical.js';

const root = new URL('../../../fixtures/jcs/', import.meta.url);

for (const name of readdirSync(new URL('input/', root))) {
  test(`RFC 8785 vector ${name} canonicalizes byte for byte`, () => {
    const input: unknown = JSON.parse(readFileSync(new URL(`input/${name}`, root), 'utf8'));
    const expected = readFileSync(new URL(`output/${name}`, root));
    assert.deepEqual(Buffer.from(canonicalJson(input), 'utf8'), expected);
  });
}
