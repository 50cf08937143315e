import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { BUILD_TIMEOUT_MS, REPO } from '../support/build.js';
import { tempDir } from '../support/chain-file.js';
import { runCli } from '../support/runtime.js';

// Without NODE_TEST_CONTEXT: set by the runner running this file, it would make the project's own
// `node --test` report to this runner instead of printing its results.
const { NODE_TEST_CONTEXT: _, ...env } = process.env;
const npm = (args: string[], cwd: string) => promisify(execFile)('npm', args, { cwd, timeout: BUILD_TIMEOUT_MS, env: { ...env, npm_config_update_notifier: 'false' } });

test('`new` scaffolds a project whose own `npm test` builds the actor, drives it through the runtime and verifies it', { timeout: 2 * BUILD_TIMEOUT_MS }, async (t) => {
  const project = path.join(tempDir(t), 'my-todo');
  const created = await runCli(['new', project]);
  assert.equal(created.code, 0, created.stderr);
  for (const file of ['package.json', 'tsconfig.json', 'src/actor.ts', 'test/actor.test.mjs', 'README.md', '.gitignore']) {
    assert.match(created.stdout, new RegExp(file.replace('.', '\\.')), `${file} is listed`);
  }
  const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'my-todo');
  assert.deepEqual(Object.keys(pkg.scripts).sort(), ['build', 'start', 'test']);
  assert.equal(pkg.dependencies.actorchain, `file:${REPO.replace(/\/$/, '')}`, 'actorchain comes from this installation');

  // --ignore-scripts: the linked actorchain is this checkout, already built; its prepare script
  // would recompile dist/ under the feet of the test files running beside this one.
  await npm(['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], project);
  const { stdout } = await npm(['test'], project);
  assert.match(stdout, /^# pass 1$/m);
  assert.match(stdout, /^# fail 0$/m);
});

test('`new` refuses a directory that is not empty, and leaves it as it was', async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'mine.ts'), 'keep me');
  const result = await runCli(['new', dir]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^actorchain: SCAFFOLD_DIR_NOT_EMPTY: /);
  assert.equal(readFileSync(path.join(dir, 'src', 'mine.ts'), 'utf8'), 'keep me');
});

test('`new` refuses a directory it cannot make, naming why', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'a-file'), '');
  const result = await runCli(['new', path.join(dir, 'a-file', 'project')]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `actorchain: SCAFFOLD_CANNOT_WRITE: ${path.join(dir, 'a-file', 'project')} cannot be made or written (ENOTDIR): give a directory you can write\n`,
  );
});
