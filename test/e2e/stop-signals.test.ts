/**
 * Issue 22, 4: SIGHUP and SIGUSR2 end the runtime as SIGTERM does: in order, the lock released.
 * Also a signal sent as soon as the runtime says it listens (no request first) is handled.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { postJson, startRuntime } from '../support/runtime.js';

for (const signal of ['SIGHUP', 'SIGUSR2', 'SIGTERM'] as const) {
  test(`${signal} stops the runtime in order: exit 0, the lock released, the chain resumable`, async (t) => {
    const echo = await buildFixture('echo');
    const dataDir = tempDir(t);
    const runtime = await startRuntime(t, echo, ['--data-dir', dataDir]);
    runtime.child.kill(signal);
    assert.equal(await runtime.exited, 0);
    assert.equal(runtime.child.signalCode, null, 'not ended by the signal itself');
    assert.ok(runtime.logs.some((l) => l.msg === 'shutting down' && l.signal === signal));
    assert.ok(runtime.logs.some((l) => l.msg === 'actorchain stopped'));
    assert.ok(!existsSync(path.join(dataDir, 'lock')), 'the lock is released');

    const next = await startRuntime(t, echo, ['--data-dir', dataDir]);
    assert.ok(!next.logs.some((l) => l.stalePid !== undefined), 'no stale lock to take over');
    assert.equal((await postJson(next.url, { n: 1 })).status, 200);
    await next.stop();
  });
}
