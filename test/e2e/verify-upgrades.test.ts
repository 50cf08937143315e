/**
 * verify across upgrades: the replay switches to the component each upgrade names (found by
 * hash among --component files, in the data dir's components/, or given first), replays its
 * migration, and names the component in use at a divergence.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { BUILD_TIMEOUT_MS } from '../support/build.js';
import { chainFile, forgeAndRelink, readLines, tempDir, writeLines } from '../support/chain-file.js';
import { runCli, sha256 } from '../support/runtime.js';
import { buildUpgradeComponents, makeUpgradedChain, type UpgradeComponents } from '../support/upgraded-chain.js';

let c: UpgradeComponents;
before(
  async () => {
    c = await buildUpgradeComponents();
  },
  { timeout: BUILD_TIMEOUT_MS * 2 },
);

const hashOf = (file: string) => sha256(readFileSync(file));

test('a chain upgraded twice verifies with no component argument, with the genesis component given, and from a bare chain file with --component', async (t) => {
  const dataDir = tempDir(t);
  await makeUpgradedChain(t, c, dataDir);

  const bare = await runCli(['verify', dataDir]);
  assert.equal(bare.code, 0, bare.stderr);
  assert.match(bare.stdout, /^verified 14 entries, head [0-9a-f]{64}/);

  const given = await runCli(['verify', c.counter, dataDir]);
  assert.equal(given.code, 0, given.stderr);
  assert.match(given.stdout, /^verified 14 entries/);

  // The chain file alone, away from its components: each must be given, and is matched by hash.
  const elsewhere = tempDir(t);
  mkdirSync(elsewhere, { recursive: true });
  const file = path.join(elsewhere, 'copy.ndjson');
  copyFileSync(chainFile(dataDir), file);
  const missing = await runCli(['verify', c.counter, file]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`COMPONENT_NOT_FOUND: line 7 \\(hash [0-9a-f]{64}\\) names the component ${hashOf(c.v2)}, .*--component <file>`));
  const explicit = await runCli(['verify', file, '--component', c.v3, '--component', c.counter, '--component', c.v2]);
  assert.equal(explicit.code, 0, explicit.stderr);

  // The component the chain now runs, given first: the genesis must name that one, and the message says how to give later ones.
  const later = await runCli(['verify', c.v3, dataDir]);
  assert.equal(later.code, 1);
  assert.match(
    later.stderr,
    new RegExp(
      `^actorchain: CHAIN_COMPONENT_MISMATCH: line 1 \\(hash [0-9a-f]{64}\\): the genesis names the component ${hashOf(c.counter)}, not the one given \\(hash ${hashOf(c.v3)}\\); ` +
        `a component given as an argument must be the one the chain started with .*--component <file> \\(repeatable\\), or give no component at all`,
    ),
  );
  assert.doesNotMatch(later.stderr, /actorchain upgrade/);
});

test('a component kept in the data dir whose bytes are not what its name says is not run', async (t) => {
  const dataDir = tempDir(t);
  await makeUpgradedChain(t, c, dataDir);
  copyFileSync(c.v3, path.join(dataDir, 'components', `${hashOf(c.v2)}.wasm`));
  const verified = await runCli(['verify', dataDir]);
  assert.equal(verified.code, 1);
  assert.match(verified.stderr, new RegExp(`COMPONENT_HASH_MISMATCH: line 7 .* names the component ${hashOf(c.v2)}, but the bytes from .* hash to ${hashOf(c.v3)}`));
});

test('a forged state after an upgrade is CHAIN_DIVERGED naming the component in use', async (t) => {
  const dataDir = tempDir(t);
  await makeUpgradedChain(t, c, dataDir);
  const lines = readLines(dataDir);
  // Line 8: the state v2's migrate made of {"count": 5}; the journal is kept, the state changed.
  const taken = JSON.parse(lines[7]!).data;
  const forged = forgeAndRelink(lines, 7, { ...taken, state: { total: 500 } });
  writeLines(dataDir, forged);

  const verified = await runCli(['verify', dataDir]);
  assert.equal(verified.code, 1);
  assert.match(
    verified.stderr,
    new RegExp(
      `CHAIN_DIVERGED: line 8 \\(hash ${sha256(forged[7]!)}\\): the state differs from the replay: expected \\{"total":5\\} \\(what migrate returns\\), ` +
        `found \\{"total":500\\} \\(what the chain records\\) \\(replayed with the component ${hashOf(c.v2)}\\)`,
    ),
  );

  // Line 12: the state carried over to v3, which has no migrate: no "what migrate returns".
  const carried = forgeAndRelink(lines, 11, { ...JSON.parse(lines[11]!).data, state: { total: 99 } });
  writeLines(dataDir, carried);
  const carriedOver = await runCli(['verify', dataDir]);
  assert.equal(carriedOver.code, 1);
  assert.match(
    carriedOver.stderr,
    new RegExp(
      `CHAIN_DIVERGED: line 12 \\(hash ${sha256(carried[11]!)}\\): the state differs from the replay: expected \\{"total":10\\} \\(the state carried over\\), ` +
        `found \\{"total":99\\} \\(what the chain records\\) \\(replayed with the component ${hashOf(c.v3)}\\)`,
    ),
  );

  // A message forged after the second upgrade names the third component.
  const late = forgeAndRelink(readLines(dataDir).slice(0, 7).concat(lines.slice(7)), 13, { state: { total: 1 } });
  writeLines(dataDir, late);
  const again = await runCli(['verify', dataDir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, new RegExp(`CHAIN_DIVERGED: line 14 .*\\(replayed with the component ${hashOf(c.v3)}\\)`));
});
