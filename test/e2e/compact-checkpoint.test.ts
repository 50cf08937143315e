import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { Chain } from '../../src/chain/chain.js';
import { openFileStore } from '../../src/chain/recovery.js';
import { NOWHERE, readLines, writeEchoChain } from '../support/chain-file.js';
import { damageFirstDelta } from '../support/sealed-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson, runCli, sha256 } from '../support/runtime.js';

// Long enough for a checkpoint (10,000 entries): a start takes the sealed entries on its word, in one pass.
const PAIRS = 5100;

/**
 * A compacted echo chain whose states are a 100-number ledger (so sealed as deltas). Every
 * 1000th message carries a key and its state a send; the state of message 2500 has a journal
 * and a send (its sends follow the journal in the line).
 */
async function compactedLedger(t: TestContext) {
  const balances = Array.from({ length: 100 }, (_, i) => 1000 + i);
  const chain = await writeEchoChain(t, PAIRS, (n) => {
    balances[(n * 7) % balances.length]! += 1;
    const keyed = n % 1000 === 7;
    const journaled = n === 2500;
    return {
      message: JSON.stringify({ balances, n }),
      key: keyed ? `key-${n}` : undefined,
      sends: keyed || journaled ? [{ to: `${NOWHERE}/`, message: { n } }] : [],
      journal: journaled ? [['new']] : undefined,
    };
  });
  const plain = readLines(chain.dataDir);
  const compacted = await runCli(['compact', chain.dataDir]);
  assert.equal(compacted.code, 0, compacted.stderr);
  return { ...chain, plain };
}

test('a compacted chain starts from its checkpoint: no line checked one by one, keys refused again, sends owed, old entries served as written', async (t) => {
  const { component, dataDir, plain } = await compactedLedger(t);
  const runtime = await startInProcess(t, component, { dataDir, allowSend: [NOWHERE] });
  const resumed = runtime.logs.find((l) => String(l.msg).startsWith('chain resumed'))!;
  assert.equal(resumed.linesChecked, 0, 'the whole chain came from the checkpoint');
  const owed = runtime.logs.find((l) => String(l.msg).startsWith('sends committed before the restart'));
  assert.equal(owed?.sends, 7, "six keyed messages' sends and the journaled state's are owed");

  const before = (await getJson(`${runtime.url}/head`)).body;
  // Pair n's message is entry 2 + 2n (after the genesis and the first state).
  const { message } = JSON.parse(plain[2 + 2 * 3007]!).data;
  assert.equal(message.n, 3007);
  const repeat = await postJson(runtime.url, message, { 'idempotency-key': 'key-3007' });
  assert.equal(repeat.status, 200);
  assert.equal(repeat.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual((await getJson(`${runtime.url}/head`)).body, before, 'nothing was committed');
  for (const position of [1, 2, 5003, plain.length - 1]) {
    const response = await fetch(`${runtime.url}/chain/${sha256(plain[position]!)}`);
    assert.equal(await response.text(), plain[position], `entry ${position} is served as it was written`);
  }
  assert.equal((await postJson(runtime.url, { n: 'new' }, { 'idempotency-key': 'key-new' })).status, 200);
  await runtime.close();
  // (verify would replay the echo actor, which sends nothing: these sends were written for the test.)
  const exported = await runCli(['export', dataDir]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.ok(exported.stdout.startsWith(`${plain.join('\n')}\n`), 'export still gives the chain as written');
});

test('a damaged patch under a checkpoint: the checkpoint is not used, and the start is refused with CHAIN_CORRUPT naming the entry', async (t) => {
  const { component, dataDir } = await compactedLedger(t);
  const damaged = damageFirstDelta(path.join(dataDir, 'chain.sealed'));
  const result = await runCli(['run', component, '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  assert.equal(result.code, 1);
  assert.match(result.stdout + result.stderr, /not using .*checkpoint: the bytes it covers have changed since it was written; checking every line/);
  assert.match(result.stderr, new RegExp(`CHAIN_CORRUPT: .*chain\\.sealed: entry ${damaged} \\(line ${damaged + 1}\\)`));
});

/** Append `pairs` echo pairs (messages `{"m":n}`, the fourth with the key `key`) to a data dir, in process, as the runtime writes them, without sealing. */
async function appendPairs(dataDir: string, hash: string, pairs: number, key: string): Promise<void> {
  const { store, state, keys } = await openFileStore(dataDir, { componentHash: hash, fsync: 'never', onWarning: () => {} });
  const chain = new Chain(store, state, keys, { withoutTree: true });
  for (let n = 0; n < pairs; n++) {
    const message = JSON.stringify({ m: n });
    chain.commitTransition(message, { state: message, sends: [], journal: undefined }, n === 3 ? key : undefined);
  }
  await chain.close();
}

const checkpointFiles = ['checkpoint', 'checkpoint.hashes'];

test('a checkpoint that covers sealed entries and plain lines after them, or fewer entries than are sealed: both start from it and check the rest', async (t) => {
  const { component, hash, dataDir, plain } = await compactedLedger(t);
  // Sealed, then plain lines a checkpoint covers too (the runtime closed without sealing them).
  await appendPairs(dataDir, hash, 50, 'key-appended');
  assert.ok(statSync(path.join(dataDir, 'chain.ndjson')).size > 0, 'chain.ndjson holds the new lines');
  const mixed = await startInProcess(t, component, { dataDir, sealAfter: 0 });
  assert.equal(mixed.logs.find((l) => String(l.msg).startsWith('chain resumed'))!.linesChecked, 0, 'the checkpoint covered sealed and plain lines');
  const replayed = await postJson(mixed.url, { m: 3 }, { 'idempotency-key': 'key-appended' });
  assert.equal(replayed.headers.get('idempotent-replayed'), 'true', 'a key in a covered plain line is found');
  await mixed.close();

  // An older checkpoint (kept from before 30 more pairs), then everything compacted: it covers fewer entries than are sealed.
  const saved = checkpointFiles.map((name) => readFileSync(path.join(dataDir, name)));
  await appendPairs(dataDir, hash, 30, 'key-later');
  checkpointFiles.forEach((name, k) => writeFileSync(path.join(dataDir, name), saved[k]!));
  const compacted = await runCli(['compact', dataDir]);
  assert.equal(compacted.code, 0, compacted.stderr);
  const older = await startInProcess(t, component, { dataDir });
  assert.equal(older.logs.find((l) => String(l.msg).startsWith('chain resumed'))!.linesChecked, 60, 'the 30 pairs after the older checkpoint are checked');
  const head = (await getJson(`${older.url}/head`)).body;
  assert.equal(head.length, plain.length + 2 * 50 + 2 * 30);
  const later = await postJson(older.url, { m: 3 }, { 'idempotency-key': 'key-later' });
  assert.equal(later.headers.get('idempotent-replayed'), 'true', 'a key in a line checked one by one is found');
  await older.close();
});
