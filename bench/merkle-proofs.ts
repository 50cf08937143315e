/**
 * What does the RFC 6962 tree (src/tlog/merkle.ts) cost for a long chain? For N leaves (default
 * 1,000,000): appending every leaf hash, against the baseline of computing the leaf hashes alone,
 * and the slowest batch of appends (no append may wait on a copy of the tree);
 * then inclusion and consistency proofs (and roots) at random indices and sizes, median, p99 and
 * max; then receipts' proofs (a group's leaves at the end of each size, in base64) against the
 * same proofs as Buffers; then writing the stored form and reloading it, trusted and checked.
 *
 *   node dist/bench/merkle-proofs.js [leaves] [proofs]
 */
import { performance } from 'node:perf_hooks';
import { leafHash, MerkleTree } from '../src/tlog/merkle.js';

const leaves = Number(process.argv[2] ?? 1_000_000);
const proofs = Number(process.argv[3] ?? 2000);

const entry = Buffer.alloc(200, 'e');
let start = performance.now();
// The leaf hashes in one buffer: a million separate Buffers would measure the garbage collector.
const hashes = Buffer.allocUnsafe(leaves * 32);
for (let i = 0; i < leaves; i++) {
  entry.writeUInt32BE(i, 0);
  leafHash(entry).copy(hashes, i * 32);
}
const hashingMs = performance.now() - start;

start = performance.now();
const tree = new MerkleTree();
// Timed in batches of 1,024 appends: an append that waits (a buffer grown by copying what it
// holds) shows as a slow batch, at no clock read per append.
const BATCH = 1024;
let slowestBatchMs = 0;
let slowestBatchEnd = 0;
for (let from = 0; from < leaves; from += BATCH) {
  const batchStart = performance.now();
  for (let i = from; i < Math.min(leaves, from + BATCH); i++) tree.append(hashes.subarray(i * 32, i * 32 + 32));
  const batchMs = performance.now() - batchStart;
  if (batchMs > slowestBatchMs) [slowestBatchMs, slowestBatchEnd] = [batchMs, Math.min(leaves, from + BATCH)];
}
const appendMs = performance.now() - start;
console.log(
  `append: ${leaves} leaves in ${appendMs.toFixed(0)} ms (${((appendMs * 1000) / leaves).toFixed(2)} us a leaf); ` +
    `leaf hashing alone ${hashingMs.toFixed(0)} ms; ratio ${(appendMs / hashingMs).toFixed(2)}; ` +
    `slowest ${BATCH} appends ${slowestBatchMs.toFixed(1)} ms (up to leaf ${slowestBatchEnd}; a batch takes ${((appendMs / leaves) * BATCH).toFixed(1)} ms on average)`,
);

let seed = 42;
const random = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return Math.floor((seed / 2 ** 31) * n);
};
function measure(name: string, fn: () => unknown): { median: string; p99: string } {
  const times: number[] = [];
  for (let i = 0; i < proofs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3);
  console.log(`${name}: median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms over ${proofs}`);
  return { median: at(0.5), p99: at(0.99) };
}
const inclusion = measure('inclusion proof (random index, random size)', () => {
  const size = 1 + random(leaves);
  tree.inclusionProof(random(size), size);
});
measure('inclusion proof (random index, full size)', () => tree.inclusionProof(random(leaves), leaves));
const consistency = measure('consistency proof (random old size, random size)', () => {
  const size = 1 + random(leaves);
  tree.consistencyProof(1 + random(size), size);
});
measure('root (random size)', () => tree.root(1 + random(leaves)));

// Receipts' proofs as the notary asks for them: a group's eight consecutive leaves at the end of
// the tree of each size, in base64 (inclusionProofBase64), against the same proofs as Buffers.
const groups = Math.min(proofs * 10, leaves - 8);
function groupProofs(base64: boolean): number {
  const t = performance.now();
  for (let g = 0; g < groups; g++) {
    const size = leaves - groups + g + 1;
    for (let k = 1; k <= 8; k++) {
      if (base64) tree.inclusionProofBase64(size - k, size);
      else tree.inclusionProof(size - k, size);
    }
  }
  return ((performance.now() - t) * 1000) / (groups * 8);
}
groupProofs(true);
const asBase64 = groupProofs(true);
const asBuffers = groupProofs(false);
console.log(
  `receipt proofs (groups of 8 at the end of each size, ${groups} sizes): ${asBase64.toFixed(2)} us a proof in base64, ` +
    `${asBuffers.toFixed(2)} us as Buffers; ratio ${(asBase64 / asBuffers).toFixed(2)}`,
);

start = performance.now();
const stored = tree.storedHashes();
const storeMs = performance.now() - start;
start = performance.now();
const reloaded = MerkleTree.fromStoredHashes(stored);
const loadMs = performance.now() - start;
start = performance.now();
MerkleTree.fromStoredHashes(stored, { check: true });
const checkMs = performance.now() - start;
if (!reloaded.root().equals(tree.root())) throw new Error('the reloaded tree has another root');
console.log(
  `stored form: ${(stored.length / 2 ** 20).toFixed(1)} MiB written in ${storeMs.toFixed(0)} ms; ` +
    `reloaded in ${loadMs.toFixed(0)} ms trusted, ${checkMs.toFixed(0)} ms checking every parent`,
);
console.log(
  `= merkle, ${leaves} leaves: inclusion proof median ${inclusion.median} ms (p99 ${inclusion.p99}), consistency ${consistency.median} ms (p99 ${consistency.p99}); goal < 10 ms. ` +
    `Append ${(appendMs / hashingMs).toFixed(2)}x leaf hashing; tree.hashes reloaded in ${loadMs.toFixed(0)} ms`,
);
