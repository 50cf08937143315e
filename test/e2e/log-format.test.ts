import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { CLI, startRuntime } from '../support/runtime.js';

/** Start run with these args and env, collect stdout until the listening line, then stop it. */
async function firstLines(t: TestContext, args: string[], env: Record<string, string> = {}): Promise<string> {
  const echo = await buildFixture('echo');
  const child = spawn(process.execPath, [CLI, 'run', echo, '--listen', '127.0.0.1:0', '--in-memory', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('actorchain listening')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
  child.kill('SIGTERM');
  return out;
}

test('logs are JSON lines when stdout is not a terminal', async (t) => {
  const runtime = await startRuntime(t, await buildFixture('echo'));
  assert.ok(runtime.logs.length >= 2);
  assert.ok(runtime.logs.every((l) => typeof l.level === 'number' && typeof l.time === 'number'));
});

test('--log-format pretty (or ACTORCHAIN_LOG_FORMAT) writes human-readable lines', async (t) => {
  for (const [args, env] of [
    [['--log-format', 'pretty'], {}],
    [[], { ACTORCHAIN_LOG_FORMAT: 'pretty' }],
  ] as const) {
    const out = await firstLines(t, [...args], env);
    const listening = out.split('\n').find((line) => line.includes('actorchain listening'))!;
    assert.throws(() => JSON.parse(listening), 'not JSON');
    assert.match(listening, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: +actorchain listening on http:\/\/127\.0\.0\.1:\d+/);
    // One line per entry, the fields a person needs as key=value (hashes short), no JSON tail.
    assert.match(listening, / head=[0-9a-f]{12}… length=2$/);
    assert.ok(!out.includes('{"'), `no JSON in the pretty log:\n${out}`);
    assert.ok(!out.split('\n').some((line) => /^\s+\S/.test(line)), out);
  }
});
