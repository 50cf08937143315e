/**
 * `actorchain replay-check <new.wasm> <data dir | url> [--last N]`: a chain's recorded
 * messages run through a new component from the states they were applied to. The counter's
 * own component answers every one as recorded; upgrade-counter-v2 (a migrate that renames
 * the count) answers the counter's adds as recorded once the states are migrated, and refuses
 * its forward; v3 (no migrate) cannot read the counter's states at all.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { BUILD_TIMEOUT_MS } from '../support/build.js';
import { chainFile, makeChain, NOWHERE, readLines, tempDir } from '../support/chain-file.js';
import { runCli, sha256 } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';
import { buildUpgradeComponents, makeUpgradedChain, type UpgradeComponents } from '../support/upgraded-chain.js';

let c: UpgradeComponents;
before(
  async () => {
    c = await buildUpgradeComponents();
  },
  { timeout: BUILD_TIMEOUT_MS * 2 },
);

/** The counter's chain: positions 2 add, 4 forward, 6 add. */
const MESSAGES = [{ add: 2 }, { forward: { to: NOWHERE, message: { hello: 1 } } }, { add: 3 }];

test('the component that made the chain answers every message as recorded: exit 0', async (t) => {
  const dataDir = tempDir(t);
  await makeChain(t, c.counter, dataDir, MESSAGES);
  const checked = await runCli(['replay-check', c.counter, dataDir]);
  assert.equal(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, /3 of 3 messages \(from position 2\) run/);
  assert.match(checked.stdout, /no difference/);

  const json = await runCli(['replay-check', c.counter, dataDir, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.component, sha256(readFileSync(c.counter)));
  assert.equal(report.messages, 3);
  assert.equal(report.checked, 3);
  assert.deepEqual(report.differences, []);
  assert.equal(report.head, sha256(readLines(dataDir).at(-1)!));
});

test('a changed component: exit 1 naming each message it answers differently by position and hash; --last N', async (t) => {
  const dataDir = tempDir(t);
  await makeChain(t, c.counter, dataDir, MESSAGES);
  const lines = readLines(dataDir);
  const forward = { position: 4, hash: sha256(lines[4]!) };

  // v2's migrate takes the counter's states over: the adds agree, the forward is refused.
  const checked = await runCli(['replay-check', c.v2, dataDir]);
  assert.equal(checked.code, 1);
  assert.match(checked.stdout, new RegExp(`position 4 \\(message ${forward.hash}\\): refused: message-contract refuses it, where the chain records it accepted`));
  assert.match(checked.stdout, /1 of 3 messages would be answered differently/);
  assert.match(checked.stderr, new RegExp(`REPLAY_DIFFERS: .*1 of the 3 messages.*position 4 \\(${forward.hash}\\)`));

  const json = JSON.parse((await runCli(['replay-check', c.v2, dataDir, '--json'])).stdout);
  assert.deepEqual(
    json.differences.map((d: { position: number; hash: string; kind: string }) => ({ position: d.position, hash: d.hash, kind: d.kind })),
    [{ ...forward, kind: 'refused' }],
  );

  // --last 1 runs only the last add.
  const last1 = await runCli(['replay-check', c.v2, dataDir, '--last', '1']);
  assert.equal(last1.code, 0, last1.stdout + last1.stderr);
  assert.match(last1.stdout, /1 of 3 messages \(from position 6\)/);
  const last2 = await runCli(['replay-check', c.v2, dataDir, '--last', '2', '--json']);
  assert.equal(last2.code, 1);
  assert.deepEqual(
    JSON.parse(last2.stdout).differences.map((d: { position: number }) => d.position),
    [4],
  );

  // v3 has no migrate: its handle reads "total" from the counter's {"count": n} states.
  const v3 = JSON.parse((await runCli(['replay-check', c.v3, dataDir, '--json'])).stdout);
  assert.deepEqual(
    v3.differences.map((d: { position: number; kind: string }) => [d.position, d.kind]),
    [
      [2, 'refused'],
      [4, 'refused'],
      [6, 'refused'],
    ],
  );
  assert.match(v3.differences[0].detail, /state-contract refuses the state handle returns: \{"total":null\}/);
});

test('upgrade --dry-run runs the replay report too: differences reported as information (exit 0), --last N, nothing changed', async (t) => {
  const dataDir = tempDir(t);
  await makeChain(t, c.counter, dataDir, MESSAGES);
  const before = readFileSync(chainFile(dataDir));
  const lines = readLines(dataDir);
  const forward = { position: 4, hash: sha256(lines[4]!) };

  const dry = await runCli(['upgrade', dataDir, c.v2, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  // stderr: the report as replay-check prints it, then the verdict on the upgrade.
  assert.match(dry.stderr, /^replay-check: 3 of 3 messages \(from position 2\) run through the component [0-9a-f]{64}\n/);
  assert.match(dry.stderr, new RegExp(`position 4 \\(message ${forward.hash}\\): refused: message-contract refuses it, where the chain records it accepted`));
  assert.match(
    dry.stderr,
    /1 of 3 messages would be answered differently\nupgrade --dry-run: the upgrade would be accepted \(the differences above are information: actorchain replay-check is the command that fails on them\)/,
  );
  // stdout: one JSON document, the upgrade's result with the report in it.
  const result = JSON.parse(dry.stdout);
  assert.equal(result['dry-run'], true);
  assert.deepEqual(result.state, { total: 5 });
  assert.equal(result['replay-check'].checked, 3);
  assert.deepEqual(
    result['replay-check'].differences.map((d: { position: number; hash: string; kind: string }) => ({ position: d.position, hash: d.hash, kind: d.kind })),
    [{ ...forward, kind: 'refused' }],
  );
  assert.deepEqual(readFileSync(chainFile(dataDir)), before, 'a dry run changes nothing');

  const last1 = await runCli(['upgrade', dataDir, c.v2, '--dry-run', '--last', '1']);
  assert.equal(last1.code, 0, last1.stderr);
  assert.match(last1.stderr, /1 of 3 messages \(from position 6\)[^\n]*\nno difference/);
  assert.deepEqual(JSON.parse(last1.stdout)['replay-check'].differences, []);

  // The upgrade itself refused: its coded refusal, as without --dry-run.
  const refused = await runCli(['upgrade', dataDir, c.v3, '--dry-run']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^actorchain: UPGRADE_STATE_REJECTED: /);
  const lastAlone = await runCli(['upgrade', dataDir, c.v2, '--last', '1']);
  assert.equal(lastAlone.code, 1);
  assert.match(lastAlone.stderr, /^actorchain: INVALID_OPTION: --last goes with --dry-run/);
  assert.deepEqual(readFileSync(chainFile(dataDir)), before);
});

test('from a runtime URL, across upgrades: each message from the state recorded before it', async (t) => {
  const dataDir = tempDir(t);
  await makeUpgradedChain(t, c, dataDir);
  const runtime = await startInProcess(t, c.v3, { dataDir });
  const lines = readLines(dataDir);

  // v3 answers v2's double and its own add as recorded; the counter's states it cannot read.
  const checked = await runCli(['replay-check', c.v3, runtime.url, '--json']);
  assert.equal(checked.code, 1, checked.stderr);
  const report = JSON.parse(checked.stdout);
  assert.equal(report.messages, 4);
  assert.deepEqual(
    report.differences.map((d: { position: number; hash: string; recordedBy: string }) => [d.position, d.hash, d.recordedBy]),
    [2, 4].map((p) => [p, sha256(lines[p]!), JSON.parse(lines[0]!).data['component-hash']]),
  );

  const last = await runCli(['replay-check', c.v3, runtime.url, '--last', '2']);
  assert.equal(last.code, 0, last.stdout + last.stderr);
  assert.match(last.stdout, /2 of 4 messages \(from position 8\)/);
});

test('bad input is a coded error: an unreadable source, a file that is not a component, a bad --last', async (t) => {
  const dir = tempDir(t);
  const missing = await runCli(['replay-check', c.counter, path.join(dir, 'nothing-here')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /actorchain: CHAIN_SOURCE_UNREADABLE: /);

  const notWasm = path.join(dir, 'not.wasm');
  writeFileSync(notWasm, 'hello');
  const bad = await runCli(['replay-check', notWasm, dir]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /actorchain: NOT_A_COMPONENT: /);

  const empty = path.join(dir, 'empty.ndjson');
  writeFileSync(empty, '');
  const nothing = await runCli(['replay-check', c.counter, empty]);
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /^actorchain: CHAIN_CORRUPT: \S+empty\.ndjson has no whole entries: nothing to run\n$/);

  const last = await runCli(['replay-check', c.counter, dir, '--last', '0']);
  assert.match(last.stderr, /actorchain: INVALID_OPTION: --last must be an integer from 1/);
});

test('a new component that never returns on a recorded message is stopped after --timeout, the message named', async (t) => {
  const [echo, faults] = await Promise.all([buildFixture('echo'), buildFixture('faults')]);
  const dataDir = tempDir(t);
  // echo records any object; faults loops for ever in handle on this one.
  await makeChain(t, echo, dataDir, [{ n: 1 }, { fault: 'handle:spin' }]);
  // --timeout also bounds each read of the data dir: 300 ms was not always enough on a loaded machine.
  const stuck = await runCli(['replay-check', faults, dataDir, '--timeout', '2000']);
  assert.equal(stuck.code, 1);
  assert.match(stuck.stderr, /actorchain: COMPONENT_TIMEOUT: the new component made no progress for 2000 ms \(--timeout\) on the message at position 4; it was stopped/);
});
