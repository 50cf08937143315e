import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { forgeAndRelink, readLines, tempDir, writeLines } from '../support/chain-file.js';
import { fetchChain, postJson, runCli, sha256, startRuntime } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';
import { verifies } from '../support/verify.js';

type Journal = Array<[string, ...Array<string | number>]>;
interface Seen {
  date: number;
  perf: number;
  random: number;
  bytes: string;
}
interface ObserverState {
  n: number;
  calls: number;
  seen: Seen;
}

/*
 * The observer (fixtures/actors/observer.js, componentize-js with default features) reads
 * Date.now(), performance.now(), Math.random() and crypto.getRandomValues() in init, both
 * contracts and handle, and writes a module-level count of its calls into its state. Without
 * the journal and the fresh-instance rule, verify diverges at the init entry already.
 */
test('an actor that reads clocks and random everywhere replays exactly, through refusals, a trap, a timeout and kill -9 with resume', async (t) => {
  const component = await buildFixture('observer');
  const dataDir = tempDir(t);
  const args = ['--data-dir', dataDir, '--timeout', '1500'];

  let runtime = await startRuntime(t, component, args);
  const started = Date.now();
  const expect = async (message: unknown, status: number, code?: string) => {
    const reply = await postJson(runtime.url, message);
    assert.equal(reply.status, status, `${JSON.stringify(message)}: ${JSON.stringify(reply.body)}`);
    if (code !== undefined) assert.equal(reply.body.error.code, code);
    return reply.body;
  };
  const first = await expect({ add: 1 }, 200);
  assert.equal(first.state.calls, 4, 'init, its state-contract, message-contract and handle ran on one instance');
  await expect({ refuse: true }, 422, 'MESSAGE_REJECTED');
  const afterRefusal = await expect({ add: 2 }, 200);
  assert.equal(afterRefusal.state.calls, 2, 'a fresh instance: the refused call left no trace');
  await expect({ 'reject-state': true }, 500, 'STATE_REJECTED');
  await expect({ trap: true }, 500, 'COMPONENT_TRAP');
  await expect({ add: 3 }, 200);
  await expect({ add: 4 }, 200);
  await expect({ spin: true }, 504, 'COMPONENT_TIMEOUT');
  await expect({ add: 5 }, 200);
  runtime.child.kill('SIGKILL');
  await runtime.exited;

  runtime = await startRuntime(t, component, args);
  const resumed = await expect({ add: 6 }, 200);
  assert.equal(resumed.state.n, 21);

  // What a user reads in the chain: real values, and where a fresh instance began.
  const { entries } = await fetchChain(runtime.url);
  const states = entries.filter((_, i) => i % 2 === 1).map((e) => e.data as { state: ObserverState; journal?: Journal });
  assert.deepEqual(
    states.map((s) => s.journal?.[0]?.[0] === 'new'),
    [false, false, true, true, false, true, true],
    'the marker: after the refusal, after the refused state and the trap, after the timeout, after the restart',
  );
  for (const { state, journal } of states) {
    assert.ok(Math.abs(state.seen.date - started) < 120_000, 'the host wall clock');
    const seconds = String(Math.floor(state.seen.date / 1000));
    assert.ok(
      journal!.some(([tag, s]) => tag === 'wn' && s === seconds),
      `the wall clock read handle stored is in the journal: ${JSON.stringify(journal)}`,
    );
  }
  const randoms = new Set(states.map((s) => s.state.seen.random));
  assert.equal(randoms.size, states.length, 'Math.random() gives a new number every time');

  await verifies(runtime.url, { component });
  await runtime.stop();

  assert.equal((await verifies(dataDir, { component })).entries, 14);
  const exported = await runCli(['export', dataDir]);
  const file = path.join(tempDir(t), 'copy.ndjson');
  writeFileSync(file, exported.stdout);
  await verifies(file, { component });
});

test('a journal value or a state altered and re-hashed is caught at that entry', async (t) => {
  const component = await buildFixture('observer');
  const dataDir = tempDir(t);
  const runtime = await startInProcess(t, component, { dataDir });
  for (const message of [{ add: 1 }, { refuse: true }, { add: 2 }]) await postJson(runtime.url, message);
  await runtime.close();
  const lines = readLines(dataDir);
  assert.equal(lines.length, 6);
  // Line 6: the state after {"add":2}, on a fresh instance.
  const data = JSON.parse(lines[5]!).data as { state: ObserverState; journal: Journal };

  // The wall clock handle read (message-contract, handle and state-contract each read it once), a minute later.
  const clocks = data.journal.flatMap(([tag], i) => (tag === 'wn' ? [i] : []));
  assert.equal(clocks.length, 3);
  const at = clocks[1]!;
  assert.equal(data.journal[at]![1], String(Math.floor(data.state.seen.date / 1000)));
  const journal = data.journal.map((record, i) => (i === at ? ['wn', String(Number(record[1]) + 60), record[2]] : record));
  const forgedClock = forgeAndRelink(lines, 5, { ...data, journal });
  writeLines(dataDir, forgedClock);
  await assert.rejects(verifies(dataDir, { component }), {
    code: 'CHAIN_DIVERGED',
    message: new RegExp(`^line 6 \\(hash ${sha256(forgedClock[5]!)}\\): the state differs from the replay`),
  });

  const forgedState = forgeAndRelink(lines, 5, { ...data, state: { ...data.state, calls: 1 } });
  writeLines(dataDir, forgedState);
  await assert.rejects(verifies(dataDir, { component }), {
    code: 'CHAIN_DIVERGED',
    message: new RegExp(`^line 6 \\(hash ${sha256(forgedState[5]!)}\\): the state differs from the replay: expected \\{"calls":2,`),
  });

  // Without the marker the replay continues the instance that ran {"add":1}: its hidden count differs.
  const unmarked = forgeAndRelink(lines, 5, { ...data, journal: data.journal.slice(1) });
  writeLines(dataDir, unmarked);
  await assert.rejects(verifies(dataDir, { component }), { code: 'CHAIN_DIVERGED', message: new RegExp(`^line 6 \\(hash ${sha256(unmarked[5]!)}\\)`) });
});
