import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ActorchainError } from '../../src/errors.js';
import { CHUNK_BYTES } from '../../src/tlog/merkle-chunks.js';
import { EMPTY_ROOT, leafHash, MerkleTree, nodeHash, storedHashesLength } from '../../src/tlog/merkle.js';
import { verifyConsistency, verifyInclusion } from '../../src/tlog/proof-check.js';

// RFC 6962 as written (section 2.1), recursively over the list of leaf hashes: the reference the
// tree's stored-subtree arithmetic is held to.
const sha256 = (...parts: Uint8Array[]): Buffer => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function mth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return sha256(Uint8Array.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function path(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
function subproof(m: number, leaves: readonly Buffer[], complete: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [mth(leaves)];
  const k = split(n);
  return m <= k ? [...subproof(m, leaves.slice(0, k), complete), mth(leaves.slice(k))] : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}
const hex = (list: readonly Uint8Array[]): string[] => list.map((b) => Buffer.from(b).toString('hex'));
const flipped = (b: Uint8Array, byte: number): Buffer => {
  const copy = Buffer.from(b);
  copy[byte % copy.length]! ^= 0x01;
  return copy;
};

const MAX = 70;
const leaves = Array.from({ length: MAX }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
const tree = new MerkleTree();
const rootsWhileGrowing: Buffer[] = [];
for (const leaf of leaves) {
  tree.append(leaf);
  rootsWhileGrowing.push(tree.root());
}

test('the Certificate Transparency vectors (transparency-dev/merkle testonly): roots of sizes 0 to 8 and two audit paths', () => {
  const entries = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
  const roots = [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];
  const ct = new MerkleTree();
  for (const entry of entries) ct.append(leafHash(Buffer.from(entry, 'hex')));
  for (let size = 0; size <= 8; size++) assert.equal(ct.root(size).toString('hex'), roots[size], `root of size ${size}`);
  assert.equal(EMPTY_ROOT.toString('hex'), roots[0]);
  assert.deepEqual(hex(ct.inclusionProof(0, 8)), [
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ]);
  assert.deepEqual(hex(ct.inclusionProof(5, 8)), [
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ]);
});

test('roots of every size 0 to 70, asked while growing and afterwards, are RFC 6962 MTH', () => {
  for (let size = 0; size <= MAX; size++) {
    const expected = mth(leaves.slice(0, size));
    assert.ok(tree.root(size).equals(expected), `root(${size})`);
    if (size > 0) assert.ok(rootsWhileGrowing[size - 1]!.equals(expected), `root when the tree had ${size} leaves`);
  }
  assert.ok(leafHash(Buffer.from('x')).equals(sha256(Uint8Array.of(0), Buffer.from('x'))));
  assert.ok(nodeHash(leaves[0]!, leaves[1]!).equals(sha256(Uint8Array.of(1), leaves[0]!, leaves[1]!)));
});

test('every inclusion proof of every leaf in every size 1 to 70 is the RFC 6962 PATH and verifies; altered ones do not', () => {
  for (let size = 1; size <= MAX; size++) {
    const root = tree.root(size);
    for (let index = 0; index < size; index++) {
      const proof = tree.inclusionProof(index, size);
      assert.deepEqual(hex(proof), hex(path(index, leaves.slice(0, size))), `PATH(${index}, D[${size}])`);
      assert.ok(verifyInclusion(leaves[index]!, index, size, proof, root), `leaf ${index} of ${size}`);
      proof.forEach((_, i) => {
        const bad = proof.map((p, j) => (j === i ? flipped(p, index + size) : p));
        assert.ok(!verifyInclusion(leaves[index]!, index, size, bad, root), `leaf ${index} of ${size} with proof[${i}] altered`);
      });
      assert.ok(!verifyInclusion(flipped(leaves[index]!, size), index, size, proof, root));
      assert.ok(!verifyInclusion(leaves[index]!, index, size, proof, flipped(root, index)));
      assert.ok(!verifyInclusion(leaves[index]!, index, size, [...proof, root], root), 'a hash too many');
      if (proof.length > 0) assert.ok(!verifyInclusion(leaves[index]!, index, size, proof.slice(1), root), 'a hash too few');
      if (index + 1 < size) assert.ok(!verifyInclusion(leaves[index]!, index + 1, size, proof, root), 'another index');
      if (size < MAX) assert.ok(!verifyInclusion(leaves[index]!, index, size + 1, proof, tree.root(size + 1)), 'another size');
    }
    assert.ok(!verifyInclusion(leaves[0]!, size, size, [], root), 'an index past the tree');
  }
});

test('the base64 proofs receipts carry are the audit paths, asked in receipt order and in any order, while the tree grows past its kept strings', () => {
  const growing = new MerkleTree();
  const reference = new MerkleTree();
  for (let n = 0; n < 5000; n++) {
    const leaf = leafHash(`entry ${n}`);
    growing.append(leaf);
    reference.append(leaf);
    // A group's receipts (the last few leaves in the tree of the current size), then an old leaf.
    for (let index = Math.max(0, n - 3); index <= n; index++) {
      assert.deepEqual(
        growing.inclusionProofBase64(index, n + 1),
        reference.inclusionProof(index, n + 1).map((h) => h.toString('base64')),
        `leaf ${index} of ${n + 1}`,
      );
    }
    const old = (n * 7919) % (n + 1);
    const smaller = old + 1 + ((n * 31) % (n + 1 - old));
    assert.deepEqual(
      growing.inclusionProofBase64(old, smaller),
      reference.inclusionProof(old, smaller).map((h) => h.toString('base64')),
      `leaf ${old} of ${smaller}`,
    );
  }
});

test('every consistency proof between sizes 1 to 70 is the RFC 6962 PROOF and verifies; altered ones do not', () => {
  for (let size = 1; size <= MAX; size++) {
    const root = tree.root(size);
    for (let old = 1; old <= size; old++) {
      const oldRoot = tree.root(old);
      const proof = tree.consistencyProof(old, size);
      assert.deepEqual(hex(proof), hex(subproof(old, leaves.slice(0, size), true)), `PROOF(${old}, D[${size}])`);
      assert.ok(verifyConsistency(old, size, oldRoot, root, proof), `${old} to ${size}`);
      proof.forEach((_, i) => {
        const bad = proof.map((p, j) => (j === i ? flipped(p, old + size) : p));
        assert.ok(!verifyConsistency(old, size, oldRoot, root, bad), `${old} to ${size} with proof[${i}] altered`);
      });
      assert.ok(!verifyConsistency(old, size, flipped(oldRoot, size), root, proof), `${old} to ${size}, another old root`);
      if (old < size) {
        assert.ok(!verifyConsistency(old, size, oldRoot, flipped(root, old), proof), `${old} to ${size}, another root`);
        assert.ok(!verifyConsistency(old, size, oldRoot, root, [...proof, root]), 'a hash too many');
        assert.ok(!verifyConsistency(old, size, oldRoot, root, proof.slice(1)), 'a hash too few');
        assert.ok(!verifyConsistency(old + 1, size, tree.root(old + 1), root, proof) || proof.length === 0, 'another old size');
      }
    }
  }
});

test('the empty tree is a prefix of every tree; sizes out of range are PROOF_OUT_OF_RANGE', () => {
  assert.deepEqual(tree.consistencyProof(0, 5), []);
  assert.ok(verifyConsistency(0, 5, EMPTY_ROOT, tree.root(5), []));
  assert.ok(!verifyConsistency(0, 5, tree.root(1), tree.root(5), []));
  const outOfRange = (fn: () => unknown) =>
    assert.throws(fn, (error: unknown) => error instanceof ActorchainError && error.code === 'PROOF_OUT_OF_RANGE' && error.status === 400);
  outOfRange(() => tree.inclusionProof(5, 5));
  outOfRange(() => tree.inclusionProof(0, MAX + 1));
  outOfRange(() => tree.inclusionProof(-1, 3));
  outOfRange(() => tree.inclusionProof(0.5, 3));
  outOfRange(() => tree.consistencyProof(6, 5));
  outOfRange(() => tree.consistencyProof(1, MAX + 1));
  outOfRange(() => tree.root(MAX + 1));
  outOfRange(() => tree.leaf(MAX));
});

test('the stored form is append-only: pieces concatenate to the whole, reload gives the same tree, a torn tail is dropped', () => {
  const whole = tree.storedHashes();
  assert.equal(whole.length, storedHashesLength(MAX));
  const pieces = Buffer.concat([tree.storedHashes(0, 1), tree.storedHashes(1, 17), tree.storedHashes(17, 64), tree.storedHashes(64)]);
  assert.ok(pieces.equals(whole));
  const reloaded = MerkleTree.fromStoredHashes(whole, { check: true });
  assert.equal(reloaded.size, MAX);
  for (let size = 0; size <= MAX; size++) assert.ok(reloaded.root(size).equals(tree.root(size)));
  assert.deepEqual(hex(reloaded.inclusionProof(37, 61)), hex(tree.inclusionProof(37, 61)));
  for (let size = 0; size <= MAX; size++) {
    const length = storedHashesLength(size);
    for (const cut of [length, length + 1, length + 31, length + 32]) {
      if (cut > whole.length || (cut >= storedHashesLength(size + 1) && size < MAX)) continue;
      assert.equal(MerkleTree.fromStoredHashes(whole.subarray(0, cut)).size, size, `${cut} bytes hold ${size} leaves`);
    }
  }
  // Appending to a reloaded tree continues the same tree.
  const continued = MerkleTree.fromStoredHashes(tree.storedHashes(0, 45));
  for (const leaf of leaves.slice(45)) continued.append(leaf);
  assert.ok(continued.root().equals(tree.root()));
  assert.ok(continued.storedHashes().equals(whole));
  // A wrong parent hash is found when checked.
  const corrupt = Buffer.from(whole);
  corrupt[storedHashesLength(3) + 32 + 5]! ^= 1; // leaf 3's first parent
  assert.throws(
    () => MerkleTree.fromStoredHashes(corrupt, { check: true }),
    (e: unknown) => (e as ActorchainError).code === 'CHAIN_CORRUPT',
  );
});

test('property: random trees up to 3000 leaves agree with the reference at random sizes and indices', () => {
  let seed = 12345;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const many = Array.from({ length: 3000 }, (_, i) => leafHash(Buffer.from(`leaf ${i * 7919}`)));
  const big = new MerkleTree();
  for (const leaf of many) big.append(leaf);
  for (let round = 0; round < 60; round++) {
    const size = 1 + random(many.length);
    const index = random(size);
    const old = 1 + random(size);
    const root = big.root(size);
    assert.ok(root.equals(mth(many.slice(0, size))), `root(${size})`);
    const inclusion = big.inclusionProof(index, size);
    assert.deepEqual(hex(inclusion), hex(path(index, many.slice(0, size))));
    assert.ok(verifyInclusion(many[index]!, index, size, inclusion, root));
    const consistency = big.consistencyProof(old, size);
    assert.deepEqual(hex(consistency), hex(subproof(old, many.slice(0, size), true)));
    assert.ok(verifyConsistency(old, size, big.root(old), root, consistency));
  }
});

test('a tree past its first chunks of hashes (40,000 leaves, 3 chunks): roots, proofs and the stored form agree with the reference across chunk ends', () => {
  const many = Array.from({ length: 40_000 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  const big = new MerkleTree();
  for (const leaf of many) big.append(leaf);
  // Sizes whose stored hashes end at or around a chunk's end (32,768 hashes), and one past the second.
  for (const size of [16_386, 16_387, 32_770, 40_000]) {
    const root = big.root(size);
    assert.ok(root.equals(mth(many.slice(0, size))), `root(${size})`);
    assert.deepEqual(hex(big.inclusionProof(size - 1, size)), hex(path(size - 1, many.slice(0, size))), `inclusion of the last leaf in ${size}`);
    for (const index of [0, 16_383, 16_384, size >> 1, size - 1]) {
      const inclusion = big.inclusionProof(index, size);
      assert.ok(verifyInclusion(many[index]!, index, size, inclusion, root), `inclusion ${index} in ${size}`);
      assert.deepEqual(
        big.inclusionProofBase64(index, size),
        inclusion.map((h) => h.toString('base64')),
      );
    }
    const consistency = big.consistencyProof(1_000, size);
    assert.ok(verifyConsistency(1_000, size, big.root(1_000), root, consistency));
  }
  const whole = big.storedHashes();
  assert.equal(whole.length, storedHashesLength(many.length));
  assert.ok(Buffer.concat([big.storedHashes(0, 16_000), big.storedHashes(16_000, 16_390), big.storedHashes(16_390, 33_000), big.storedHashes(33_000)]).equals(whole));
  const reloaded = MerkleTree.fromStoredHashes(whole, { check: true });
  assert.ok(reloaded.root().equals(big.root()));
  const continued = MerkleTree.fromStoredHashes(big.storedHashes(0, 20_000));
  for (const leaf of many.slice(20_000)) continued.append(leaf);
  assert.ok(continued.storedHashes().equals(whole));
  // Loaded in pieces of a chunk each (as a start reads tree.hashes), kept without a copy: the
  // same tree, which goes on growing past the short last piece into chunks of its own.
  for (const leaves of [16_390, 20_000, 32_768]) {
    const stored = big.storedHashes(0, leaves);
    const pieces = [];
    for (let at = 0; at < stored.length; at += CHUNK_BYTES) pieces.push(Buffer.from(stored.subarray(at, at + CHUNK_BYTES)));
    const adopted = MerkleTree.fromStoredHashes([...pieces, Buffer.alloc(0)], { check: true });
    assert.equal(adopted.size, leaves);
    assert.ok(adopted.root().equals(big.root(leaves)), `root of ${leaves} leaves loaded in ${pieces.length} pieces`);
    for (const leaf of many.slice(leaves)) adopted.append(leaf);
    assert.ok(adopted.storedHashes().equals(whole), `appends after ${leaves} leaves loaded in pieces`);
    assert.deepEqual(hex(adopted.inclusionProof(leaves - 1, many.length)), hex(big.inclusionProof(leaves - 1, many.length)));
  }
  assert.throws(() => MerkleTree.fromStoredHashes([Buffer.alloc(64), Buffer.alloc(CHUNK_BYTES)]), RangeError, 'a piece that is not a whole chunk, before the last');
});
