/**
 * A mirror follows its primary through a live upgrade (POST /upgrade), keeps the component it
 * fetched by hash in its data dir, and after a restart resumes: with the primary up it follows
 * on; with the primary down it still replays its own copy (the components are at home) and
 * serves it, and verify <mirror data dir> passes with no component argument.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { BUILD_TIMEOUT_MS } from '../support/build.js';
import { chainFile, tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson, sha256, startMirror, type Runtime } from '../support/runtime.js';
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

const TOKEN = 'mirror-upgrade-secret';
const auth = { authorization: `Bearer ${TOKEN}` };

/** Wait for an event: the mirror's HEAD is `head`. */
const waitForHead = (mirrorUrl: string, head: string) => waitFor(`the mirror at ${head}`, async () => (await getJson(`${mirrorUrl}/head`)).body.head === head);

/** Wait for an event: the mirror logs that its own chain was replayed. */
const waitForResumed = (mirror: Runtime) =>
  waitFor('the mirror to replay its own chain', () => mirror.logs.some((line) => String(line.msg).startsWith('own chain replayed')), {
    stopIf: () => (mirror.child.exitCode === null ? undefined : `the mirror exited:\n${mirror.stderr()}\n${JSON.stringify(mirror.logs.slice(-3))}`),
  });

test('a mirror follows a live upgrade, keeps the new component, and resumes after a restart with or without its primary', async (t) => {
  const primaryDir = tempDir(t);
  const mirrorDir = tempDir(t);
  const primary = await startInProcess(t, c.counter, { dataDir: primaryDir, token: TOKEN });
  for (const message of [{ add: 1 }, { add: 2 }]) assert.equal((await postJson(primary.url, message, auth)).status, 200);
  let mirror = await startMirror(t, c.counter, primary.url, mirrorDir);
  await waitForHead(mirror.url, (await getJson(`${primary.url}/head`)).body.head);

  const upgraded = await fetch(`${primary.url}/upgrade`, { method: 'POST', headers: { 'content-type': 'application/wasm', ...auth }, body: readFileSync(c.v2) });
  assert.equal(upgraded.status, 200, await upgraded.clone().text());
  assert.deepEqual((await postJson(primary.url, { double: true }, auth)).body.state, { total: 6 });
  await waitForHead(mirror.url, (await getJson(`${primary.url}/head`)).body.head);
  const components = path.join(mirrorDir, 'components');
  assert.deepEqual(readFileSync(path.join(components, `${sha256(readFileSync(c.v2))}.wasm`)), readFileSync(c.v2), 'the fetched component is kept by hash');
  assert.deepEqual(readFileSync(path.join(components, `${sha256(readFileSync(c.counter))}.wasm`)), readFileSync(c.counter), 'and the one given');

  // Restarted with the primary up: it resumes its copy (the chain now runs v2) and follows on.
  assert.equal(await mirror.stop(), 0);
  mirror = await startMirror(t, c.counter, primary.url, mirrorDir);
  await waitForResumed(mirror);
  assert.deepEqual((await postJson(primary.url, { add: 4 }, auth)).body.state, { total: 10 });
  const head = (await getJson(`${primary.url}/head`)).body.head;
  await waitForHead(mirror.url, head);
  assert.deepEqual((await getJson(`${mirror.url}/state`)).body.state, { total: 10 });
  assert.deepEqual(readFileSync(chainFile(mirrorDir)), readFileSync(chainFile(primaryDir)));

  // Restarted with the primary gone: the components it needs are in its data dir.
  await primary.close();
  assert.equal(await mirror.stop(), 0);
  mirror = await startMirror(t, c.counter, primary.url, mirrorDir);
  await waitForResumed(mirror);
  assert.equal((await getJson(`${mirror.url}/head`)).body.head, head);
  await mirror.stop();

  await verifies(mirrorDir);
});
