import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/errors.js';

const page = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const rows = new Map([...page.matchAll(/^\| `([A-Z_]+)` \| (\d{3}|CLI) \|/gm)].map((m) => [m[1]!, m[2]!] as const));

test('every error code is documented in docs/errors.md with its status, and every documented code exists', () => {
  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    assert.ok(rows.has(code), `${code} is missing from the error table of docs/errors.md`);
    const documented = rows.get(code)!;
    if (documented !== 'CLI') assert.equal(Number(documented), status, `${code}: docs/errors.md says ${documented}`);
  }
  for (const code of rows.keys()) assert.ok(code in ERROR_CODES, `docs/errors.md documents ${code}, which does not exist`);
});
