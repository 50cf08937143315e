/**
 * `actorchain dev --data-dir` on a chain another component made (an earlier session's): the
 * chain is upgraded offline to the new code at the start, its history kept; only when the new
 * code cannot take its state over is the chain moved aside into replaced/ and its messages
 * replayed through the new code.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { before, test, type TestContext } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { BUILD_TIMEOUT_MS, fileTempDir, REPO } from '../support/build.js';
import { makeChain, readLines, tempDir } from '../support/chain-file.js';
import { CLI, getJson, postJson } from '../support/runtime.js';
import { verifies } from '../support/verify.js';

let counter: string;
before(async () => {
  counter = await buildFixture('counter');
});

/** Start dev on a copy of `fixture` over `dataDir`; resolves with its URL and log lines once it serves. */
async function startDev(t: TestContext, fixture: string, dataDir: string): Promise<{ url: string; logs: Array<Record<string, unknown>> }> {
  const dir = fileTempDir('actorchain-dev-test-');
  const source = path.join(dir, 'actor.js');
  copyFileSync(path.join(REPO, 'fixtures/actors', fixture), source);
  const child = spawn(process.execPath, [CLI, 'dev', source, '--listen', '127.0.0.1:0', '--log-format', 'json', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  let buffered = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (String(entry.msg).startsWith('serving ')) resolve(String(entry.url));
      }
    });
    child.on('exit', (code) => reject(new Error(`dev exited ${code}\n${stderr}`)));
  });
  return { url, logs };
}

test('dev on a data dir of another component upgrades its chain at the start (migrate honoured), history kept', { timeout: BUILD_TIMEOUT_MS }, async (t) => {
  const dataDir = tempDir(t);
  await makeChain(t, counter, dataDir, [{ add: 2 }, { add: 3 }]);
  const before = readLines(dataDir);
  const { url, logs } = await startDev(t, 'upgrade-counter-v2.js', dataDir);
  assert.ok(logs.some((l) => /upgraded to this one, its history kept/.test(String(l.msg))));
  assert.deepEqual((await getJson(`${url}/state`)).body.state, { total: 5 }, "v2's migrate renamed the count");
  assert.deepEqual((await postJson(url, { double: true })).body.state, { total: 10 });
  assert.deepEqual(readLines(dataDir).slice(0, before.length), before, 'the chain goes on from the old one');
  assert.equal(existsSync(path.join(dataDir, 'replaced')), false);
  await verifies(url);
});

test('dev on a data dir whose state the new code refuses: the chain is moved aside and its messages replayed', { timeout: BUILD_TIMEOUT_MS }, async (t) => {
  const dataDir = tempDir(t);
  await makeChain(t, counter, dataDir, [{ add: 2 }, { add: 3 }]);
  // v3 has no migrate and its state-contract wants {"total": n}: it cannot take {"count": 5} over.
  const { url, logs } = await startDev(t, 'upgrade-counter-v3.js', dataDir);
  assert.ok(logs.some((l) => l.code === 'UPGRADE_STATE_REJECTED' && /the chain is replaced instead; its 2 messages are replayed/.test(String(l.msg))));
  assert.deepEqual((await getJson(`${url}/state`)).body.state, { total: 5 });
  assert.equal(readdirSync(path.join(dataDir, 'replaced')).length, 1);
});
