import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { runCli, startRuntime } from '../support/runtime.js';

test('with the port in use, run fails with LISTEN_FAILED and creates nothing', async (t) => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => holder.close());
  const { port } = holder.address() as AddressInfo;
  const dataDir = path.join(tempDir(t), 'echo.actorchain');
  const result = await runCli(['run', await buildFixture('echo'), '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /LISTEN_FAILED: cannot listen on 127\.0\.0\.1:\d+/);
  assert.ok(!existsSync(path.join(dataDir, 'chain.ndjson')), 'no chain was written');
});

test('listening beyond loopback without --token is warned about at start-up; with a token, or on loopback, it is not', async (t) => {
  const echo = await buildFixture('echo');
  const warned = (logs: Array<Record<string, unknown>>) => logs.some((l) => l.level === 40 && /without --token/.test(String(l.msg)));
  const open = await startRuntime(t, echo, ['--listen', '0.0.0.0:0']);
  assert.ok(warned(open.logs), 'every interface, no token: warned');
  const tokened = await startRuntime(t, echo, ['--listen', '0.0.0.0:0'], { env: { ACTORCHAIN_TOKEN: 's3cret' } });
  assert.ok(!warned(tokened.logs));
  const loopback = await startRuntime(t, echo);
  assert.ok(!warned(loopback.logs));
  const help = await runCli(['run', '--help']);
  assert.match(help.stdout, /:PORT or 0\.0\.0\.0:PORT\s+listens on every interface/);
});
