/**
 * A mirror needs nothing but its primary's URL: started without a component argument it takes
 * the genesis' component by hash from the primary, follows live upgrades, and serves every
 * component its copy has used (GET /component, /component/<hash>) as the runtime does. So
 * `verify <mirror url>` needs no component either, and a mirror of that mirror follows it
 * across upgrades. `--component <file>` gives a component instead of fetching it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { BUILD_TIMEOUT_MS } from '../support/build.js';
import { chainFile, tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson, runCli, sha256, startMirror, type Runtime } from '../support/runtime.js';
import { verifies } from '../support/verify.js';
import { waitFor } from '../support/wait.js';
import { buildUpgradeComponents, type UpgradeComponents } from '../support/upgraded-chain.js';

let c: UpgradeComponents;
before(
  async () => {
    c = await buildUpgradeComponents();
  },
  { timeout: BUILD_TIMEOUT_MS * 2 },
);

const TOKEN = 'mirror-components-secret';
const auth = { authorization: `Bearer ${TOKEN}` };
const hashOf = (file: string) => sha256(readFileSync(file));

/** Wait for an event: the mirror's HEAD is the primary's. */
async function waitForPrimaryHead(mirror: Runtime, primaryUrl: string): Promise<void> {
  const head = (await getJson(`${primaryUrl}/head`)).body.head as string;
  await waitFor(`the mirror at ${head}`, async () => (await getJson(`${mirror.url}/head`)).body.head === head, {
    stopIf: () => (mirror.child.exitCode === null ? undefined : `the mirror exited:\n${mirror.stderr()}\n${JSON.stringify(mirror.logs.slice(-3))}`),
  });
}

async function getBytes(url: string): Promise<{ status: number; type: string | null; etag: string | null; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), etag: response.headers.get('etag'), bytes: Buffer.from(await response.arrayBuffer()) };
}

async function upgradeLive(primaryUrl: string, component: string): Promise<void> {
  const upgraded = await fetch(`${primaryUrl}/upgrade`, { method: 'POST', headers: { 'content-type': 'application/wasm', ...auth }, body: readFileSync(component) });
  assert.equal(upgraded.status, 200, await upgraded.clone().text());
}

test('a mirror started with only its URL follows upgrades and serves its components; verify <mirror url> and a mirror of the mirror need no component', async (t) => {
  const primaryDir = tempDir(t);
  const primary = await startInProcess(t, c.counter, { dataDir: primaryDir, token: TOKEN });
  for (const message of [{ add: 1 }, { add: 2 }]) assert.equal((await postJson(primary.url, message, auth)).status, 200);

  // No component argument: the genesis' is fetched from the primary by hash.
  const mirrorDir = tempDir(t);
  const mirror = await startMirror(t, undefined, primary.url, mirrorDir);
  await waitForPrimaryHead(mirror, primary.url);
  assert.deepEqual((await getBytes(`${mirror.url}/component`)).bytes, readFileSync(c.counter), 'before the upgrade: the genesis component');

  await upgradeLive(primary.url, c.v2);
  assert.deepEqual((await postJson(primary.url, { double: true }, auth)).body.state, { total: 6 });
  await waitForPrimaryHead(mirror, primary.url);

  // GET /component: the component the copy runs now, the exact bytes the primary serves.
  const current = await getBytes(`${mirror.url}/component`);
  assert.equal(current.status, 200);
  assert.equal(current.type, 'application/wasm');
  assert.equal(current.etag, `"${hashOf(c.v2)}"`);
  assert.deepEqual(current.bytes, (await getBytes(`${primary.url}/component`)).bytes);
  assert.deepEqual(current.bytes, readFileSync(c.v2));
  for (const file of [c.counter, c.v2]) {
    const served = await getBytes(`${mirror.url}/component/${hashOf(file)}`);
    assert.equal(served.status, 200);
    assert.equal(served.type, 'application/wasm');
    assert.deepEqual(served.bytes, (await getBytes(`${primary.url}/component/${hashOf(file)}`)).bytes, 'the bytes the primary serves');
    assert.deepEqual(served.bytes, readFileSync(file));
  }
  const never = await fetch(`${mirror.url}/component/${hashOf(c.v3)}`);
  assert.equal(never.status, 404);
  assert.equal(((await never.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  const malformed = await fetch(`${mirror.url}/component/not-a-hash`);
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, 'INVALID_HASH');
  const posted = await fetch(`${mirror.url}/component`, { method: 'POST' });
  assert.equal(posted.status, 405);
  assert.equal(posted.headers.get('allow'), 'GET, HEAD');

  // verify <mirror url>, no component: each one fetched from the mirror by hash and checked.
  const summary = await verifies(mirror.url);
  assert.equal(summary.entries, 10);

  // A mirror of the mirror: it replays across the upgrade the mirror holds, then follows a live one.
  const secondDir = tempDir(t);
  const second = await startMirror(t, undefined, mirror.url, secondDir);
  await waitForPrimaryHead(second, primary.url);
  await upgradeLive(primary.url, c.v3);
  assert.deepEqual((await postJson(primary.url, { add: 4 }, auth)).body.state, { total: 10 });
  await waitForPrimaryHead(mirror, primary.url);
  await waitForPrimaryHead(second, primary.url);
  assert.deepEqual((await getJson(`${second.url}/state`)).body.state, { total: 10 });
  assert.deepEqual((await getBytes(`${second.url}/component`)).bytes, readFileSync(c.v3));
  assert.deepEqual((await getBytes(`${mirror.url}/component`)).bytes, readFileSync(c.v3));
  assert.deepEqual(readFileSync(chainFile(secondDir)), readFileSync(chainFile(primaryDir)));
  for (const file of [c.counter, c.v2, c.v3]) {
    assert.deepEqual(readFileSync(path.join(secondDir, 'components', `${hashOf(file)}.wasm`)), readFileSync(file), 'kept by hash');
  }
  await verifies(second.url);

  assert.equal(await second.stop(), 0);
  assert.equal(await mirror.stop(), 0);
});

test('mirror --component gives a component the chain names instead of fetching it, and keeps it', async (t) => {
  const primaryDir = tempDir(t);
  const primary = await startInProcess(t, c.counter, { dataDir: primaryDir, token: TOKEN });
  assert.equal((await postJson(primary.url, { add: 1 }, auth)).status, 200);
  await upgradeLive(primary.url, c.v2);

  const mirrorDir = tempDir(t);
  const mirror = await startMirror(t, undefined, primary.url, mirrorDir, ['--component', c.v2]);
  await waitForPrimaryHead(mirror, primary.url);
  assert.deepEqual((await getBytes(`${mirror.url}/component`)).bytes, readFileSync(c.v2));
  assert.deepEqual((await getBytes(`${mirror.url}/component/${hashOf(c.counter)}`)).bytes, readFileSync(c.counter));
  assert.deepEqual(readFileSync(path.join(mirrorDir, 'components', `${hashOf(c.v2)}.wasm`)), readFileSync(c.v2), 'the file given is kept by hash');
  assert.equal(await mirror.stop(), 0);

  // Refused before anything is started: no primary.
  const none = await runCli(['mirror', '--data-dir', tempDir(t)]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /INVALID_OPTION: mirror needs the URL of its primary/);
});
