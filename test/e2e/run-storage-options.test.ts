import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { readLines, tempDir } from '../support/chain-file.js';
import { CLI, getJson, postJson, runCli, startRuntime } from '../support/runtime.js';

/** `actorchain run` with no store option at all, in `cwd`: its log lines and URL. */
async function runWithDefaults(t: TestContext, component: string, cwd: string) {
  const child = spawn(process.execPath, [CLI, 'run', component, '--listen', '127.0.0.1:0'], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const logs: Array<Record<string, unknown>> = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (String(entry.msg).startsWith('actorchain listening')) resolve(String(entry.address));
    });
    void exited.then(() => reject(new Error('actorchain run exited before listening')));
  });
  return { url, logs, stop: () => (child.kill('SIGTERM'), exited) };
}

test('by default the chain is kept in ./<component name>.actorchain, named in the start-up log, and a restart resumes it', async (t) => {
  const echo = await buildFixture('echo');
  const cwd = tempDir(t);
  const dataDir = path.join(cwd, `${path.basename(echo, '.wasm')}.actorchain`);

  const first = await runWithDefaults(t, echo, cwd);
  assert.ok(first.logs.some((l) => l.dataDir === dataDir && l.fsync === 'always' && l.msg === `new chain in ${dataDir}`));
  assert.equal((await postJson(first.url, { n: 1 })).status, 200);
  await first.stop();
  assert.equal(readLines(dataDir).length, 4);

  const second = await runWithDefaults(t, echo, cwd);
  assert.ok(second.logs.some((l) => l.dataDir === dataDir && l.entries === 4 && l.msg === `chain resumed from ${dataDir}`));
  assert.deepEqual((await getJson(`${second.url}/state`)).body.state, { n: 1 });
  await second.stop();
});

test('--in-memory writes nothing', async (t) => {
  const echo = await buildFixture('echo');
  const cwd = tempDir(t);
  const runtime = await startRuntime(t, echo, ['--in-memory'], { cwd });
  assert.equal((await postJson(runtime.url, { n: 1 })).status, 200);
  await runtime.stop();
  assert.deepEqual(readdirSync(cwd), []);
});

test('--fsync never still writes every acknowledged entry', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  const runtime = await startRuntime(t, echo, ['--data-dir', dataDir, '--fsync', 'never']);
  assert.equal((await postJson(runtime.url, { n: 1 })).status, 200);
  assert.equal(readLines(dataDir).length, 4, 'written before the reply, though not synced');
});

test('storage options are checked with the others, all problems reported together', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  const result = await runCli(['run', echo, '--in-memory', '--data-dir', dataDir, '--fsync', 'sometimes', '--timeout', 'x']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /INVALID_OPTION: .*--timeout must be an integer/);
  assert.match(result.stderr, /--in-memory and --data-dir exclude each other/);
  assert.match(result.stderr, /--fsync must be always or never \(got "sometimes"\)/);
  assert.ok(!existsSync(path.join(dataDir, 'chain.ndjson')));
});

test('a disk that fails writes stops the runtime with CHAIN_WRITE_FAILED instead of serving', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  symlinkSync('/dev/full', path.join(dataDir, 'chain.ndjson'));
  const result = await runCli(['run', echo, '--listen', '127.0.0.1:0', '--data-dir', dataDir]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /CHAIN_WRITE_FAILED: writing .*chain\.ndjson failed \(ENOSPC: no space left on device, write\)/);
});
