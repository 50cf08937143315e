import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { runCli } from '../support/runtime.js';
import { forgeAndRelink, makeChain, readLines, tempDir, writeLines } from '../support/chain-file.js';

test('verify stops a component that never returns on a forged entry, naming where it was stuck', async (t) => {
  const faults = await buildFixture('faults');
  const dataDir = tempDir(t);
  await makeChain(t, faults, dataDir, [{ n: 1 }, { n: 2 }]);
  // A forger slips in a message the runtime would never have committed: handle spins on it.
  const lines = forgeAndRelink(readLines(dataDir), 4, { message: { fault: 'handle:spin' } });
  writeLines(dataDir, forgeAndRelink(lines, 5, { state: { fault: 'handle:spin' } }));

  // Stopped by its watchdog (the message says so), not by runCli's guard against a hang. Two
  // seconds, not less: on a loaded machine the replay's first instantiation took over 500 ms.
  const result = await runCli(['verify', faults, dataDir, '--timeout', '2000'], { timeoutMs: 30_000 });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /COMPONENT_TIMEOUT: replaying from line 5, the component made no progress for 2000 ms/);
});

test('verify gives up on a runtime URL that stops answering, naming the source', async (t) => {
  // Answers /head, then never answers /chain.
  const server = createServer((req, res) => {
    if (req.url === '/head') res.end(JSON.stringify({ head: 'a'.repeat(64), length: 4 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const result = await runCli(['verify', await buildFixture('echo'), url, '--timeout', '500'], { timeoutMs: 30_000 });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`CHAIN_SOURCE_UNREADABLE: ${url} gave nothing for 500 ms`));
});
