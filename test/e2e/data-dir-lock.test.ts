import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { getJson, postJson, runCli, startRuntime } from '../support/runtime.js';

test('a second run on a data dir in use exits with DATA_DIR_LOCKED; after kill -9 the next run takes the stale lock over', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  const lock = path.join(dataDir, 'lock');
  const first = await startRuntime(t, echo, ['--data-dir', dataDir]);
  const firstPid = first.child.pid!;
  assert.equal(readFileSync(lock, 'utf8'), `${firstPid}\n`);

  const second = await runCli(['run', echo, '--listen', '127.0.0.1:0', '--data-dir', dataDir]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, new RegExp(`^actorchain: DATA_DIR_LOCKED: .* in use by the runtime with pid ${firstPid} .*stop that runtime, or remove .*lock`));
  assert.equal((await postJson(first.url, { n: 1 })).status, 200, 'the first runtime still serves');

  // Readers neither need nor take the lock.
  for (const args of [
    ['verify', echo, dataDir],
    ['inspect', dataDir],
    ['export', dataDir],
  ]) {
    const read = await runCli(args);
    assert.equal(read.code, 0, `${args[0]}: ${read.stderr}`);
  }
  assert.equal(readFileSync(lock, 'utf8'), `${firstPid}\n`);

  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok(existsSync(lock), 'kill -9 leaves the lock behind');
  const third = await startRuntime(t, echo, ['--data-dir', dataDir]);
  const warning = third.logs.find((l) => l.level === 40 && l.stalePid === firstPid);
  assert.match(String(warning?.msg), /^taking over .*lock from pid \d+, which no longer runs/);
  assert.deepEqual((await getJson(`${third.url}/state`)).body.state, { n: 1 });
  assert.equal((await postJson(third.url, { n: 2 })).status, 200);
  assert.equal(await third.stop(), 0);
  assert.ok(!existsSync(lock), 'a clean stop releases the lock');
});
