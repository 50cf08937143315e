/**
 * The transpile cache's bound (src/component/transpile-cache.ts): the entries used last are kept
 * up to a size, older ones and abandoned staging folders are removed, and a use marks an entry.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pruneTranspiled, touchEntry } from '../../src/component/transpile-cache.js';
import { tempDir } from '../support/chain-file.js';

const NOW = Date.now();
const MINUTE = 60_000;

/** A folder of `root` holding `bytes` bytes (in two files, one in a subfolder), last used `agoMs` ago. */
function entry(root: string, name: string, bytes: number, agoMs: number): void {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'interfaces'), { recursive: true });
  writeFileSync(path.join(dir, 'component.js'), 'x'.repeat(bytes - 10));
  writeFileSync(path.join(dir, 'interfaces', 'a.d.ts'), 'y'.repeat(10));
  const when = new Date(NOW - agoMs);
  utimesSync(dir, when, when);
}

test('the entries used last are kept up to the size; older ones and staging folders abandoned an hour ago are removed', async (t) => {
  const root = tempDir(t);
  for (let i = 0; i < 5; i++) entry(root, `e${i}`, 100, (5 - i) * MINUTE); // e4 used last
  entry(root, 'old.tmp', 100, 120 * MINUTE);
  entry(root, 'fresh.tmp', 100, MINUTE);
  writeFileSync(path.join(root, 'not-an-entry'), 'z');

  const removed = await pruneTranspiled(root, 250, NOW);
  assert.deepEqual(removed.sort(), ['e0', 'e1', 'e2', 'old.tmp']);
  assert.deepEqual(readdirSync(root).sort(), ['e3', 'e4', 'fresh.tmp', 'not-an-entry']);
  assert.deepEqual(await pruneTranspiled(root, 250, NOW), [], 'nothing more to remove');
});

test('the entry used last is kept even when it alone is over the size', async (t) => {
  const root = tempDir(t);
  entry(root, 'big', 1000, MINUTE);
  entry(root, 'small', 100, 2 * MINUTE);
  assert.deepEqual(await pruneTranspiled(root, 500, NOW), ['small']);
  assert.deepEqual(readdirSync(root), ['big']);
});

test('a use marks an entry as the last used', async (t) => {
  const root = tempDir(t);
  entry(root, 'a', 100, MINUTE);
  entry(root, 'b', 100, 2 * MINUTE);
  await touchEntry(path.join(root, 'b'));
  assert.deepEqual(await pruneTranspiled(root, 150), ['a']);
  await touchEntry(path.join(root, 'gone')); // a missing entry is no error
});

test('a cache folder that does not exist has nothing to remove', async (t) => {
  assert.deepEqual(await pruneTranspiled(path.join(tempDir(t), 'none')), []);
});
