/**
 * GET /component and /component/<hash>: every component the chain has used, by hash, as its
 * exact bytes; and verify <url> with no component argument, which fetches them by hash.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { BUILD_TIMEOUT_MS } from '../support/build.js';
import { tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { postJson, sha256 } from '../support/runtime.js';
import { verifies } from '../support/verify.js';
import { buildUpgradeComponents, makeUpgradedChain, type UpgradeComponents } from '../support/upgraded-chain.js';

let c: UpgradeComponents;
before(
  async () => {
    c = await buildUpgradeComponents();
  },
  { timeout: BUILD_TIMEOUT_MS * 2 },
);

const hashOf = (file: string) => sha256(readFileSync(file));

async function getBytes(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

test('a runtime serves each component its chain has used by hash, and verify <url> needs no component across two upgrades', async (t) => {
  const dataDir = tempDir(t);
  await makeUpgradedChain(t, c, dataDir);
  const runtime = await startInProcess(t, c.v3, { dataDir });
  assert.equal((await postJson(runtime.url, { reset: true })).status, 200);

  const current = await getBytes(`${runtime.url}/component`);
  assert.equal(current.status, 200);
  assert.equal(current.type, 'application/wasm');
  assert.deepEqual(current.bytes, readFileSync(c.v3));
  for (const file of [c.counter, c.v2, c.v3]) {
    const served = await getBytes(`${runtime.url}/component/${hashOf(file)}`);
    assert.equal(served.status, 200);
    assert.deepEqual(served.bytes, readFileSync(file), 'the exact bytes');
  }

  const never = await fetch(`${runtime.url}/component/${sha256('never used')}`);
  assert.equal(never.status, 404);
  assert.equal(((await never.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  assert.equal((await fetch(`${runtime.url}/component/not-a-hash`)).status, 400);
  const posted = await fetch(`${runtime.url}/component`, { method: 'POST' });
  assert.equal(posted.status, 405);
  assert.equal(posted.headers.get('allow'), 'GET, HEAD');

  const summary = await verifies(runtime.url);
  assert.equal(summary.entries, 16);
});

test('an in-memory runtime serves its component from memory', async (t) => {
  const runtime = await startInProcess(t, c.counter);
  assert.deepEqual((await getBytes(`${runtime.url}/component`)).bytes, readFileSync(c.counter));
  assert.equal((await getBytes(`${runtime.url}/component/${hashOf(c.v2)}`)).status, 404);
  await verifies(runtime.url);
});
