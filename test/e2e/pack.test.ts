/**
 * The package as a user gets it: `npm pack`, the tarball installed in an empty folder, and
 * there `npx actorchain run` on an example component (its HTTP API and explorer page served),
 * `actorchain new` (the template), and `createRuntime` imported from 'actorchain'. The
 * tarball ships no src/: what the runtime reads at run time comes from dist/.
 *
 * The install is offline: the folder gets a lockfile made from this repository's (the
 * versions `npm ci` put in the npm cache), so no registry is asked. Without those packages
 * in the cache (no `npm ci` on this machine) the test is skipped, saying so.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { buildFixture } from '../../fixtures/build.js';
import { REPO } from '../support/build.js';
import { tempDir } from '../support/chain-file.js';

const INSTALL_TIMEOUT_MS = 240_000;
// Without NODE_TEST_CONTEXT, which would make a child `node` report to this runner.
const { NODE_TEST_CONTEXT: _, ...env } = process.env;
const childEnv = { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
const run = (command: string, args: string[], cwd: string, timeout = INSTALL_TIMEOUT_MS) =>
  promisify(execFile)(command, args, { cwd, timeout, env: childEnv, maxBuffer: 16 * 2 ** 20 });

interface LockEntry {
  version?: string;
  dev?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * A lockfile for a folder that depends on the tarball alone: actorchain at node_modules/actorchain
 * and its dependencies where this repository's lockfile puts them (hoisted beside it), dev
 * dependencies left out. npm then installs every package from the cache by its integrity.
 */
function lockfileFor(tarball: string): { pkg: object; lock: object } {
  const repoLock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const root = repoLock.packages['']!;
  const resolved = `file:${tarball}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'app', version: '1.0.0', dependencies: { actorchain: resolved } },
    'node_modules/actorchain': { version: root.version, resolved, dependencies: root.dependencies, bin: root.bin, engines: root.engines },
  };
  for (const [key, entry] of Object.entries(repoLock.packages)) {
    if (key.startsWith('node_modules/') && !entry.dev && !entry.link) packages[key] = entry;
  }
  return {
    pkg: { name: 'app', version: '1.0.0', private: true, type: 'module', dependencies: { actorchain: resolved } },
    lock: { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
  };
}

/** `npm pack` this checkout (as built: no prepare script) and install the tarball in a new folder. */
async function installPacked(t: TestContext): Promise<{ app: string; files: string[] } | undefined> {
  for (const asset of ['dist/src/wit/actor.wit', 'dist/src/explorer/page/index.html', 'dist/src/scaffold/template/src/actor.ts']) {
    assert.ok(existsSync(path.join(REPO, asset)), `${asset} is missing: build with npm run build (tsc, then scripts/copy-assets.mjs)`);
  }
  const dir = tempDir(t, 'actorchain-pack-');
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], REPO);
  const [{ filename, files }] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const app = path.join(dir, 'app');
  mkdirSync(app);
  const { pkg, lock } = lockfileFor(path.join(dir, filename));
  writeFileSync(path.join(app, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
  try {
    await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], app);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '');
    if (/ENOTCACHED/.test(stderr)) return undefined;
    throw err;
  }
  return { app, files: files.map((file) => file.path) };
}

/** `npx actorchain run <component> --listen 127.0.0.1:0 --in-memory` in `cwd`; resolves with its address once it listens. */
function npxRun(t: TestContext, cwd: string, component: string): Promise<string> {
  // In a process group of its own: npx runs actorchain as its child, and both must end with the test.
  const child = spawn('npx', ['--offline', 'actorchain', 'run', component, '--listen', '127.0.0.1:0', '--in-memory'], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group has ended already
    }
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      for (const line of stdout.split('\n')) {
        if (!line.includes('actorchain listening')) continue;
        const { address } = JSON.parse(line) as { address: string };
        resolve(address);
      }
    });
    child.on('exit', (code) => reject(new Error(`npx actorchain run exited with ${code} before listening\n${stdout}\n${stderr}`)));
  });
}

test(
  'the packed package installs in an empty folder, where npx actorchain run, actorchain new and createRuntime work',
  { timeout: 2 * INSTALL_TIMEOUT_MS },
  async (t) => {
    const echo = await buildFixture('echo');
    const installed = await installPacked(t);
    if (installed === undefined) {
      t.skip("the npm cache does not hold actorchain's dependencies (ENOTCACHED): run npm ci on this machine first, then this test installs offline");
      return;
    }
    const { app, files } = installed;
    assert.ok(!files.some((file) => file.startsWith('src/')), `the tarball ships no src/: ${files.filter((file) => file.startsWith('src/')).join(', ')}`);
    for (const asset of [
      'dist/src/wit/actor.wit',
      'dist/src/wit/actor-migrate.wit',
      'dist/src/explorer/page/index.html',
      'dist/src/explorer/page/explorer.css',
      'dist/src/scaffold/template/gitignore',
      'types/index.d.ts',
    ]) {
      assert.ok(files.includes(asset), `the tarball holds ${asset}`);
    }

    // The CLI, through npx: the read API, a message, the explorer page (its HTML and CSS from dist/).
    const url = await npxRun(t, app, echo);
    const head = await fetch(`${url}/head`);
    assert.equal(head.status, 200);
    assert.equal(((await head.json()) as { length: number }).length, 2, 'genesis and init');
    const posted = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":"packed"}' });
    assert.equal(posted.status, 200);
    const reply = (await posted.json()) as { head: string; state: unknown };
    assert.deepEqual(reply.state, { hello: 'packed' });
    assert.equal(((await (await fetch(`${url}/head`)).json()) as { head: string }).head, reply.head);
    for (const file of ['', '/explorer.css']) assert.equal((await fetch(`${url}/explorer${file}`)).status, 200, `/explorer${file}`);

    // `new` writes the template shipped in dist/; `build` finds the WIT there.
    const created = await run('npx', ['--offline', 'actorchain', 'new', 'my-actor'], app);
    assert.match(created.stdout, /src\/actor\.ts/);
    assert.ok(existsSync(path.join(app, 'my-actor', 'test', 'actor.test.mjs')));
    const script = "const { ACTOR_WIT } = await import('./node_modules/actorchain/dist/src/build/componentize.js'); console.log(ACTOR_WIT);";
    const wit = await run(process.execPath, ['--input-type=module', '-e', script], app);
    const witPath = wit.stdout.trim();
    assert.ok(witPath.startsWith(path.join(app, 'node_modules', 'actorchain', 'dist')) && existsSync(witPath), `the WIT is read from the installed dist/: ${witPath}`);

    // The API, imported by its bare name from a module in the folder.
    const apiScript = `
    import { createRuntime } from 'actorchain';
    const runtime = await createRuntime({ component: ${JSON.stringify(echo)}, listen: '127.0.0.1:0', inMemory: true, logLevel: 'silent' });
    const before = runtime.head();
    const reply = await fetch(runtime.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    const body = await reply.json();
    const served = await (await fetch(new URL('head', runtime.url))).json();
    await runtime.close();
    console.log(JSON.stringify({ url: runtime.url, before, status: reply.status, posted: body.head, served: served.head, after: runtime.head(), stopped: await runtime.stopped }));
  `;
    writeFileSync(path.join(app, 'api.mjs'), apiScript);
    // The process must end by itself once the runtime is closed: nothing of it left running.
    const api = await run(process.execPath, ['api.mjs'], app, 60_000);
    const result = JSON.parse(api.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.match(String(result.url), /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(result.status, 200);
    assert.notEqual(result.before, result.posted);
    assert.equal(result.served, result.posted);
    assert.equal(result.after, result.posted);
    assert.deepEqual(result.stopped, { exitCode: 0 });
  },
);
