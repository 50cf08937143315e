/**
 * `actorchain upgrade <data dir> <new.wasm>`: the counter's chain switched to a version with
 * a new message kind whose migrate renames a field, then to one without migrate (the state
 * carried over); a component whose state-contract refuses the state changes nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { BUILD_TIMEOUT_MS, builtActor } from '../support/build.js';
import { chainFile, makeChain, readLines, tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { postJson, runCli, sha256 } from '../support/runtime.js';
import { verifies } from '../support/verify.js';

let counter: string;
let v2: string;
let v3: string;
let sends: string;
let toplevel: string;
before(
  async () => {
    counter = await buildFixture('counter');
    v2 = await builtActor('fixtures/actors/upgrade-counter-v2.js');
    v3 = await builtActor('fixtures/actors/upgrade-counter-v3.js');
    sends = await builtActor('fixtures/actors/upgrade-counter-sends.js');
    toplevel = await builtActor('fixtures/actors/upgrade-counter-toplevel.js');
  },
  { timeout: BUILD_TIMEOUT_MS * 3 },
);

const hashOf = (file: string) => sha256(readFileSync(file));

test('a refused upgrade, and a dry run, leave chain.ndjson byte for byte as it was', async (t) => {
  const dataDir = tempDir(t);
  await makeChain(t, counter, dataDir, [{ add: 2 }, { add: 3 }]);
  const before = readFileSync(chainFile(dataDir));

  // v3 has no migrate: {"count": 5} is carried over, and its state-contract wants {"total": n}.
  const refused = await runCli(['upgrade', dataDir, v3]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /UPGRADE_STATE_REJECTED: .*carried over.*nothing was changed/);
  assert.deepEqual(readFileSync(chainFile(dataDir)), before);

  const dry = await runCli(['upgrade', dataDir, v2, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(JSON.parse(dry.stdout).state, { total: 5 });
  assert.deepEqual(readFileSync(chainFile(dataDir)), before);

  // A migrate that calls send: an upgrade sends nothing.
  const sent = await runCli(['upgrade', dataDir, sends]);
  assert.equal(sent.code, 1);
  assert.match(
    sent.stderr,
    /UPGRADE_MIGRATE_FAILED: migrate of the component [0-9a-f]{64} called send \(to http:\/\/127\.0\.0\.1:9\/\), and an upgrade sends nothing; nothing was changed/,
  );
  assert.deepEqual(readFileSync(chainFile(dataDir)), before);

  const same = await runCli(['upgrade', dataDir, counter]);
  assert.match(same.stderr, /UPGRADE_REFUSED: .*already runs/);
  assert.deepEqual(readFileSync(chainFile(dataDir)), before);

  // The chain still runs the counter.
  const runtime = await startInProcess(t, counter, { dataDir });
  assert.deepEqual((await postJson(runtime.url, { add: 1 })).body.state, { count: 6 });
});

test('upgrade twice: migrate renames the field, the new message kind works, run with the old component names the way forward', async (t) => {
  const dataDir = tempDir(t);
  await makeChain(t, counter, dataDir, [{ add: 2 }, { add: 3 }]);

  const mismatch = await runCli(['run', v2, '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /CHAIN_COMPONENT_MISMATCH: .*actorchain upgrade .*another data dir/);
  assert.ok(mismatch.stderr.includes(`actorchain upgrade ${dataDir} ${v2}`), mismatch.stderr);

  const upgraded = await runCli(['upgrade', dataDir, v2]);
  assert.equal(upgraded.code, 0, upgraded.stderr);
  const result = JSON.parse(upgraded.stdout);
  assert.equal(result.from, hashOf(counter));
  assert.equal(result.to, hashOf(v2));
  assert.deepEqual(result.state, { total: 5 });
  const lines = readLines(dataDir);
  const upgradeLine = lines.at(-2)!;
  assert.equal(upgradeLine, `{"data":{"upgrade":{"component-hash":"${hashOf(v2)}"}},"parent":"${sha256(lines.at(-3)!)}"}`);
  assert.equal(sha256(upgradeLine), result.upgrade);
  assert.match(lines.at(-1)!, /^\{"data":\{"journal":\[\["new"\].*"state":\{"total":5\}\},"parent":"/);
  assert.deepEqual(readFileSync(path.join(dataDir, 'components', `${hashOf(v2)}.wasm`)), readFileSync(v2), 'the component is kept by hash');

  const old = await runCli(['run', counter, '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  assert.match(old.stderr, /CHAIN_COMPONENT_MISMATCH: .*runs the component with hash [0-9a-f]{64}.*actorchain upgrade/);

  {
    const runtime = await startInProcess(t, v2, { dataDir });
    assert.deepEqual((await postJson(runtime.url, { double: true })).body.state, { total: 10 });
    await runtime.close();
  }

  const again = await runCli(['upgrade', dataDir, v3]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout).state, { total: 10 }, 'no migrate: the state is carried over');
  const runtime = await startInProcess(t, v3, { dataDir });
  assert.deepEqual((await postJson(runtime.url, { add: 4 })).body.state, { total: 14 });
  assert.deepEqual((await postJson(runtime.url, { reset: true })).body.state, { total: 0 });
  const kinds = readLines(dataDir).map((line) =>
    Object.keys(JSON.parse(line).data)
      .filter((k) => k !== 'journal')
      .join(),
  );
  assert.deepEqual(kinds, [
    'component-hash,key',
    'state',
    'message',
    'state',
    'message',
    'state',
    'upgrade',
    'state',
    'message',
    'state',
    'upgrade',
    'state',
    'message',
    'state',
    'message',
    'state',
  ]);

  // inspect names the component the chain runs now, the genesis' apart, and (from the data dir) each upgrade.
  const all = readLines(dataDir);
  const fromDir = await runCli(['inspect', dataDir]);
  assert.equal(fromDir.code, 0, fromDir.stderr);
  const inspected = JSON.parse(fromDir.stdout);
  assert.equal(inspected['component-hash'], hashOf(v3));
  assert.equal(inspected['genesis-component-hash'], hashOf(counter));
  assert.deepEqual(inspected.upgrades, [
    { position: 6, hash: sha256(all[6]!), 'component-hash': hashOf(v2) },
    { position: 10, hash: sha256(all[10]!), 'component-hash': hashOf(v3) },
  ]);
  const fromUrl = await runCli(['inspect', runtime.url]);
  assert.equal(fromUrl.code, 0, fromUrl.stderr);
  const { upgrades, ...rest } = inspected;
  assert.ok(upgrades);
  assert.deepEqual(JSON.parse(fromUrl.stdout), rest, 'a runtime is not read whole for the upgrades');
});

test('a migrate exported as a top-level function (export function migrate) is built into the component and run by the upgrade', async (t) => {
  const dataDir = tempDir(t);
  await makeChain(t, counter, dataDir, [{ add: 2 }, { add: 3 }]);
  const record = JSON.parse(readFileSync(`${toplevel}.build.json`, 'utf8'));
  assert.equal(record.options.world, JSON.parse(readFileSync(`${v2}.build.json`, 'utf8')).options.world, 'the world with the migration export');
  const upgraded = await runCli(['upgrade', dataDir, toplevel]);
  assert.equal(upgraded.code, 0, upgraded.stderr);
  assert.deepEqual(JSON.parse(upgraded.stdout).state, { total: 5 }, 'migrate renamed count to total');
  await verifies(dataDir);
});
