import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { chainFile, makeChain, readLines, tempDir } from '../support/chain-file.js';
import { postJson, runCli, startRuntime } from '../support/runtime.js';

test('verify accepts a sound chain from a data dir, an .ndjson file and a running runtime, and sums it up', async (t) => {
  const counter = await buildFixture('counter');
  const dataDir = tempDir(t);
  // A JavaScript actor that sends: replay must reproduce the recorded sends as well.
  await makeChain(t, counter, dataDir, [{ add: 2 }, { forward: { to: 'http://127.0.0.1:9/', message: { hello: 'there' } } }, { add: 3 }]);
  assert.ok(readLines(dataDir).some((line) => line.includes('"sends":[{"message":{"hello":"there"},"to":"http://127.0.0.1:9/"}]')));

  for (const source of [dataDir, chainFile(dataDir)]) {
    const verified = await runCli(['verify', counter, source]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^verified 8 entries, head [0-9a-f]{64}, in \d+\.\d\d s \([\d,]+ entries\/s\)\n/);
    // The data dir holds the checkpoint its runtime signed when it stopped; a bare file has none.
    const checkpoint = source === dataDir ? /checkpoint: 8 entries signed by actorchain\/[0-9a-f]{16}\+/ : /checkpoint: none to check/;
    assert.match(verified.stdout, checkpoint);
  }

  const runtime = await startRuntime(t, counter, ['--data-dir', dataDir]);
  for (let add = 1; add <= 20; add++) assert.equal((await postJson(runtime.url, { add })).status, 200);
  const verified = await runCli(['verify', counter, runtime.url]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /^verified 48 entries/);
});

test('verify names a source it cannot read', async (t) => {
  const echo = await buildFixture('echo');
  const missing = await runCli(['verify', echo, `${tempDir(t)}/nothing-here`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /CHAIN_SOURCE_UNREADABLE: there is no chain at .*nothing-here/);
  const unreachable = await runCli(['verify', echo, 'http://127.0.0.1:9']);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /CHAIN_SOURCE_UNREADABLE: cannot reach http:\/\/127\.0\.0\.1:9/);
});

test('verify, inspect and export name a chain.ndjson that is a directory, with no stack trace', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  mkdirSync(chainFile(dataDir));
  for (const args of [
    ['verify', echo, dataDir],
    ['inspect', dataDir],
    ['export', dataDir],
  ]) {
    const result = await runCli(args);
    assert.equal(result.code, 1, args[0]);
    assert.match(result.stderr, /^actorchain: CHAIN_SOURCE_UNREADABLE: cannot (read|export) .*chain\.ndjson: EISDIR/, args[0]);
    assert.doesNotMatch(result.stderr, /unexpected error|\n\s+at /, args[0]);
  }
});
