import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { defaultOrigin, Notary, receiptJson } from '../../src/chain/notary.js';
import { openCheckpoint, signCheckpoint } from '../../src/tlog/checkpoint.js';
import { generateIdentity, verifierKey } from '../../src/tlog/keys.js';
import { leafHash, MerkleTree, nodeHash } from '../../src/tlog/merkle.js';
import { verifyInclusion } from '../../src/tlog/proof-check.js';

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
    // The JSON the notary writes by hand for an answer is JSON.stringify's, byte for byte.
    assert.equal(receiptJson(receipt), JSON.stringify(receipt));
    assert.deepEqual(JSON.parse(receiptJson(receipt)), { ...receipt });
  }
});

test('leaf and node hashes are RFC 6962 SHA-256 whichever way the bytes are given', () => {
  for (const text of ['', 'entry', '{"é":"\u2028 ☃ 𝄞"}']) {
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.of(0), Buffer.from(text, 'utf8')]))
      .digest();
    assert.deepEqual(leafHash(text), expected);
    assert.deepEqual(leafHash(Buffer.from(text, 'utf8')), expected);
  }
  // Bytes are hashed from a copy that grows, up to 1 MiB, then through a Hash object: each
  // length around those edges, longer after shorter, and a view into a larger buffer.
  for (const length of [4094, 4095, 4096, 70_000, 3, (1 << 20) - 1, 1 << 20, 5_000_000, 10]) {
    const bytes = Buffer.alloc(length + 2, length % 251);
    bytes[1] = 0x7b;
    bytes[length] = 0x7d;
    const view = bytes.subarray(1, length + 1);
    const expected = createHash('sha256').update(Buffer.of(0)).update(view).digest();
    assert.deepEqual(leafHash(view), expected, `a leaf of ${length} bytes`);
    assert.deepEqual(
      leafHash(view.toString('latin1')),
      createHash('sha256')
        .update(`\0${view.toString('latin1')}`)
        .digest(),
    );
  }
  const [left, right] = [leafHash('a'), leafHash('b')];
  assert.deepEqual(
    nodeHash(left, right),
    createHash('sha256')
      .update(Buffer.concat([Buffer.of(1), left, right]))
      .digest(),
  );
});

test('a checkpoint signed in place is the one signCheckpoint writes, byte for byte, for a smaller size after a larger one too', () => {
  const identity = generateIdentity();
  const tree = new MerkleTree();
  for (let i = 0; i < 12; i++) tree.append(leafHash(`entry ${i}`));
  const origin = defaultOrigin(identity);
  const notary = new Notary(identity, origin, tree);
  for (const size of [10, 12, 5]) {
    assert.equal(notary.checkpoint(size).note, signCheckpoint({ origin, size, rootHash: tree.root(size) }, identity.privateKey));
    assert.equal(openCheckpoint(notary.checkpoint(size).note, verifierKey(origin, identity.publicKeyBytes)).checkpoint.size, size);
  }
});

test('the receipts asked for in one turn share one checkpoint of the size at its end', async () => {
  const identity = generateIdentity();
  const tree = new MerkleTree();
  for (let i = 0; i < 8; i++) tree.append(leafHash(`entry ${i}`));
  const origin = defaultOrigin(identity);
  const notary = new Notary(identity, origin, tree);
  let size = 6;
  const asked = [1, 3, 5].map((index) => notary.receiptAtEndOfTurn(index, `hash ${index}`, () => size));
  size = 8; // grown before the turn ends: the receipts are made in the tree of 8
  const receipts = await Promise.all(asked);
  assert.deepEqual(
    receipts.map((receipt) => [receipt.index, receipt.hash]),
    [
      [1, 'hash 1'],
      [3, 'hash 3'],
      [5, 'hash 5'],
    ],
  );
  assert.equal(new Set(receipts.map((receipt) => receipt.checkpoint)).size, 1);
  assert.equal(receipts[0]!.checkpoint, signCheckpoint({ origin, size: 8, rootHash: tree.root(8) }, identity.privateKey));
  for (const receipt of receipts) {
    const path = receipt.proof.map((node) => Buffer.from(node, 'base64'));
    assert.ok(verifyInclusion(tree.leaf(receipt.index), receipt.index, 8, path, tree.root(8)));
  }
  // The next turn's receipts, in a tree that did not grow, carry the same checkpoint.
  assert.equal((await notary.receiptAtEndOfTurn(7, 'hash 7', () => 8)).checkpoint, receipts[0]!.checkpoint);
});
