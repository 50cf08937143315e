import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { forgeAndRelink, makeChain, readLines, tempDir, writeLines } from '../support/chain-file.js';
import { runCli, sha256 } from '../support/runtime.js';

type Journal = Array<[string, ...Array<string | number>]>;

/*
 * clock-random (fixtures/actors/clock-random.wat) imports wasi:clocks and wasi:random
 * directly: message-contract reads the monotonic clock; handle reads the wall clock, 4
 * random bytes, the monotonic clock and a random u64, and returns them as its state.
 */
test('a component importing wasi:clocks and wasi:random directly: what it read is journaled in order, and is what it was served', async (t) => {
  const component = await buildFixture('clock-random');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ n: 1 }, { n: 2 }]);
  const [, init, , first] = readLines(dataDir).map((line) => JSON.parse(line).data as { state: Record<string, unknown>; journal: Journal });

  assert.deepEqual(
    init!.journal.map(([tag]) => tag),
    ['wn'],
  );
  assert.equal(String(init!.state.t), init!.journal[0]![1]);
  assert.ok(Math.abs(Number(init!.state.t) - Date.now() / 1000) < 120, 'the host clock');

  const { state, journal } = first!;
  assert.deepEqual(
    journal.map(([tag]) => tag),
    ['mn', 'wn', 'rb', 'mn', 'ru'],
  );
  assert.equal(String(state.t), journal[1]![1]);
  assert.equal(state.b, Buffer.from(journal[2]![1] as string, 'base64').readUInt32LE(0));
  assert.equal(String(state.m), journal[3]![1]);
  assert.equal(state.r, journal[4]![1], 'a u64 is kept exactly, as a string');

  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 0, verified.stderr);
});

test('verify names the entry where the component asks for another value, for more values, or leaves values unused', async (t) => {
  const component = await buildFixture('clock-random');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ n: 1 }, { n: 2 }]);
  const lines = readLines(dataDir);
  const data = JSON.parse(lines[3]!).data as { state: unknown; journal: Journal };
  const [mn, wn, rb, mn2, ru] = data.journal;

  const cases: Array<[string, Journal, RegExp]> = [
    ['a value altered', [mn!, wn!, rb!, mn2!, ['ru', '12345']], /the state differs from the replay: expected \{.*"r":"12345".*\} \(what handle returns\)/],
    ['a value missing', [mn!, wn!, rb!, mn2!], /the component asks for a random u64, but the journal records no more values \(it holds 4\)/],
    ['a value too many', [mn!, wn!, rb!, mn2!, ru!, ['ru', '1']], /the component leaves 1 recorded value unused, from journal value 6: \["ru","1"\]/],
    ['two values swapped', [mn!, rb!, wn!, mn2!, ru!], /the component asks for the wall clock where the chain records \["rb",.*\] \(journal value 2\)/],
    [
      'other bytes',
      [mn!, wn!, ['rb', Buffer.alloc(8).toString('base64')], mn2!, ru!],
      /the component asks for 4 random bytes where the chain records 8 \(journal value 3\)/,
    ],
    ['a malformed value', [mn!, wn!, rb!, mn2!, ['ru', '-1']], /the component asks for a random u64, but journal value 5 \["ru","-1"\] is not a valid one/],
  ];
  for (const [what, journal, expected] of cases) {
    const forged = forgeAndRelink(lines, 3, { ...data, journal });
    writeLines(dataDir, forged);
    const verified = await runCli(['verify', component, dataDir]);
    assert.equal(verified.code, 1, what);
    assert.match(verified.stderr, new RegExp(`CHAIN_DIVERGED: line 4 \\(hash ${sha256(forged[3]!)}\\): `), what);
    assert.match(verified.stderr, expected, what);
  }
});
