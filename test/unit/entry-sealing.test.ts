import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sealCanonical, sealEntry, stateMembers, type JournalRecord } from '../../src/chain/entry.js';
import { canonicalJson } from '../../src/json/canonical.js';

test('sealing pre-canonical payload text gives the same text and hash as canonicalizing the whole entry', () => {
  const parent = 'ab'.repeat(32);
  const payloads: unknown[] = [{}, { b: 2, a: [1, 'é', null] }, { é: { z: 1e21, y: -0.5 } }, 'text', 42, null, [{ x: '\u2028' }]];
  const journal: JournalRecord[] = [['new'], ['wn', '1764102339', 123000000], ['rb', 'q83vEjRWeJA=']];
  for (const payload of payloads) {
    const canonical = canonicalJson(payload);
    const bare = stateMembers({ state: canonical, sends: [], journal: undefined });
    assert.deepEqual(sealCanonical(parent, bare), sealEntry(parent, { state: payload }));
    assert.deepEqual(sealCanonical(null, bare), sealEntry(null, { state: payload }));
    if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
      const message = payload as Record<string, unknown>;
      assert.deepEqual(sealCanonical(parent, { message: canonical }), sealEntry(parent, { message }));
      for (const key of ['a', `${'f'.repeat(64)}/0`, ' quote " and \\ backslash ~', '~'.repeat(255)]) {
        assert.deepEqual(sealCanonical(parent, { message: canonical, 'idempotency-key': JSON.stringify(key) }), sealEntry(parent, { 'idempotency-key': key, message }));
      }
    }
    const sends = [{ to: 'http://127.0.0.1:1/', message: payload }];
    assert.deepEqual(sealCanonical(parent, stateMembers({ state: canonical, sends, journal: undefined })), sealEntry(parent, { state: payload, sends }));
    assert.deepEqual(sealCanonical(parent, stateMembers({ state: canonical, sends, journal })), sealEntry(parent, { state: payload, sends, journal }));
    assert.deepEqual(sealCanonical(parent, stateMembers({ state: canonical, sends: [], journal })), sealEntry(parent, { state: payload, journal }));
  }
});
