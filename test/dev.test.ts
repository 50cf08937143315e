/**
 * `actorchain dev` through the real CLI: it serves a temporary copy of an actor, takes
 * messages, rebuilds on a save and serves the new code with the old messages replayed through
 * it, and keeps the last good version serving when a save does not build.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BUILD_TIMEOUT_MS, fileTempDir, REPO } from './support/build.js';
import { CLI, getJson, postJson } from './support/runtime.js';

test('dev serves the actor, and on a save serves the new code with the history replayed through it', { timeout: BUILD_TIMEOUT_MS * 3 }, async (t) => {
  const dir = fileTempDir('actorchain-dev-test-');
  const source = path.join(dir, 'actor.ts');
  copyFileSync(path.join(REPO, 'fixtures/actors/reasons.ts'), source);
  const child = spawn(process.execPath, [CLI, 'dev', source, '--listen', '127.0.0.1:0', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void child.kill('SIGKILL'));
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  let buffered = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) logs.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  /** The first log line from `from` on that matches, waited for. */
  const logLine = async (pattern: RegExp, from: number): Promise<Record<string, unknown>> => {
    for (;;) {
      const found = logs.slice(from).find((l) => pattern.test(String(l.msg)));
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`dev exited ${child.exitCode}\n${stderr}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };

  const url = String((await logLine(/^serving /, 0)).url);
  assert.deepEqual((await postJson(url, { add: 2 })).body.state, { count: 2 });
  assert.deepEqual((await postJson(url, { add: 3 })).body.state, { count: 5 });
  const refused = await postJson(url, { add: -1 });
  assert.equal(refused.body.error.reason, 'add must be a positive integer');
  assert.ok(logs.some((l) => l.reason === 'add must be a positive integer'), 'the refusal is printed with its reason');

  // A save: add now counts ten times. The old messages go on in the new code's chain.
  let mark = logs.length;
  writeFileSync(source, readFileSync(source, 'utf8').replace('count: state.count + msg.add }', 'count: state.count + msg.add * 10 }'));
  const replayed = await logLine(/^serving /, mark);
  assert.ok(logs.slice(mark).some((l) => /2 of 2 messages applied/.test(String(l.msg))));
  assert.equal(replayed.url, url, 'on the same address');
  assert.deepEqual((await getJson(`${url}/state`)).body.state, { count: 50 }, 'the history replayed through the new code');
  assert.deepEqual((await postJson(url, { add: 1 })).body.state, { count: 60 });
  const chain = (await getJson(`${url}/chain`)).body.entries as Array<{ data: { message?: unknown } }>;
  assert.deepEqual(chain.filter((e) => 'message' in e.data).map((e) => e.data.message), [{ add: 2 }, { add: 3 }, { add: 1 }]);

  // A save that does not build: printed, and the last good version keeps serving.
  mark = logs.length;
  writeFileSync(source, `${readFileSync(source, 'utf8')}\nexport const broken = (;\n`);
  await logLine(/^build failed: BUILD_SYNTAX_ERROR|^build failed: .*actor\.ts:\d+:\d+/, mark);
  assert.deepEqual((await postJson(url, { add: 1 })).body.state, { count: 70 });
});
