import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../src/log.js';
import { DELIVERIES_FILE, DeliveryRecord, readDeliveryLog } from '../../src/outbox/delivery-record.js';
import { OwedSends } from '../../src/outbox/owed.js';
import { tempDir } from '../support/chain-file.js';

const A = 'http://127.0.0.1:1/';
const B = 'http://127.0.0.1:2/';
const hash = (c: string) => c.repeat(64);
const line = (to: string, entry: string, index: number, outcome = 'delivered') => JSON.stringify({ entry, index, outcome, to });

test('deliveries.ndjson: the last line per target is its cursor, a torn line is skipped, start-up compacts it', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, DELIVERIES_FILE);
  writeFileSync(file, [line(A, hash('1'), 0), line(B, hash('1'), 1, 'given-up'), line(A, hash('2'), 0), line(A, hash('2'), 1)].join('\n') + '\n{"entry":"33');

  const log = await readDeliveryLog(dir);
  assert.deepEqual(
    log.cursors,
    new Map([
      [A, { entry: hash('2'), index: 1, outcome: 'delivered' }],
      [B, { entry: hash('1'), index: 1, outcome: 'given-up' }],
    ]),
  );
  const record = await DeliveryRecord.open(dir, log, createLogger('silent'));
  assert.deepEqual(readFileSync(file, 'utf8').trimEnd().split('\n').sort(), [line(A, hash('2'), 1), line(B, hash('1'), 1, 'given-up')].sort());

  record.done({ to: B, entry: hash('3'), index: 0, body: '{}' }, 'given-up');
  await record.close();
  assert.deepEqual((await readDeliveryLog(dir)).cursors.get(B), { entry: hash('3'), index: 0, outcome: 'given-up' });
});

test("the sends owed are those after each target's cursor, in chain order; a target with no cursor is owed all", () => {
  const owed = new OwedSends(new Map([[A, { entry: hash('2'), index: 0, outcome: 'delivered' as const }]]));
  const send = (to: string, n: number) => ({ to, message: { n } });
  owed.add(hash('1'), [send(A, 1), send(B, 1)]);
  owed.add(hash('2'), [send(A, 2), send(A, 3), send(B, 2)]);
  owed.add(hash('3'), undefined);
  owed.add(hash('4'), [send(A, 4)]);
  assert.deepEqual(
    owed.owed.map((d) => [d.to, d.entry, d.index, d.body]),
    [
      [B, hash('1'), 1, '{"n":1}'],
      [A, hash('2'), 1, '{"n":3}'],
      [B, hash('2'), 2, '{"n":2}'],
      [A, hash('4'), 0, '{"n":4}'],
    ],
  );
  assert.deepEqual(owed.unmatched, []);
  assert.deepEqual(new OwedSends(new Map([[A, { entry: hash('9'), index: 0, outcome: 'delivered' as const }]])).unmatched, [A]);
  // A cursor whose entry is in the chain but whose index is no send to its target there matches nothing.
  const wrongIndex = new OwedSends(new Map([[A, { entry: hash('1'), index: 1, outcome: 'delivered' as const }]]));
  wrongIndex.add(hash('1'), [send(A, 1), send(B, 1)]);
  assert.deepEqual(wrongIndex.unmatched, [A]);
});
