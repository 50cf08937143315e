import assert from 'node:assert/strict';
import { readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { sealEntry } from '../../src/chain/entry.js';
import { openFileStore } from '../../src/chain/recovery.js';
import type { FsyncMode } from '../../src/chain/file-store.js';
import { chainFile, tempDir } from '../support/chain-file.js';
import { sha256 } from '../support/runtime.js';

const COMPONENT = 'c'.repeat(64);
const open = (dir: string, fsync: FsyncMode = 'always') => openFileStore(dir, { componentHash: COMPONENT, fsync, onWarning: () => {} });

/** Genesis, the init state, then `pairs` message/state pairs, sealed and linked. */
function sealedChain(pairs: number) {
  const genesis = sealEntry(null, { 'component-hash': COMPONENT });
  const groups = [[genesis, sealEntry(genesis.hash, { state: { n: 0 } })]];
  for (let n = 1; n <= pairs; n++) {
    const message = sealEntry(groups.at(-1)![1]!.hash, { message: { n } });
    groups.push([message, sealEntry(message.hash, { state: { n } })]);
  }
  return groups;
}

test('groups appended together are all durable, in order, HEAD moving at once', async (t) => {
  const dir = tempDir(t);
  const { store } = await open(dir);
  const groups = sealedChain(500);
  const durable = groups.map((group) => store.append(group));
  assert.equal(store.length, groups.length * 2, 'HEAD moved before any write finished');
  assert.equal(store.head, groups.at(-1)![1]!.hash);
  await Promise.all(durable);
  assert.deepEqual(await store.read(501, 502), [groups[250]![1]!.text]);

  const lines = readFileSync(chainFile(dir), 'utf8').trimEnd().split('\n');
  assert.deepEqual(
    lines,
    groups.flat().map((e) => e.text),
  );
  assert.deepEqual(
    lines.map((l) => sha256(l)),
    groups.flat().map((e) => e.hash),
    'sha256 of each line is its hash',
  );
  await store.close();

  const reopened = await open(dir);
  t.after(() => reopened.store.close());
  assert.equal(reopened.recovered, 1002);
  assert.deepEqual(reopened.state, { value: { n: 500 }, canonical: '{"n":500}' });
  assert.equal(reopened.store.indexOf(groups[123]![0]!.hash), 246);
  assert.equal(reopened.store.hashAt(999), groups[499]![1]!.hash);
  assert.equal(reopened.store.indexOf('0'.repeat(64)), undefined);
  assert.deepEqual(
    await reopened.store.read(2, 4),
    groups[1]!.map((e) => e.text),
  );
});

test('a failed write rejects its group and every later append, and reports the failure once', async (t) => {
  const dir = tempDir(t);
  // /dev/full accepts the open and fails every write with ENOSPC, like a full disk.
  symlinkSync('/dev/full', path.join(dir, 'chain.ndjson'));
  const { store } = await open(dir, 'never');
  t.after(() => store.close());
  const [first, second] = sealedChain(1);
  await assert.rejects(store.append(first!), { code: 'CHAIN_WRITE_FAILED', message: /ENOSPC/ });
  await assert.rejects(store.append(second!), { code: 'CHAIN_WRITE_FAILED' });
  const reported = await store.failed;
  assert.equal(reported.code, 'CHAIN_WRITE_FAILED');
});
