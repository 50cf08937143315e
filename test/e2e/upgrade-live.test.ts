/**
 * POST /upgrade: a counter upgraded live twice while loops post messages (none fails; those after
 * each switch are applied by the new component), then verified from the URL with no component
 * argument; refusals change nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { before, test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { BUILD_TIMEOUT_MS } from '../support/build.js';
import { tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, postJson, sha256 } from '../support/runtime.js';
import { verifies } from '../support/verify.js';
import { buildUpgradeComponents, type UpgradeComponents } from '../support/upgraded-chain.js';

let c: UpgradeComponents;
before(
  async () => {
    c = await buildUpgradeComponents();
  },
  { timeout: BUILD_TIMEOUT_MS * 2 },
);

const TOKEN = 'upgrade-secret';
const auth = { authorization: `Bearer ${TOKEN}` };

function postUpgrade(url: string, file: string, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(`${url}/upgrade`, { method: 'POST', headers: { 'content-type': 'application/wasm', ...headers }, body: readFileSync(file) });
}

test('a counter upgraded live twice under 8 loops of messages: none fails, each component applies those after its switch, verify <url> passes with no component', async (t) => {
  const dataDir = tempDir(t);
  const runtime = await startInProcess(t, c.counter, { dataDir, token: TOKEN });
  let stop = false;
  const answers: Array<{ status: number; state: any }> = [];
  const loop = async () => {
    while (!stop) {
      const reply = await postJson(runtime.url, { add: 1 }, auth);
      answers.push({ status: reply.status, state: reply.body.state });
    }
  };
  const loops = Array.from({ length: 8 }, loop);
  const moreAnswers = async (n: number) => {
    const before = answers.length;
    while (answers.length < before + n) await new Promise((resolve) => setImmediate(resolve));
  };
  await moreAnswers(5);

  const upgraded = await postUpgrade(runtime.url, c.v2);
  const body = (await upgraded.json()) as { upgrade: string; head: string; state: { total: number }; receipt?: unknown };
  assert.equal(upgraded.status, 200, JSON.stringify(body));
  assert.match(body.upgrade, /^[0-9a-f]{64}$/);
  assert.ok(Number.isInteger(body.state.total), 'migrate renamed count to total');
  assert.ok(body.receipt !== undefined, 'a receipt, as for POST /');
  const upgradeEntry = JSON.parse(await (await fetch(`${runtime.url}/chain/${body.upgrade}`)).text());
  assert.deepEqual(upgradeEntry.data, { upgrade: { 'component-hash': sha256(readFileSync(c.v2)) } });

  await moreAnswers(5);
  // The new kind of message only v2 knows.
  assert.equal((await postJson(runtime.url, { double: true }, auth)).status, 200);
  await moreAnswers(5);

  // Again, under the same load: v3 has no migrate, so v2's state is carried over as it is.
  const again = await postUpgrade(runtime.url, c.v3);
  const againBody = (await again.json()) as { upgrade: string; state: { total: number } };
  assert.equal(again.status, 200, JSON.stringify(againBody));
  assert.ok(Number.isInteger(againBody.state.total), 'the state carried over');
  await moreAnswers(5);
  // The kind of message only v3 knows.
  assert.deepEqual((await postJson(runtime.url, { reset: true }, auth)).body.state, { total: 0 });
  await moreAnswers(5);
  stop = true;
  await Promise.all(loops);
  assert.deepEqual(
    answers.filter((a) => a.status !== 200),
    [],
    'no request failed',
  );
  assert.ok(answers.some((a) => a.state.count !== undefined) && answers.some((a) => a.state.total !== undefined), 'both shapes of state were answered');
  assert.deepEqual(Object.keys((await getJson(`${runtime.url}/state`)).body.state), ['total']);
  assert.deepEqual(Buffer.from(await (await fetch(`${runtime.url}/component`)).arrayBuffer()), readFileSync(c.v3));
  for (const file of [c.counter, c.v2, c.v3]) {
    const served = await fetch(`${runtime.url}/component/${sha256(readFileSync(file))}`);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), readFileSync(file), 'every component the chain used is served by its hash');
  }

  // Across both upgrades, with the components fetched by hash from the runtime.
  await verifies(runtime.url);
  await runtime.close();
  await verifies(dataDir);
});

test('refused upgrades change nothing: no token, a state-contract that refuses the state, the same component, bytes that are no fit component (422)', async (t) => {
  const open = await startInProcess(t, c.counter);
  const refused = await postUpgrade(open.url, c.v2, {});
  assert.equal(refused.status, 403);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'UPGRADE_NOT_ALLOWED');

  const runtime = await startInProcess(t, c.counter, { token: TOKEN });
  assert.equal((await postJson(runtime.url, { add: 2 }, auth)).status, 200);
  const head = (await getJson(`${runtime.url}/head`)).body;
  assert.equal((await postUpgrade(runtime.url, c.v2, {})).status, 401);
  const v3 = await postUpgrade(runtime.url, c.v3);
  assert.equal(v3.status, 422);
  assert.equal(((await v3.json()) as { error: { code: string } }).error.code, 'UPGRADE_STATE_REJECTED');
  const same = await postUpgrade(runtime.url, c.counter);
  assert.equal(same.status, 409);
  // Bytes that are no fit component are the client's fault: 422, with the load error's code.
  const notWasm = await fetch(`${runtime.url}/upgrade`, { method: 'POST', headers: { 'content-type': 'application/wasm', ...auth }, body: 'hello' });
  assert.equal(notWasm.status, 422);
  assert.equal(((await notWasm.json()) as { error: { code: string } }).error.code, 'NOT_A_COMPONENT');
  for (const [fixture, code] of [
    ['foreign-other', 'MISSING_EXPORTS'],
    ['missing-contract', 'MISSING_EXPORTS'],
    ['foreign-mixed', 'MISSING_EXPORTS'],
  ] as const) {
    const unfit = await postUpgrade(runtime.url, await buildFixture(fixture));
    assert.equal(unfit.status, 422, fixture);
    assert.equal(((await unfit.json()) as { error: { code: string } }).error.code, code, fixture);
  }
  // A body over the limit (256 MiB) is read to its end (as body-parser drains it), then refused.
  const chunk = Buffer.alloc(2 ** 20);
  const tooLarge = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.request(`${runtime.url}/upgrade`, { method: 'POST', headers: { 'content-type': 'application/wasm', ...auth } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    request.on('error', reject);
    Readable.from(
      (function* () {
        for (let i = 0; i <= 256; i++) yield chunk;
      })(),
    ).pipe(request);
  });
  assert.equal(tooLarge.status, 413);
  assert.equal(JSON.parse(tooLarge.body).error.code, 'BODY_TOO_LARGE');
  assert.deepEqual((await getJson(`${runtime.url}/head`)).body, head);
  assert.deepEqual((await postJson(runtime.url, { add: 1 }, auth)).body.state, { count: 3 }, 'the counter still runs');
});
