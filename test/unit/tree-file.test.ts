import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TREE_FILE, TreeFile } from '../../src/chain/tree-file.js';
import { leafHash, MerkleTree } from '../../src/tlog/merkle.js';

// Past two chunks of stored hashes (2n - popcount(n) of them, 32,768 a chunk), and past the
// 20,000 leaves after which a start writes tree.hashes and its head.
const ENTRIES = Array.from({ length: 40_000 }, (_, i) => `{"data":{"n":${i}},"parent":"${String(i).padStart(64, '0')}"}`);
const reference = new MerkleTree();
for (const text of ENTRIES) reference.append(leafHash(text));

async function open(dir: string, length = ENTRIES.length, entries = ENTRIES): Promise<{ tree: MerkleTree; warnings: string[] }> {
  const warnings: string[] = [];
  const readEntries = (from: number, to: number) => Promise.resolve(entries.slice(from, to));
  const file = await TreeFile.open(dir, length, readEntries, (message) => warnings.push(message));
  const tree = file.tree;
  await file.close();
  return { tree, warnings };
}

test('tree.hashes: read back in chunks when its head vouches for it; damaged, cut short or for another chain, rebuilt from the chain', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'actorchain-tree-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, TREE_FILE);

  const built = await open(dir);
  assert.deepEqual(built.warnings, []);
  assert.ok(built.tree.root().equals(reference.root()));
  const stored = readFileSync(file);
  assert.ok(stored.equals(reference.storedHashes()), 'the file holds the stored form');

  const trusted = await open(dir);
  assert.deepEqual(trusted.warnings, [], 'a clean reopen trusts the file');
  assert.ok(trusted.tree.root().equals(reference.root()));
  assert.deepEqual(trusted.tree.inclusionProof(33_000, 40_000), reference.inclusionProof(33_000, 40_000));
  trusted.tree.append(leafHash('one more'));
  const longer = new MerkleTree();
  for (const text of [...ENTRIES, 'one more']) longer.append(leafHash(text));
  assert.ok(trusted.tree.root().equals(longer.root()), 'a tree read in chunks goes on growing');

  const damaged = Buffer.from(stored);
  damaged[50_000] ^= 1;
  writeFileSync(file, damaged);
  const rebuilt = await open(dir);
  assert.match(rebuilt.warnings.join('\n'), /does not match chain\.ndjson: rebuilding it from the chain/);
  assert.ok(rebuilt.tree.root().equals(reference.root()));
  assert.ok(readFileSync(file).equals(stored), 'and the file is written again');

  truncateSync(file, 1_000_000);
  const cut = await open(dir);
  assert.match(cut.warnings.join('\n'), /has no usable tree\.head: rebuilding it from the chain/);
  assert.ok(cut.tree.root().equals(reference.root()));

  // A chain shorter than the head says (the file is not trusted), then another chain of that
  // length (the head's digest holds, its last leaf does not).
  const shorter = await open(dir, 30_000);
  assert.match(shorter.warnings.join('\n'), /has no usable tree\.head/);
  assert.ok(shorter.tree.root().equals(reference.root(30_000)));
  const another = ENTRIES.map((text) => text.replace('"n"', '"m"'));
  const other = await open(dir, 30_000, another);
  assert.match(other.warnings.join('\n'), /does not match chain\.ndjson/);
  const otherReference = new MerkleTree();
  for (const text of another.slice(0, 30_000)) otherReference.append(leafHash(text));
  assert.ok(other.tree.root().equals(otherReference.root()));
});
