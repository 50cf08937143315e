import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { readLines, tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { postJson, sha256, startRuntime } from '../support/runtime.js';
import { verifies } from '../support/verify.js';

const ROUNDS = 4;
/** Messages in flight at once. */
const SENDERS = 32;
const KILL_AFTER = 60;

/*
 * What this proves, and what it does not: kill -9 ends the process but not the machine, so
 * the OS page cache survives it and bytes that were written but never fsynced are still
 * read back on restart. This test therefore proves that every pair is written before its
 * 200 (and that recovery and verify cope with a process dying mid-burst), not that it is
 * fsynced before its 200; it would pass with --fsync never too. That the reply waits for the
 * fdatasync is checked against a disk whose syncs the test controls, in
 * fsync-before-ack.test.ts; only cutting the power would show it end to end.
 */
test('kill -9 in the middle of a stream of POSTs: every message answered 200 is in the chain after restart, and it verifies', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  const acknowledged: string[] = [];

  for (let round = 0; round < ROUNDS; round++) {
    const runtime = await startRuntime(t, component, ['--data-dir', dataDir]);
    // Senders keep messages in flight until the runtime dies under them, so the kill always
    // lands in the middle of the stream, however fast the runtime answers.
    let answered = 0;
    let cut = 0;
    let sent = 0;
    const sender = async () => {
      for (;;) {
        let reply;
        try {
          reply = await postJson(runtime.url, { round, i: sent++ });
        } catch {
          cut++; // the connection died with the runtime: not acknowledged, no promise made
          return;
        }
        if (reply.status !== 200) continue;
        acknowledged.push(reply.body.message, reply.body.head);
        if (++answered === KILL_AFTER) runtime.child.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    await runtime.exited;
    assert.equal(runtime.child.signalCode, 'SIGKILL');
    assert.ok(cut > 0, `round ${round}: the kill came in the middle of the stream (${answered} of ${sent} answered)`);
  }

  // One more start recovers the last crash; then check the file as a user would.
  const runtime = await startInProcess(t, component, { dataDir });
  await runtime.close();
  const onDisk = new Set(readLines(dataDir).map((line) => sha256(line)));
  const missing = acknowledged.filter((hash) => !onDisk.has(hash));
  assert.deepEqual(missing, [], 'every acknowledged message and state entry survived');
  assert.ok(acknowledged.length >= ROUNDS * KILL_AFTER * 2);

  const summary = await verifies(dataDir, { component });
  assert.equal(summary.entries, onDisk.size);
});
