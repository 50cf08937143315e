import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { chainFile, makeChain, readLines, tempDir, writeLines } from '../support/chain-file.js';
import { runCli, sha256 } from '../support/runtime.js';

test('a forged entry (changed without re-hashing) is refused by run and caught by verify, naming the line and hash', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ pay: 1 }, { pay: 2 }, { pay: 3 }]);
  const lines = readLines(dataDir);
  // Line 5 is the message {"pay":2}; the forger makes it pay more. Line 6 still names the old hash.
  lines[4] = lines[4]!.replace('"pay":2', '"pay":2000');
  writeLines(dataDir, lines);
  const forged = readFileSync(chainFile(dataDir));
  const expected = new RegExp(`CHAIN_CORRUPT: line 6 \\(hash ${sha256(lines[5]!)}\\) names parent [0-9a-f]{64}, but line 5 hashes to ${sha256(lines[4]!)}`);

  const run = await runCli(['run', component, '--listen', '127.0.0.1:0', '--data-dir', dataDir]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, expected);
  assert.deepEqual(readFileSync(chainFile(dataDir)), forged, 'the refused chain is left as it was');

  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 1);
  assert.match(verified.stderr, expected);
});

test('an entry that is not canonical JSON is refused: its text is not what was hashed', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ a: 1, b: 2 }]);
  const lines = readLines(dataDir);
  lines[2] = lines[2]!.replace('{"a":1,"b":2}', '{"b":2,"a":1}');
  writeLines(dataDir, lines);

  const verified = await runCli(['verify', component, chainFile(dataDir)]);
  assert.equal(verified.code, 1);
  assert.match(verified.stderr, /CHAIN_CORRUPT: line 3 \(hash [0-9a-f]{64}\) is not in canonical JSON form/);
});
