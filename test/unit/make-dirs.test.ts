/**
 * makeDirs (src/make-dirs.ts), the `mkdir -p` for paths users give: Node's recursive mkdir
 * never returns for a folder under /proc, at full CPU; this one fails with ENOENT.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeDirs } from '../../src/make-dirs.js';
import { tempDir } from '../support/chain-file.js';

test('makes every missing folder, with the mode given; a folder that exists is no error', async (t) => {
  const root = tempDir(t);
  const deep = path.join(root, 'a', 'b', 'c');
  await makeDirs(deep, 0o700);
  assert.ok(statSync(deep).isDirectory());
  assert.equal(statSync(path.join(root, 'a')).mode & 0o777, 0o700);
  await makeDirs(deep);
  await makeDirs(root);
});

test('a path through a file fails with ENOTDIR, making nothing', async (t) => {
  const root = tempDir(t);
  writeFileSync(path.join(root, 'file'), '');
  await assert.rejects(makeDirs(path.join(root, 'file', 'x')), { code: 'ENOTDIR' });
  await assert.rejects(makeDirs(path.join(root, 'file')), { code: 'ENOTDIR' });
});

test(
  'a folder that cannot be made under an existing one (/proc) fails with ENOENT, where mkdir -p would spin',
  { skip: !existsSync('/proc/self'), timeout: 10_000 },
  async () => {
    await assert.rejects(makeDirs('/proc/actorchain-no-such/data'), { code: 'ENOENT' });
  },
);
