/**
 * A running runtime seals its chain as it grows (run --seal-after): what a reader is served
 * stays the chain's bytes, a kill -9 at any step of a seal loses nothing acknowledged, and a
 * plain data dir of an earlier version is left plain.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { chainFile, tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { postJson, runCli, sha256, startRuntime } from '../support/runtime.js';
import { verifies } from '../support/verify.js';
import { waitFor } from '../support/wait.js';

const SEAL_AFTER = 16_384;

/** Message n: a 1,500-number ledger with one number changed (the echo actor's state is its message). */
function ledgerMessage(n: number): Record<string, unknown> {
  const balances = Array.from({ length: 1500 }, (_, i) => 1000 + ((i * 7919) % 9973));
  balances[(n * 31) % balances.length]! += n;
  return { balances, n };
}

const seals = (runtime: { logs: Array<Record<string, unknown>> }) =>
  runtime.logs.filter((line) => line.msg === 'sealed the start of chain.ndjson into chain.sealed').length;
const size = (file: string) => statSync(file, { throwIfNoEntry: false })?.size ?? 0;

async function exportLines(dataDir: string): Promise<string> {
  const exported = await runCli(['export', dataDir]);
  assert.equal(exported.code, 0, exported.stderr);
  return exported.stdout;
}

async function assertVerifies(component: string, dataDir: string): Promise<void> {
  await verifies(dataDir, { component });
}

test('a new data dir is sealed while the runtime runs: old entries served as written, disk use bounded, export byte-identical to the same chain written plain', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  const runtime = await startInProcess(t, component, { dataDir, sealAfter: SEAL_AFTER });
  assert.ok(existsSync(path.join(dataDir, 'chain.sealed')), 'a new data dir is made in the compacted layout');
  const heads: string[] = [];
  for (let n = 0; n < 60; n++) {
    const reply = await postJson(runtime.url, ledgerMessage(n));
    assert.equal(reply.status, 200);
    heads.push(reply.body.head);
    // Entries sealed while the runtime runs are served as they were written.
    const early = await fetch(`${runtime.url}/chain/${heads[Math.floor(n / 2)]}`);
    assert.equal(early.status, 200);
    assert.equal(sha256(await early.text()), heads[Math.floor(n / 2)]);
  }
  await waitFor('three seals', () => seals(runtime) >= 3);
  const canonical = (await exportLines(dataDir)).length;
  const onDisk = size(path.join(dataDir, 'chain.sealed')) + size(chainFile(dataDir));
  assert.ok(size(chainFile(dataDir)) < SEAL_AFTER + 40_000, `chain.ndjson holds ${size(chainFile(dataDir))} bytes: about --seal-after at most`);
  assert.ok(onDisk < canonical / 4, `${onDisk} bytes on disk for ${canonical} canonical bytes`);
  for (const head of heads) {
    const response = await fetch(`${runtime.url}/chain/${head}`);
    assert.equal(sha256(await response.text()), head, 'GET /chain/<hash> serves the entry whose hash it is');
  }
  await runtime.close();
  const compacted = await exportLines(dataDir);
  await assertVerifies(component, dataDir);

  // The same messages under the same key, never sealed: the plain chain, byte for byte.
  const plainDir = tempDir(t);
  const keyFile = path.join(dataDir, 'identity.key');
  const plain = await startInProcess(t, component, { dataDir: plainDir, sealAfter: 0, keyFile });
  for (let n = 0; n < 60; n++) assert.equal((await postJson(plain.url, ledgerMessage(n))).status, 200);
  await plain.close();
  assert.ok(!existsSync(path.join(plainDir, 'chain.sealed')), '--seal-after 0 keeps a new data dir plain');
  assert.equal(compacted, readFileSync(chainFile(plainDir), 'utf8'), 'export of the sealed dir is the plain chain.ndjson');

  // A plain data dir (as earlier versions wrote it) stays plain until actorchain compact.
  const again = await startInProcess(t, component, { dataDir: plainDir, sealAfter: SEAL_AFTER, keyFile });
  for (let n = 60; n < 80; n++) assert.equal((await postJson(again.url, ledgerMessage(n))).status, 200);
  await again.close();
  assert.ok(!existsSync(path.join(plainDir, 'chain.sealed')), 'a plain data dir is not converted by run');
  assert.equal((await runCli(['compact', plainDir])).code, 0);
  const resumed = await startInProcess(t, component, { dataDir: plainDir, sealAfter: SEAL_AFTER, keyFile });
  for (let n = 80; n < 100; n++) assert.equal((await postJson(resumed.url, ledgerMessage(n))).status, 200);
  await waitFor('a seal of the compacted dir', () => seals(resumed) >= 1);
  await resumed.close();
  await assertVerifies(component, plainDir);
});

for (const step of ['blocks', 'next'] as const) {
  test(`kill -9 while a seal is stopped ${step === 'blocks' ? 'after its blocks are written' : 'before the rename of chain.ndjson.next'}: nothing acknowledged is lost, the next start settles it`, async (t) => {
    const component = await buildFixture('echo');
    const dataDir = tempDir(t);
    const runtime = await startRuntime(t, component, ['--data-dir', dataDir, '--seal-after', String(SEAL_AFTER)], {
      env: { ACTORCHAIN_TEST_SEAL_PAUSE: step },
    });
    const acknowledged: string[] = [];
    const paused = () => runtime.stderr().includes(`seal paused at ${step}`);
    // Posts go on (four at a time) until the seal has stopped at its step (past 'next', none is acknowledged).
    const inFlight = new Set<Promise<void>>();
    const stopped = waitFor(`the seal to stop at ${step}`, paused);
    for (let n = 0; n < 200 && !paused(); n++) {
      const post: Promise<void> = postJson(runtime.url, ledgerMessage(n)).then(
        (reply) => void (reply.status === 200 && acknowledged.push(reply.body.head)),
        () => {},
      );
      inFlight.add(post);
      void post.finally(() => inFlight.delete(post));
      if (inFlight.size >= 4) await Promise.race([...inFlight, stopped]);
    }
    await stopped;
    runtime.child.kill('SIGKILL');
    await runtime.exited;
    await Promise.all(inFlight);
    assert.ok(acknowledged.length > 0);

    const restarted = await startInProcess(t, component, { dataDir, sealAfter: SEAL_AFTER });
    assert.ok(!existsSync(path.join(dataDir, 'chain.ndjson.next')), 'the unfinished switch is dropped');
    for (const head of acknowledged) {
      const response = await fetch(`${restarted.url}/chain/${head}`);
      assert.equal(response.status, 200, `acknowledged ${head} survived`);
      assert.equal(sha256(await response.text()), head);
    }
    // Sealing goes on from where the chain is.
    for (let n = 0; n < 20; n++) assert.equal((await postJson(restarted.url, ledgerMessage(1000 + n))).status, 200);
    await waitFor('a seal after the restart', () => seals(restarted) >= 1);
    await restarted.close();
    await assertVerifies(component, dataDir);
  });
}

test('kill -9 at many moments while load runs and seals happen: every acknowledged message survives and the chain verifies', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  const acknowledged: string[] = [];
  for (let round = 0; round < 6; round++) {
    const runtime = await startRuntime(t, component, ['--data-dir', dataDir, '--seal-after', '8192', '--fsync', 'always']);
    // Killed once a number of messages (different each round) are acknowledged and a seal has
    // been made, with other messages in flight and, often, the next seal under way.
    const killAfter = 3 + Math.floor(Math.random() * 25);
    let acked = 0;
    const posts = Array.from({ length: 40 }, (_, n) =>
      postJson(runtime.url, ledgerMessage(round * 100 + n)).then(
        (reply) => {
          if (reply.status !== 200) return;
          acknowledged.push(reply.body.head);
          acked++;
        },
        () => {},
      ),
    );
    await waitFor('acknowledged messages and a seal', () => acked >= killAfter && seals(runtime) >= 1);
    runtime.child.kill('SIGKILL');
    await runtime.exited;
    await Promise.all(posts);
  }
  assert.ok(size(path.join(dataDir, 'chain.sealed')) > 'actorchain-sealed 1\n'.length, 'seals happened between the kills');
  const restarted = await startInProcess(t, component, { dataDir });
  for (const head of acknowledged) assert.equal((await fetch(`${restarted.url}/chain/${head}`)).status, 200, `acknowledged ${head} survived`);
  await restarted.close();
  await assertVerifies(component, dataDir);
  const lines = (await exportLines(dataDir)).trimEnd().split('\n');
  for (const head of acknowledged) assert.ok(lines.some((line) => sha256(line) === head));
});
