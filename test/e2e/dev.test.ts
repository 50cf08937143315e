/**
 * `actorchain dev` through the real CLI: it serves a temporary copy of an actor, takes
 * messages, rebuilds on a save and upgrades the running actor to the new code (one chain, an
 * upgrade entry, migrate honoured), prints a refused upgrade and a save that does not build
 * while the last good version keeps serving; the chain verifies from the URL at the end.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BUILD_TIMEOUT_MS, componentizing, fileTempDir, REPO } from '../support/build.js';
import { CLI, getJson, postJson } from '../support/runtime.js';
import { verifies } from '../support/verify.js';

test('dev serves the actor, and on a save upgrades it to the new code, its history going on', { timeout: BUILD_TIMEOUT_MS * 3 }, async (t) => {
  const dir = fileTempDir('actorchain-dev-test-');
  const source = path.join(dir, 'actor.ts');
  copyFileSync(path.join(REPO, 'fixtures/actors/reasons.ts'), source);
  const child = spawn(process.execPath, [CLI, 'dev', source, '--listen', '127.0.0.1:0', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Stopped as a terminal stops it: a build under way ends with it (its componentize-js process too).
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
  });
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
  /** The first log line from `from` on that matches (its message, or a predicate), waited for: log lines travel apart from the HTTP answers. */
  const logLine = async (pattern: RegExp | ((line: Record<string, unknown>) => boolean), from: number): Promise<Record<string, unknown>> => {
    const matches = typeof pattern === 'function' ? pattern : (l: Record<string, unknown>) => pattern.test(String(l.msg));
    for (;;) {
      const found = logs.slice(from).find(matches);
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
  // The refusal is printed with its reason.
  await logLine((l) => l.reason === 'add must be a positive integer', 0);

  // A save: add now counts ten times. The state is carried over (no migrate), the chain goes on.
  const original = readFileSync(source, 'utf8');
  const tenfold = original.replace('count: state.count + msg.add }', 'count: state.count + msg.add * 10 }');
  let mark = logs.length;
  writeFileSync(source, tenfold);
  await logLine(/^upgraded to the new code/, mark);
  assert.equal(String((await logLine(/^serving /, mark)).url), url, 'on the same address');
  assert.deepEqual((await getJson(`${url}/state`)).body.state, { count: 5 }, 'the state carried over');
  assert.deepEqual((await postJson(url, { add: 1 })).body.state, { count: 15 });
  const chain = (await getJson(`${url}/chain`)).body.entries as Array<{ data: { message?: unknown; upgrade?: unknown } }>;
  assert.deepEqual(
    chain.filter((e) => 'message' in e.data).map((e) => e.data.message),
    [{ add: 2 }, { add: 3 }, { add: 1 }],
  );
  assert.equal(chain.filter((e) => 'upgrade' in e.data).length, 1, 'one upgrade entry');

  // A save whose state-contract refuses the state it would take over: printed with the reason, the last good version serves on.
  const strict = tenfold.replace(
    'return (state.count as number) >= 0 ||',
    "if ((state.count as number) < 100) return 'count must be at least 100';\n    return (state.count as number) >= 0 ||",
  );
  assert.notEqual(strict, tenfold);
  mark = logs.length;
  writeFileSync(source, strict);
  const refusedUpgrade = await logLine(/^upgrade refused: /, mark);
  assert.equal(refusedUpgrade.code, 'UPGRADE_STATE_REJECTED');
  assert.equal(refusedUpgrade.reason, 'count must be at least 100');
  assert.deepEqual((await postJson(url, { add: 1 })).body.state, { count: 25 });

  // The same with a migrate that makes the state fit: upgraded, the state migrated.
  mark = logs.length;
  writeFileSync(source, `${strict}\nexport const migration = { migrate: (state: string) => JSON.stringify({ count: JSON.parse(state).count * 10 }) };\n`);
  await logLine(/^upgraded to the new code/, mark);
  assert.deepEqual((await getJson(`${url}/state`)).body.state, { count: 250 });

  // A save that does not build: printed, and the last good version keeps serving.
  mark = logs.length;
  writeFileSync(source, `${readFileSync(source, 'utf8')}\nexport const broken = (;\n`);
  await logLine(/^build failed: BUILD_SYNTAX_ERROR|^build failed: .*actor\.ts:\d+:\d+/, mark);
  assert.deepEqual((await postJson(url, { add: 1 })).body.state, { count: 260 });

  // One chain through every version: verify takes the components from dev by hash.
  await verifies(url);
});

test('dev stopped while it builds stops the build with it, and leaves nothing in the temporary directory', { timeout: BUILD_TIMEOUT_MS }, async () => {
  const dir = fileTempDir('actorchain-dev-test-');
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  const source = path.join(dir, 'actor.js');
  copyFileSync(path.join(REPO, 'fixtures/actors/counter.js'), source);
  const child = spawn(process.execPath, [CLI, 'dev', source, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await componentizing(tmp, child, () => stderr);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  // Removed once componentize-js' process has exited: dev waited for the build to stop.
  assert.deepEqual(readdirSync(tmp), []);
  assert.equal(existsSync(path.join(dir, 'actor.wasm')), false, 'the build was stopped, not run to its end');
});
