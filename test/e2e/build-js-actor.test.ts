import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { build, BUILD_TIMEOUT_MS, componentizing, fileTempDir, REPO } from '../support/build.js';
import { CLI, getJson, postJson, runCli, startRuntime } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';

// The counter example, copied to a directory of its own so the default output lands there.
const dir = fileTempDir();
const source = path.join(dir, 'counter.js');
const component = path.join(dir, 'counter.wasm');
// The first build's temporary directory, which it must leave as it found it.
const tmp = path.join(dir, 'tmp');
let firstBuild: Awaited<ReturnType<typeof build>>;

before(
  async () => {
    copyFileSync(path.join(REPO, 'examples/counter/counter.js'), source);
    mkdirSync(tmp);
    firstBuild = await build(['counter.js'], dir, { TMPDIR: tmp });
  },
  { timeout: BUILD_TIMEOUT_MS },
);

test('build writes the component beside the source by default and prints its path and size', () => {
  assert.equal(firstBuild.code, 0, firstBuild.stderr);
  assert.ok(existsSync(component));
  const mib = (statSync(component).size / 2 ** 20).toFixed(1);
  assert.match(firstBuild.stdout, new RegExp(`^built counter\\.wasm \\(${mib.replace('.', '\\.')} MiB\\) in \\d+\\.\\d s\\n$`));
  assert.equal(firstBuild.stderr, '', 'no progress display when stderr is not a terminal');
  assert.deepEqual(readdirSync(tmp), [], "nothing left in the temporary directory (componentize-js' work, the pre-initializer's files)");
});

test('the built actor runs: messages are applied, a refused one commits nothing, and the chain verifies', async (t) => {
  const runtime = await startRuntime(t, component);
  assert.equal((await postJson(runtime.url, { add: 5 })).status, 200);
  const refused = await postJson(runtime.url, { add: -9 });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'MESSAGE_REJECTED');
  assert.deepEqual((await postJson(runtime.url, { add: 2 })).body.state, { count: 7 });
  assert.deepEqual((await getJson(`${runtime.url}/state`)).body.state, { count: 7 });
  // log() reaches the runtime log (its lines travel apart from the answers).
  await waitFor("the component's log line", () => runtime.logs.some((l) => l.msg === 'count 5 -> 7' && l.source === 'component'));

  const verified = await runCli(['verify', component, runtime.url]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /^verified 6 entries/);
});

test('a second build of the same source reuses the output; a changed source is built again', { timeout: BUILD_TIMEOUT_MS }, async () => {
  const built = readFileSync(component);
  const again = await build(['counter.js'], dir);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^counter\.wasm \(\d+\.\d MiB\) is up to date: same bundle and options\n$/);
  assert.deepEqual(readFileSync(component), built);

  writeFileSync(source, readFileSync(source, 'utf8').replace('count ${count} -> ${next}', 'now ${next}'));
  const changed = await build(['counter.js'], dir);
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /^built counter\.wasm/);
  assert.notDeepEqual(readFileSync(component), built);
});

test('Ctrl-C during a build stops it: no component, nothing left in the temporary directory, and the process ends by SIGINT', { timeout: BUILD_TIMEOUT_MS }, async () => {
  const own = path.join(dir, 'interrupted');
  const ownTmp = path.join(own, 'tmp');
  mkdirSync(ownTmp, { recursive: true });
  copyFileSync(source, path.join(own, 'counter.js'));
  const child = spawn(process.execPath, [CLI, 'build', 'counter.js'], { cwd: own, env: { ...process.env, TMPDIR: ownTmp }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await componentizing(ownTmp, child, () => output);
  child.kill('SIGINT');
  assert.equal(await exited, 'SIGINT');
  assert.equal(output, '');
  assert.deepEqual(readdirSync(ownTmp), []);
  assert.deepEqual(readdirSync(own).sort(), ['counter.js', 'tmp'], 'no component, record or partial file');
});
