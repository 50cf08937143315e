import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chainFile, tempDir, writeEchoChain } from '../support/chain-file.js';
import { damageFirstDelta } from '../support/sealed-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson, runCli, sha256, startRuntime } from '../support/runtime.js';
import { verifies } from '../support/verify.js';

/** An echo chain whose states are a 2,000-number ledger with one number changed a message: what compaction is for. */
async function ledgerChain(t: Parameters<typeof tempDir>[0], pairs: number) {
  const balances = Array.from({ length: 2000 }, (_, i) => 1000 + ((i * 7919) % 9973));
  return writeEchoChain(t, pairs, (n) => {
    balances[(n * 31) % balances.length]! += n;
    return { message: JSON.stringify({ balances, n }) };
  });
}

const lines = (text: string) => text.trimEnd().split('\n');

test('compact seals the chain; export is byte-identical to the plain chain, verify passes, run resumes and serves old entries as they were', async (t) => {
  const { component, dataDir } = await ledgerChain(t, 300);
  const plain = readFileSync(chainFile(dataDir));
  const compacted = await runCli(['compact', dataDir]);
  assert.equal(compacted.code, 0, compacted.stderr);
  const sealedBytes = statSync(path.join(dataDir, 'chain.sealed')).size;
  assert.ok(sealedBytes < plain.length / 20, `chain.sealed is ${sealedBytes} bytes for ${plain.length} canonical bytes`);
  assert.equal(statSync(chainFile(dataDir)).size, 0, 'every whole group is sealed');

  const out = path.join(tempDir(t), 'chain.ndjson');
  const exported = await runCli(['export', dataDir, '-o', out]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.ok(readFileSync(out).equals(plain), 'export gives the plain chain, byte for byte');
  assert.ok((await runCli(['export', dataDir])).stdout === plain.toString(), 'to stdout as well');
  await verifies(dataDir, { component });

  const runtime = await startInProcess(t, component, { dataDir });
  const old = lines(plain.toString());
  for (const position of [0, 1, 2, 151, 300, old.length - 1]) {
    const response = await fetch(`${runtime.url}/chain/${sha256(old[position]!)}`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), old[position], `entry ${position} is served as it was written`);
  }
  const page = await getJson(`${runtime.url}/chain?limit=5`);
  assert.equal(page.status, 200);
  assert.equal((await postJson(runtime.url, { n: 'after' })).status, 200);
  await runtime.close();
  const after = (await runCli(['export', dataDir])).stdout;
  assert.ok(after.startsWith(plain.toString()));
  assert.equal(lines(after).length, old.length + 2);
  await verifies(dataDir, { component });
  // Compacting again seals the new entries too.
  assert.equal((await runCli(['compact', dataDir])).code, 0);
  assert.equal((await runCli(['export', dataDir])).stdout, after);
});

test('a damaged chain.sealed is refused at start-up with CHAIN_CORRUPT naming the entry', async (t) => {
  const { component, dataDir } = await ledgerChain(t, 200);
  assert.equal((await runCli(['compact', dataDir])).code, 0);
  const sealed = path.join(dataDir, 'chain.sealed');
  const bytes = readFileSync(sealed);
  // A byte in the last block's compressed body.
  bytes[bytes.length - 40] ^= 0x55;
  writeFileSync(sealed, bytes);
  const result = await runCli(['run', component, '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /CHAIN_CORRUPT: .*chain\.sealed: entry \d+ \(line \d+\)/);
  assert.equal(readFileSync(sealed).compare(bytes), 0, 'left as it was');
  await assert.rejects(verifies(dataDir, { component }), { code: 'CHAIN_CORRUPT' });
});

test('a damaged patch (a delta that decompresses fine but rebuilds another text) is refused at start-up with CHAIN_CORRUPT naming its entry', async (t) => {
  const { component, dataDir } = await ledgerChain(t, 60);
  assert.equal((await runCli(['compact', dataDir])).code, 0);
  const damaged = damageFirstDelta(path.join(dataDir, 'chain.sealed'));
  const result = await runCli(['run', component, '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`CHAIN_CORRUPT: .*chain\\.sealed: entry ${damaged} \\(line ${damaged + 1}\\)`));
  const exported = await runCli(['export', dataDir]);
  assert.notEqual(exported.code, 0);
  assert.match(exported.stderr, /CHAIN_CORRUPT/);
  // verify's hash thread holds each rebuilt entry to its sealed hash prefix; the entry is named.
  await assert.rejects(verifies(dataDir, { component }), {
    code: 'CHAIN_CORRUPT',
    message: new RegExp(`chain\\.sealed: entry ${damaged} \\(line ${damaged + 1}\\)`),
  });
});

test("a compaction cut short by a crash is dropped at the next start: blocks chain.ndjson does not follow, chain.ndjson.next, an earlier version's temporaries", async (t) => {
  const { component, dataDir } = await ledgerChain(t, 50);
  const plain = readFileSync(chainFile(dataDir));
  // An earlier version's compact, before its switch: its temporaries, chain.ndjson still the whole chain.
  const before = tempDir(t);
  copyFileSync(chainFile(dataDir), chainFile(before));
  writeFileSync(path.join(before, 'chain.sealed.tmp'), 'half a sealed file');
  writeFileSync(path.join(before, 'chain.ndjson.next'), '');
  assert.equal((await runCli(['export', before])).stdout, plain.toString());
  const first = await startInProcess(t, component, { dataDir: before });
  await first.close();
  assert.ok(!existsSync(path.join(before, 'chain.sealed.tmp')) && !existsSync(path.join(before, 'chain.ndjson.next')));
  assert.equal((await runCli(['export', before])).stdout, plain.toString());

  // A compact stopped before its rename: the blocks are in chain.sealed (a last one torn),
  // chain.ndjson.next is written, chain.ndjson is still the whole chain, from its genesis.
  assert.equal((await runCli(['compact', dataDir])).code, 0);
  const sealedFile = path.join(dataDir, 'chain.sealed');
  writeFileSync(sealedFile, Buffer.concat([readFileSync(sealedFile), Buffer.from([0, 0, 0, 9, 0, 0])]));
  writeFileSync(path.join(dataDir, 'chain.ndjson.next'), '');
  writeFileSync(chainFile(dataDir), plain);
  assert.equal((await runCli(['export', dataDir])).stdout, plain.toString(), 'a reader sees the chain chain.ndjson starts');
  const second = await startInProcess(t, component, { dataDir });
  assert.ok(!existsSync(path.join(dataDir, 'chain.ndjson.next')));
  assert.equal(statSync(sealedFile).size, 'actorchain-sealed 1\n'.length, 'the blocks no chain.ndjson follows are cut');
  assert.equal((await postJson(second.url, { n: 'resumed' })).status, 200);
  await second.close();
  const after = (await runCli(['export', dataDir])).stdout;
  assert.ok(after.startsWith(plain.toString()));
  assert.equal(lines(after).length, lines(plain.toString()).length + 2);
  await verifies(dataDir, { component });
});

test('kill -9 during group writes on a compacted dir: every acknowledged message survives and the chain verifies', async (t) => {
  const { component, dataDir } = await ledgerChain(t, 40);
  assert.equal((await runCli(['compact', dataDir])).code, 0);
  const runtime = await startRuntime(t, component, ['--data-dir', dataDir, '--fsync', 'always']);
  const acknowledged: string[] = [];
  let tenAcknowledged!: () => void;
  const ten = new Promise<void>((resolve) => (tenAcknowledged = resolve));
  const posts = Array.from({ length: 60 }, (_, n) =>
    postJson(runtime.url, { n: `crash-${n}`, pad: 'x'.repeat(2000) }).then(
      (reply) => {
        if (reply.status === 200 && acknowledged.push(reply.body.head) === 10) tenAcknowledged();
      },
      () => {},
    ),
  );
  // Kill once some are acknowledged and others are still being written.
  await ten;
  runtime.child.kill('SIGKILL');
  await runtime.exited;
  await Promise.all(posts);
  const restarted = await startInProcess(t, component, { dataDir });
  for (const head of acknowledged) assert.equal((await fetch(`${restarted.url}/chain/${head}`)).status, 200, `acknowledged ${head} survived`);
  await restarted.close();
  await verifies(dataDir, { component });
});

test('a chain.sealed cut short within its first line (a kill while it was created) holds nothing: verify, export and run go on', async (t) => {
  const { component, dataDir } = await ledgerChain(t, 3);
  const plain = readFileSync(chainFile(dataDir));
  for (const cut of [0, 7]) {
    writeFileSync(path.join(dataDir, 'chain.sealed'), Buffer.from('actorchain-sealed 1\n').subarray(0, cut));
    await verifies(dataDir, { component });
    assert.equal((await runCli(['export', dataDir])).stdout, plain.toString());
  }
  const runtime = await startInProcess(t, component, { dataDir });
  assert.equal((await postJson(runtime.url, { n: 'after' })).status, 200);
  await runtime.close();
  assert.equal(readFileSync(path.join(dataDir, 'chain.sealed'), 'latin1').slice(0, 20), 'actorchain-sealed 1\n', 'the start wrote its first line whole');
  await verifies(dataDir, { component });
});
