import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { forgeAndRelink, makeChain, readLines, tempDir, writeLines } from '../support/chain-file.js';
import { runCli, sha256 } from '../support/runtime.js';

// verify checks a file's hashes and links in one thread while it replays in another: what it
// reports must still be the first problem in chain order, whichever thread finds it first.

test('a divergence before a broken link is reported as the divergence', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  // Line 4 (the state after {"n":1}) altered and re-linked: replay diverges there.
  const lines = forgeAndRelink(readLines(dataDir), 3, { state: { n: 100 } });
  // Line 9 (the message {"n":4}) altered without re-hashing: line 10's link breaks.
  lines[8] = lines[8]!.replace('"n":4', '"n":5');
  writeLines(dataDir, lines);

  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 1);
  assert.match(verified.stderr, new RegExp(`CHAIN_DIVERGED: line 4 \\(hash ${sha256(lines[3]!)}\\): the state differs from the replay`));
});

test('a broken link before a divergence is reported as the broken link', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  // Line 8 (the state after {"n":3}) altered and re-linked: replay would diverge there...
  const lines = forgeAndRelink(readLines(dataDir), 7, { state: { n: 300 } });
  // ...but line 3 (the message {"n":1}) is altered without re-hashing: line 4's link breaks first.
  lines[2] = lines[2]!.replace('"n":1', '"n":2');
  writeLines(dataDir, lines);

  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 1);
  assert.match(verified.stderr, new RegExp(`CHAIN_CORRUPT: line 4 \\(hash ${sha256(lines[3]!)}\\) names parent [0-9a-f]{64}, but line 3 hashes to ${sha256(lines[2]!)}`));
});
