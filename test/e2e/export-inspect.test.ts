import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { chainFile, makeChain, tempDir } from '../support/chain-file.js';
import { runCli, sha256, startRuntime } from '../support/runtime.js';

test('export writes the chain.ndjson bytes, each line hashing to its entry', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, echo, dataDir, [{ text: 'héllo ✓' }, { n: [1, 2.5, -0] }]);
  const exported = await runCli(['export', dataDir]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stdout, readFileSync(chainFile(dataDir), 'utf8'));
  const lines = exported.stdout.trimEnd().split('\n');
  lines.slice(1).forEach((line, i) => assert.equal(JSON.parse(line).parent, sha256(lines[i]!), `line ${i + 2} links to line ${i + 1}`));
});

test('inspect prints head, length, component hash and state, the same for a data dir and its running runtime', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  await makeChain(t, echo, dataDir, [{ n: 1 }, { n: 2 }]);
  const lines = readFileSync(chainFile(dataDir), 'utf8').trimEnd().split('\n');
  const hash = sha256(readFileSync(echo));
  const expected = { head: sha256(lines.at(-1)!), length: 6, 'component-hash': hash, 'genesis-component-hash': hash, state: { n: 2 }, 'pending-sends': 0 };

  const fromDir = await runCli(['inspect', dataDir]);
  assert.equal(fromDir.code, 0, fromDir.stderr);
  // The upgrades are listed from a data dir or file (none here), not from a runtime.
  assert.deepEqual(JSON.parse(fromDir.stdout), { ...expected, upgrades: [] });

  const runtime = await startRuntime(t, echo, ['--data-dir', dataDir]);
  const fromUrl = await runCli(['inspect', runtime.url]);
  assert.equal(fromUrl.code, 0, fromUrl.stderr);
  assert.deepEqual(JSON.parse(fromUrl.stdout), expected);
});

test('export of a URL says that export reads a data dir or a file', async () => {
  const result = await runCli(['export', 'http://127.0.0.1:8080']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^actorchain: CHAIN_SOURCE_UNREADABLE: export reads a data dir or a chain \.ndjson file, not a URL \(http:\/\/127\.0\.0\.1:8080\)/);
});
