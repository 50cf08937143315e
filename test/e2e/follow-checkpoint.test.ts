/**
 * verify --follow and mirror check every checkpoint the primary signs against the tree of what
 * they replayed: a primary that signs a root its chain does not have (the operator holds the
 * key, so the signature itself is sound) is caught with CHAIN_EQUIVOCATED.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { signCheckpoint } from '../../src/tlog/checkpoint.js';
import { loadIdentity } from '../../src/tlog/keys.js';
import { leafHash, MerkleTree } from '../../src/tlog/merkle.js';
import { makeChain, readLines, tempDir } from '../support/chain-file.js';
import { FakePrimary } from '../support/fake-primary.js';
import { spawnCli } from '../support/runtime.js';

test("a signed checkpoint whose root is not the chain's stops verify --follow and mirror with CHAIN_EQUIVOCATED", async (t) => {
  const echo = await buildFixture('echo');
  const dir = tempDir(t);
  await makeChain(t, echo, dir, [{ pay: 1 }, { pay: 2 }]);
  const lines = readLines(dir);
  const origin = (JSON.parse(lines[0]!) as { data: { key: string } }).data.key.split('+')[0]!;
  const identity = loadIdentity(path.join(dir, 'identity.key'));
  const tree = new MerkleTree();
  for (const line of lines) tree.append(leafHash(Buffer.from(line)));

  // Honest first: the follower checks the checkpoint and says so.
  const primary = await FakePrimary.start(t, lines);
  primary.checkpoint = signCheckpoint({ origin, size: lines.length, rootHash: tree.root() }, identity.privateKey);
  const honest = spawnCli(t, ['verify', echo, primary.url, '--follow']);
  await honest.waitForStdout(/checkpoint of 6 entries: signature and root checked/);
  honest.child.kill('SIGTERM');
  assert.equal(await honest.exited, 0);

  // Then the same key signs another root for the same size.
  const liar = await FakePrimary.start(t, lines);
  liar.checkpoint = signCheckpoint({ origin, size: 4, rootHash: tree.root(3) }, identity.privateKey);
  const follower = spawnCli(t, ['verify', echo, liar.url, '--follow']);
  const mirror = spawnCli(t, ['mirror', echo, liar.url, '--listen', '127.0.0.1:0', '--data-dir', tempDir(t)]);
  const [followerCode, mirrorCode] = await Promise.all([follower.exited, mirror.exited]);
  assert.equal(followerCode, 1);
  assert.match(follower.stderr(), /CHAIN_EQUIVOCATED: .*signed a checkpoint of 4 entries whose root is not the root/);
  assert.equal(mirrorCode, 1);
  assert.match(mirror.stdout() + mirror.stderr(), /CHAIN_EQUIVOCATED/);
});
