import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import canonicalize from 'canonicalize';
import { buildFixture } from '../../fixtures/build.js';
import { Chain } from '../../src/chain/chain.js';
import { openFileStore } from '../../src/chain/recovery.js';
import { loadComponent } from '../../src/component/load.js';
import { chainFile, readLines, tempDir, writeEchoChain, writeLines } from '../support/chain-file.js';
import { refusedStart, startInProcess } from '../support/in-process.js';
import { getJson, postJson, sha256 } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

// A checkpoint is kept from 10,000 entries on: the chains here are made in process, as the
// runtime would write them for the echo actor, then opened by a runtime started in process
// (createRuntime, as `actorchain run` starts one).
const PAIRS = 6000;
const ENTRIES = 2 + 2 * PAIRS;

const checkpointFile = (dataDir: string) => path.join(dataDir, 'checkpoint');
const hashesFile = (dataDir: string) => path.join(dataDir, 'checkpoint.hashes');
const header = (dataDir: string) => JSON.parse(readFileSync(checkpointFile(dataDir), 'utf8').split('\n')[0]!) as { entries: number; bytes: number };
const resumed = (logs: Array<Record<string, unknown>>) => logs.find((l) => String(l.msg).startsWith('chain resumed'))!;

test('a clean stop leaves a checkpoint, and the next start re-hashes instead of checking lines', async (t) => {
  const { component, dataDir } = await writeEchoChain(t, PAIRS);
  assert.ok(existsSync(checkpointFile(dataDir)), 'closing the chain wrote a checkpoint');

  const first = await startInProcess(t, component, { dataDir });
  assert.deepEqual({ entries: resumed(first.logs).entries, linesChecked: resumed(first.logs).linesChecked }, { entries: ENTRIES, linesChecked: 0 });
  assert.deepEqual((await getJson(`${first.url}/head`)).body, { head: sha256(readLines(dataDir).at(-1)!), length: ENTRIES, durable: true });
  assert.deepEqual((await getJson(`${first.url}/state`)).body.state, { n: PAIRS - 1 });
  assert.equal((await postJson(first.url, { n: 'more' })).status, 200);
  await first.close();
  assert.deepEqual(await first.stopped, { exitCode: 0 });

  const second = await startInProcess(t, component, { dataDir });
  assert.equal(resumed(second.logs).linesChecked, 0, 'the stop moved the checkpoint to the new end');
  assert.deepEqual((await getJson(`${second.url}/state`)).body.state, { n: 'more' });
  await second.close();
});

test('a line changed inside the checkpointed prefix is refused, as without a checkpoint', async (t) => {
  const { component, dataDir } = await writeEchoChain(t, PAIRS);
  const lines = readLines(dataDir);
  // Line 7001 is the message {"n":3499}; line 7002 still names its old hash.
  lines[7000] = lines[7000]!.replace('"n":3499', '"n":3500');
  writeLines(dataDir, lines);
  const forged = readFileSync(chainFile(dataDir));

  // The start is refused with the error `actorchain run` would print (and exit 1 with).
  const { error, logs } = await refusedStart(component, { dataDir });
  assert.equal(error.code, 'CHAIN_CORRUPT');
  assert.match(error.message, new RegExp(`^line 7002 \\(hash ${sha256(lines[7001]!)}\\) names parent [0-9a-f]{64}, but line 7001 hashes to ${sha256(lines[7000]!)}`));
  assert.ok(
    logs.some((l) => /not using .*checkpoint: the bytes it covers have changed since it was written/.test(String(l.msg))),
    logs.map((l) => l.msg).join('\n'),
  );
  assert.deepEqual(readFileSync(chainFile(dataDir)), forged, 'the refused chain is left as it was');
});

test('entries appended after the checkpoint are checked line by line, and a torn tail is cut', async (t) => {
  const { component, dataDir } = await writeEchoChain(t, PAIRS);
  // What a runtime killed before it could close leaves: a whole pair, then half a line.
  let parent = sha256(readLines(dataDir).at(-1)!);
  const message = canonicalize({ data: { message: { n: 'late' } }, parent })!;
  parent = sha256(message);
  const state = canonicalize({ data: { state: { n: 'late' } }, parent })!;
  appendFileSync(chainFile(dataDir), `${message}\n${state}\n{"data":{"mess`);

  const runtime = await startInProcess(t, component, { dataDir });
  assert.deepEqual({ entries: resumed(runtime.logs).entries, linesChecked: resumed(runtime.logs).linesChecked }, { entries: ENTRIES + 2, linesChecked: 2 });
  assert.ok(runtime.logs.some((l) => l.level === 40 && String(l.msg).startsWith('cutting 14 bytes')));
  assert.deepEqual((await getJson(`${runtime.url}/head`)).body, { head: sha256(state), length: ENTRIES + 2, durable: true });
  await runtime.close();
});

test('a damaged checkpoint is set aside with a warning: every line is checked, and a new one written', async (t) => {
  const { component, dataDir } = await writeEchoChain(t, PAIRS);
  const bytes = readFileSync(hashesFile(dataDir));
  bytes[bytes.length - 1]! ^= 0xff;
  writeFileSync(hashesFile(dataDir), bytes);

  const first = await startInProcess(t, component, { dataDir });
  assert.equal(resumed(first.logs).linesChecked, ENTRIES);
  assert.ok(first.logs.some((l) => l.level === 40 && /its hashes do not match their digest/.test(String(l.msg))));
  // Set aside: the header goes and the hashes are cut, so nothing names hashes that are not there.
  assert.ok(!existsSync(checkpointFile(dataDir)));
  assert.equal(statSync(hashesFile(dataDir)).size, 0);
  assert.equal((await getJson(`${first.url}/head`)).status, 200);
  await first.close();
  assert.deepEqual(await first.stopped, { exitCode: 0 });

  const second = await startInProcess(t, component, { dataDir });
  assert.equal(resumed(second.logs).linesChecked, 0);
  await second.close();
});

test('a runtime that keeps running keeps its checkpoint near the end, so a kill leaves little to check', async (t) => {
  const component = await buildFixture('echo');
  const { hash } = await loadComponent(component, { maxMemoryMiB: 64 });
  const dataDir = tempDir(t);
  const { store } = await openFileStore(dataDir, { componentHash: hash, fsync: 'never', onWarning: () => {} });
  const chain = new Chain(store);
  t.after(() => chain.close());
  await chain.commitStart(hash, { state: '{}', sends: [], journal: undefined });
  for (let n = 0; n < 10_000; n++) {
    const canonical = `{"n":${n}}`;
    await chain.commitTransition(canonical, { state: canonical, sends: [], journal: undefined }).durable;
  }
  // Still open, as a runtime killed now would leave it: a checkpoint was written on the way.
  await waitFor('the checkpoint file', () => existsSync(checkpointFile(dataDir)));
  assert.equal(header(dataDir).entries, 20_000);
  assert.equal(
    header(dataDir).bytes,
    Buffer.byteLength(
      readLines(dataDir)
        .slice(0, 20_000)
        .map((l) => `${l}\n`)
        .join(''),
    ),
  );
  assert.equal(statSync(hashesFile(dataDir)).size, 20_000 * 32);

  // Every 20,000 entries more, the hashes of those are appended: the checkpoint keeps up with a
  // long chain at a cost that does not grow with it.
  for (let n = 10_000; n < 30_000; n++) {
    const canonical = `{"n":${n}}`;
    await chain.commitTransition(canonical, { state: canonical, sends: [], journal: undefined }).durable;
  }
  await waitFor('the checkpoint to cover 60,000 entries', () => header(dataDir).entries >= 60_000);
  assert.equal(header(dataDir).entries, 60_000);
  assert.equal(statSync(hashesFile(dataDir)).size, 60_000 * 32);
  const lines = readLines(dataDir);
  assert.equal(readFileSync(hashesFile(dataDir)).toString('hex', 59_999 * 32, 60_000 * 32), sha256(lines[59_999]!));

  // A copy of the data dir as a kill would leave it opens from that checkpoint, checking one by one only what follows it.
  const copy = tempDir(t);
  for (const name of ['chain.ndjson', 'checkpoint', 'checkpoint.hashes']) copyFileSync(path.join(dataDir, name), path.join(copy, name));
  const reopened = await openFileStore(copy, { componentHash: hash, fsync: 'never', onWarning: () => {} });
  assert.equal(reopened.checkedLines, lines.length - 60_000);
  assert.equal(reopened.recovered, lines.length);
  await reopened.store.close();
});

test('a checkpoint of the earlier format (hashes inside it) is still used, and the next one is written in this format', async (t) => {
  const { component, dataDir } = await writeEchoChain(t, PAIRS);
  // Rewrite the checkpoint as version 1 wrote it: the header, then the hashes, in one file.
  const {
    entries,
    bytes,
    'chain-sha256': chainSha256,
    'component-hash': componentHash,
  } = JSON.parse(readFileSync(checkpointFile(dataDir), 'utf8').split('\n')[0]!) as Record<string, unknown>;
  const hashes = readFileSync(hashesFile(dataDir)).subarray(0, (entries as number) * 32);
  const old = { format: 'actorchain-checkpoint 1', 'component-hash': componentHash, entries, bytes, 'chain-sha256': chainSha256, 'hashes-sha256': sha256(hashes) };
  writeFileSync(checkpointFile(dataDir), Buffer.concat([Buffer.from(`${JSON.stringify(old)}\n`), hashes]));
  rmSync(hashesFile(dataDir));

  const first = await startInProcess(t, component, { dataDir });
  assert.equal(resumed(first.logs).linesChecked, 0, 'the version 1 checkpoint covered every line');
  assert.ok(!first.logs.some((l) => l.level === 40), 'no warning');
  assert.equal((await getJson(`${first.url}/head`)).status, 200);
  await first.close();
  assert.deepEqual(await first.stopped, { exitCode: 0 });
  assert.equal(header(dataDir).entries, ENTRIES);
  assert.equal(statSync(hashesFile(dataDir)).size, ENTRIES * 32, "the stop wrote this version's checkpoint");

  const second = await startInProcess(t, component, { dataDir });
  assert.equal(resumed(second.logs).linesChecked, 0);
  await second.close();
});
