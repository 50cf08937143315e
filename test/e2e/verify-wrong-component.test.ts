import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { chainFile, makeChain, tempDir } from '../support/chain-file.js';
import { runCli, sha256 } from '../support/runtime.js';

test('a chain is refused by another component: verify fails and run will not append to it', async (t) => {
  const [echo, other] = await Promise.all([buildFixture('echo'), buildFixture('echo-bytes')]);
  const dataDir = tempDir(t);
  await makeChain(t, echo, dataDir, [{ n: 1 }]);
  const before = readFileSync(chainFile(dataDir));
  const [echoHash, otherHash] = [sha256(readFileSync(echo)), sha256(readFileSync(other))];

  const verified = await runCli(['verify', other, dataDir]);
  assert.equal(verified.code, 1);
  assert.match(
    verified.stderr,
    new RegExp(`CHAIN_COMPONENT_MISMATCH: line 1 [^:]*: the genesis names the component ${echoHash}, not the one given \\(hash ${otherHash}\\); .*--component <file>`),
  );

  const run = await runCli(['run', other, '--listen', '127.0.0.1:0', '--data-dir', dataDir]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    new RegExp(`CHAIN_COMPONENT_MISMATCH: line 1 [^:]*: this chain runs the component with hash ${echoHash}, not the one given \\(hash ${otherHash}\\); `),
  );
  // The way forward names the data dir and the component given, as typed.
  assert.ok(run.stderr.includes(`\`actorchain upgrade ${dataDir} ${other}\``), run.stderr);
  assert.deepEqual(readFileSync(chainFile(dataDir)), before, 'no new chain was started over the data');
});
