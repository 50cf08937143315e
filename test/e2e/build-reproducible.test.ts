/**
 * Reproducible builds: a scaffolded project (`actorchain new`, its actorchain dependency linked
 * as `npm install` links a `file:` dependency) and a copy of it elsewhere, each built from a
 * different working directory. The two components must be the same bytes, and `build --check`
 * must reproduce the first until its source is edited, from its record or from the source given
 * (`build <source> --check <component>`, for a component with no record). Six componentize runs in all.
 *
 * Each of the two first builds starts with a cache of its own, empty (ACTORCHAIN_CACHE_DIR): both
 * splice componentize-js' engine themselves and keep the splice (src/build/splice-cache.ts). The
 * checks that follow build from the kept splice, whole or damaged, and must give the same bytes.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { before, test } from 'node:test';
import { build, BUILD_TIMEOUT_MS, fileTempDir, REPO } from '../support/build.js';
import { runCli, type CliResult } from '../support/runtime.js';

const root = fileTempDir();
const first = path.join(root, 'first');
// Deeper than the first, so that no path relative to the installation is the same in both.
const second = path.join(root, 'elsewhere', 'deeper', 'second');
const outside = path.join(root, 'outside');
const firstComponent = path.join(first, 'dist', 'actor.wasm');
const secondComponent = path.join(second, 'out', 'actor.wasm');
const fetched = path.join(root, 'fetched');
const fetchedComponent = path.join(fetched, 'component.wasm');
const firstCache = { ACTORCHAIN_CACHE_DIR: path.join(root, 'cache-first') };
const secondCache = { ACTORCHAIN_CACHE_DIR: path.join(root, 'cache-second') };
let firstBuild: CliResult;
let secondBuild: CliResult;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const record = (component: string) => JSON.parse(readFileSync(`${component}.build.json`, 'utf8')) as Record<string, unknown>;

/** The one splice a cache keeps: its engine's file, and the hash its description gives for it. */
function keptSplice(cache: { ACTORCHAIN_CACHE_DIR: string }): { wasm: string; described: string } {
  const dir = path.join(cache.ACTORCHAIN_CACHE_DIR, 'splices');
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 2, `one splice kept: ${files.join(', ')}`);
  assert.match(files[0]!, /^[0-9a-f]{32}\.json$/);
  assert.equal(files[1], files[0]!.replace(/json$/, 'wasm'));
  const { wasmSha256 } = JSON.parse(readFileSync(path.join(dir, files[0]!), 'utf8')) as { wasmSha256: string };
  return { wasm: path.join(dir, files[1]!), described: wasmSha256 };
}

before(
  async () => {
    const created = await runCli(['new', first]);
    assert.equal(created.code, 0, created.stderr);
    mkdirSync(path.join(first, 'node_modules'));
    symlinkSync(REPO, path.join(first, 'node_modules', 'actorchain'), 'dir');
    cpSync(first, second, { recursive: true, verbatimSymlinks: true });
    mkdirSync(outside);
    // From outside the project, by absolute path; and from inside the copy, by relative path.
    [firstBuild, secondBuild] = await Promise.all([
      build([path.join(first, 'src', 'actor.ts'), '-o', firstComponent], outside, firstCache),
      build(['src/actor.ts', '-o', 'out/actor.wasm'], second, secondCache),
    ]);
  },
  { timeout: BUILD_TIMEOUT_MS },
);

test("a scaffolded project's actor builds (and type-checks) from outside its directory", () => {
  assert.equal(firstBuild.code, 0, firstBuild.stderr);
  assert.match(firstBuild.stdout, /^built .*actor\.wasm \(/);
  assert.equal(secondBuild.code, 0, secondBuild.stderr);
});

test('two builds of the same sources in two directories give the same bytes, and records that say so', () => {
  assert.equal(sha256(firstComponent), sha256(secondComponent));
  const [a, b] = [record(firstComponent), record(secondComponent)];
  assert.equal(a.componentSha256, sha256(firstComponent));
  assert.equal(a.source, '../src/actor.ts');
  assert.equal(b.source, '../src/actor.ts');
  assert.deepEqual({ ...a, source: undefined }, { ...b, source: undefined });
  assert.equal(a.actorchain, JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
  assert.match(String(a.bundleSha256), /^[0-9a-f]{64}$/);
});

test('build --check rebuilds from the recorded source, with the splice its first build kept, and reports the match', { timeout: BUILD_TIMEOUT_MS }, async () => {
  const kept = keptSplice(firstCache);
  assert.equal(sha256(kept.wasm), kept.described);
  const checked = await runCli(['build', '--check', firstComponent], { timeoutMs: BUILD_TIMEOUT_MS, cwd: outside, env: firstCache });
  assert.equal(checked.code, 0, checked.stderr);
  assert.equal(checked.stdout, `reproduced ${firstComponent} from ${path.join(first, 'src', 'actor.ts')}: sha256 ${sha256(firstComponent)}\n`);
});

test('build --check <component> --no-check: both options are taken (a missing component is named, not the options)', async () => {
  for (const args of [
    ['--check', path.join(outside, 'none.wasm'), '--no-check'],
    ['--no-check', '--check', path.join(outside, 'none.wasm')],
  ]) {
    const checked = await runCli(['build', ...args], { cwd: outside });
    assert.equal(checked.code, 1);
    assert.match(checked.stderr, /^actorchain: COMPONENT_NOT_FOUND: \S+none\.wasm cannot be read/, checked.stderr);
  }
});

test(
  'build <source> --check <component> with no record beside it (as fetched from GET /component): rebuilds that source (past a damaged kept splice)',
  { timeout: BUILD_TIMEOUT_MS },
  async () => {
    mkdirSync(fetched, { recursive: true });
    cpSync(firstComponent, fetchedComponent);
    // A kept splice whose bytes no longer match its description is spliced again, and kept anew.
    const kept = keptSplice(secondCache);
    const damaged = readFileSync(kept.wasm);
    damaged[damaged.length >> 1] ^= 0xff;
    writeFileSync(kept.wasm, damaged);
    const source = path.join(first, 'src', 'actor.ts');
    const checked = await runCli(['build', source, '--check', fetchedComponent, '--no-check'], { timeoutMs: BUILD_TIMEOUT_MS, cwd: outside, env: secondCache });
    assert.equal(checked.code, 0, checked.stderr);
    assert.equal(checked.stdout, `reproduced ${fetchedComponent} from ${source}: sha256 ${sha256(firstComponent)}\n`);
    assert.equal(sha256(keptSplice(secondCache).wasm), kept.described);
    const noRecord = await runCli(['build', '--check', fetchedComponent], { cwd: outside });
    assert.equal(noRecord.code, 1);
    assert.match(noRecord.stderr, /^actorchain: BUILD_RECORD_NOT_FOUND: .*give its source: actorchain build <source> --check /);
  },
);

test('build --check after an edit of the source fails with both hashes, and leaves the component alone', { timeout: BUILD_TIMEOUT_MS }, async () => {
  const built = sha256(firstComponent);
  const source = path.join(first, 'src', 'actor.ts');
  writeFileSync(source, readFileSync(source, 'utf8').replace('const MAX_TEXT = 200;', 'const MAX_TEXT = 100;'));
  // One of the two with no cache it can write (a file where the folder should be): it builds all the same, keeping nothing.
  const noCache = path.join(root, 'not-a-folder');
  writeFileSync(noCache, '');
  const [checked, checkedBySource] = await Promise.all([
    runCli(['build', '--check', firstComponent], { timeoutMs: BUILD_TIMEOUT_MS, cwd: outside }),
    runCli(['build', source, '--check', fetchedComponent], { timeoutMs: BUILD_TIMEOUT_MS, cwd: outside, env: { ACTORCHAIN_CACHE_DIR: noCache } }),
  ]);
  assert.equal(checkedBySource.code, 1);
  assert.match(
    checkedBySource.stderr,
    /^actorchain: BUILD_NOT_REPRODUCED: rebuilding \S+actor\.ts gives sha256 [0-9a-f]{64}, but \S+component\.wasm has sha256 [0-9a-f]{64}: it has no build record to say why/,
  );
  assert.equal(checked.code, 1);
  const match =
    /^actorchain: BUILD_NOT_REPRODUCED: rebuilding \S+actor\.ts gives sha256 ([0-9a-f]{64}), but \S+actor\.wasm has sha256 ([0-9a-f]{64}): the sources \(or what they import\) changed since that build\n$/.exec(
      checked.stderr,
    );
  assert.ok(match, checked.stderr);
  assert.notEqual(match[1], built);
  assert.equal(match[2], built);
  assert.equal(sha256(firstComponent), built);
});
