import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultOrigin, Notary } from '../src/chain/notary.js';
import { openCheckpoint, signCheckpoint } from '../src/tlog/checkpoint.js';
import { generateIdentity, verifierKey } from '../src/tlog/keys.js';
import { leafHash, MerkleTree, verifyInclusion } from '../src/tlog/merkle.js';

test("the notary's fast signed checkpoint is byte for byte signCheckpoint's, and its receipts prove inclusion", () => {
  const identity = generateIdentity();
  const tree = new MerkleTree();
  for (let i = 0; i < 37; i++) tree.append(leafHash(Buffer.from(`entry ${i}`)));
  const origin = defaultOrigin(identity);
  assert.match(origin, /^actorchain\/[0-9a-f]{16}$/);
  const notary = new Notary(identity, origin, tree);
  for (const size of [1, 2, 20, 37]) {
    const { note, root } = notary.checkpoint(size);
    assert.equal(note, signCheckpoint({ origin, size, rootHash: tree.root(size) }, identity.privateKey));
    assert.equal(openCheckpoint(note, verifierKey(origin, identity.publicKeyBytes)).checkpoint.size, size);
    const receipt = notary.receipt(size - 1, 'unused', size);
    const proof = receipt.proof.map((node) => Buffer.from(node, 'base64'));
    assert.ok(verifyInclusion(tree.leaf(size - 1), size - 1, size, proof, root));
  }
});
