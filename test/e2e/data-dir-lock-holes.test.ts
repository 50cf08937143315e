/**
 * Issue 22, 4: the data dir's lock must not be fooled by a chain.ndjson that is a symbolic
 * link to another data dir's file, nor kept by a killed runtime that is still a zombie.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { waitFor } from '../support/outbox.js';
import { CLI, getJson, runCli, startRuntime } from '../support/runtime.js';

test('a chain.ndjson that is a symbolic link is refused: two runtimes cannot write one file', async (t) => {
  const echo = await buildFixture('echo');
  const [dirA, dirB] = [tempDir(t), tempDir(t)];
  const first = await startRuntime(t, echo, ['--data-dir', dirA]);
  mkdirSync(dirB, { recursive: true });
  symlinkSync(path.join(dirA, 'chain.ndjson'), path.join(dirB, 'chain.ndjson'));
  const second = await runCli(['run', echo, '--listen', '127.0.0.1:0', '--data-dir', dirB]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /^actorchain: CHAIN_SOURCE_UNREADABLE: .*chain\.ndjson is a symbolic link/m);
  assert.equal((await getJson(`${first.url}/head`)).body.length, 2, 'the first runtime is untouched');

  // Nor a second name for the file (a hard link).
  const dirC = tempDir(t);
  mkdirSync(dirC, { recursive: true });
  linkSync(path.join(dirA, 'chain.ndjson'), path.join(dirC, 'chain.ndjson'));
  const third = await runCli(['run', echo, '--listen', '127.0.0.1:0', '--data-dir', dirC]);
  assert.equal(third.code, 1);
  assert.match(third.stderr, /^actorchain: CHAIN_SOURCE_UNREADABLE: .*chain\.ndjson has another name \(a hard link\)/m);
});

test('a runtime killed with -9 that is still a zombie does not keep its lock', { skip: !existsSync('/proc/self/stat') }, async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  // The runtime's parent becomes `sleep`, which never reaps it: once killed, it stays a zombie.
  const parent = spawn(
    'sh',
    ['-c', `"${process.execPath}" "${CLI}" run "${echo}" --listen 127.0.0.1:0 --data-dir "${dataDir}" --log-level silent & echo $!; exec sleep 600`],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  t.after(() => parent.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  const lock = path.join(dataDir, 'lock');
  await waitFor('the lock', async () => (existsSync(lock) && readFileSync(lock, 'utf8') === `${pid}\n` ? true : undefined));
  process.kill(pid, 'SIGKILL');
  await waitFor('a zombie', async () => (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) ? true : undefined));

  const next = await startRuntime(t, echo, ['--data-dir', dataDir]);
  assert.ok(next.logs.some((l) => l.level === 40 && l.stalePid === pid));
  assert.equal(await next.stop(), 0);
});
