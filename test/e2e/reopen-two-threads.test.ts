/**
 * A long chain without a checkpoint is checked on two threads: a hash thread hashes every line
 * while the main thread checks the rest and compares the parents each line names with those
 * hashes. Whatever the file holds, the outcome must be exactly the one-thread check's: the
 * same entries, head, state, keys and sends, the same tail cut, the same error for a fault.
 * Here each chain is opened both ways and the outcomes compared; then one long chain goes
 * through a real runtime (started in process, as `actorchain run` starts one), where the two
 * threads start by themselves, and through the verify command.
 */
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { openFileStore } from '../../src/chain/recovery.js';
import { ActorchainError } from '../../src/errors.js';
import { readLines, tempDir, writeEchoChain, writeLines } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { getJson, runCli, sha256 } from '../support/runtime.js';

// Enough entries for a checkpoint to be kept (10,000), few enough to make in a moment.
const PAIRS = 5500;

interface Made {
  component: string;
  hash: string;
  dataDir: string;
}

/** A chain as the runtime writes it for the echo actor, with a key and a send here and there. */
function makeChain(t: TestContext, pairs = PAIRS): Promise<Made> {
  return writeEchoChain(t, pairs, (n) => ({
    message: `{"greeting":"hello, chain","n":${n}}`,
    key: n % 400 === 3 ? `key-${n}` : undefined,
    sends: n % 500 === 7 ? [{ to: 'http://127.0.0.1:9/', message: { n } }] : [],
  }));
}

/** What a start finds, reduced to what a user could observe; or the error it refuses with. */
async function outcome(dataDir: string, hash: string, twoThreadsFromBytes: number) {
  const warnings: string[] = [];
  const sends: string[] = [];
  try {
    const opened = await openFileStore(dataDir, {
      componentHash: hash,
      fsync: 'never',
      twoThreadsFromBytes,
      onWarning: (message) => warnings.push(message),
      onSends: (stateHash, list) => sends.push(`${stateHash} ${JSON.stringify(list)}`),
    });
    const { store } = opened;
    const result = {
      recovered: opened.recovered,
      checkedLines: opened.checkedLines,
      head: store.head,
      state: opened.state?.canonical,
      keys: [...opened.keys],
      sends,
      warnings,
      // The index answers by hash and by position alike.
      positionOfHead: store.head === null ? undefined : store.indexOf(store.head),
      hashOfFirstMessage: store.length > 2 ? store.hashAt(2) : undefined,
    };
    const threads = opened.checkThreads;
    await store.close();
    return { threads, result };
  } catch (err) {
    assert.ok(err instanceof ActorchainError, `expected an ActorchainError, got ${String(err)}`);
    return { threads: undefined, result: { code: err.code, message: err.message, warnings } };
  }
}

/** Open a copy of the chain, altered by `change`, on one thread and on two; both must agree. */
async function bothWays(t: TestContext, made: Made, change: (lines: string[]) => string[] | void, tail = '') {
  const copies = ['one', 'two'].map((name) => {
    const dir = path.join(tempDir(t), name);
    cpSync(made.dataDir, dir, { recursive: true });
    for (const file of ['checkpoint', 'checkpoint.hashes']) rmSync(path.join(dir, file), { force: true });
    const lines = readLines(dir);
    writeLines(dir, change(lines) ?? lines);
    if (tail) appendFileSync(path.join(dir, 'chain.ndjson'), tail);
    return dir;
  });
  // Messages name the file: the copies' names differ, nothing else may.
  const named = (dir: string, found: Awaited<ReturnType<typeof outcome>>) => JSON.parse(JSON.stringify(found).replaceAll(dir, '<data dir>')) as typeof found;
  const one = named(copies[0]!, await outcome(copies[0]!, made.hash, Infinity));
  const two = named(copies[1]!, await outcome(copies[1]!, made.hash, 0));
  assert.deepEqual(two.result, one.result, 'two threads found what one thread found');
  return { one, two };
}

test('a sound chain: the same entries, head, state, keys and sends on two threads as on one', async (t) => {
  const made = await makeChain(t);
  const { one, two } = await bothWays(t, made, () => {});
  assert.equal(two.threads, 2, 'the hash thread did the hashing');
  assert.equal(one.threads, 1);
  const result = one.result as { recovered: number; checkedLines: number; keys: unknown[]; sends: unknown[]; state: string };
  assert.equal(result.recovered, 2 + 2 * PAIRS);
  assert.equal(result.checkedLines, 2 + 2 * PAIRS);
  assert.equal(result.keys.length, Math.ceil((PAIRS - 3) / 400));
  assert.equal(result.sends.length, Math.ceil((PAIRS - 7) / 500));
  assert.equal(result.state, `{"greeting":"hello, chain","n":${PAIRS - 1}}`);
});

test('the checkpoint written after a two-thread start is sound: the next start checks no line', async (t) => {
  const made = await makeChain(t);
  for (const file of ['checkpoint', 'checkpoint.hashes']) rmSync(path.join(made.dataDir, file), { force: true });
  const first = await openFileStore(made.dataDir, { componentHash: made.hash, fsync: 'never', twoThreadsFromBytes: 0, onWarning: () => {} });
  assert.equal(first.checkThreads, 2);
  await first.store.close();
  const warnings: string[] = [];
  const second = await openFileStore(made.dataDir, { componentHash: made.hash, fsync: 'never', onWarning: (m) => warnings.push(m) });
  assert.deepEqual({ checkedLines: second.checkedLines, recovered: second.recovered, warnings }, { checkedLines: 0, recovered: 2 + 2 * PAIRS, warnings: [] });
  assert.equal(second.store.head, first.store.head);
  await second.store.close();
});

test('faults are reported, and torn tails cut, exactly as on one thread', async (t) => {
  const made = await makeChain(t);
  const cases: Array<[string, (lines: string[]) => void, string?, boolean?]> = [
    // A message changed: the state after it names the old hash.
    // Line 2002 is the message {"n":1000}.
    ['an altered message', (lines) => void (lines[2002] = lines[2002]!.replace('"n":1000}', '"n":1001}'))],
    // The parent a line names, changed.
    ['an altered parent', (lines) => void (lines[3000] = lines[3000]!.replace(/"parent":"[0-9a-f]/, '"parent":"z'))],
    ['a parent that is not a string', (lines) => void (lines[3000] = lines[3000]!.replace(/"parent":"[0-9a-f]{64}"/, '"parent":7'))],
    ['a line that is not JSON', (lines) => void (lines[4000] = lines[4000]!.slice(0, 40))],
    ['a line out of canonical form', (lines) => void (lines[4001] = lines[4001]!.replace('{"data":', '{ "data":'))],
    ['a member too many', (lines) => void (lines[1500] = lines[1500]!.replace('},"parent":', '},"extra":1,"parent":'))],
    ['a genesis naming a parent', (lines) => void (lines[0] = lines[0]!.replace('"parent":null', `"parent":"${'0'.repeat(64)}"`))],
    ['two lines swapped', (lines) => void ([lines[10], lines[12]] = [lines[12]!, lines[10]!])],
    ['a message where a state must be', (lines) => void (lines[5] = lines[4]!)],
    ['the last state removed: its message is cut', (lines) => void lines.pop()],
    // Nothing names the head: a start cannot tell (a replay can), on either path.
    ['the last state altered', (lines) => void (lines[lines.length - 1] = lines.at(-1)!.replace('"n":', '"m":')), '', false],
    ['a torn last line', () => {}, '{"data":{"message":{"n":'],
    ['a last line without its newline', () => {}, `{"data":{"message":{"n":1}},"parent":"${'a'.repeat(64)}"}`],
  ];
  for (const [name, change, tail, noticed = true] of cases) {
    await t.test(name, async (st) => {
      const { one } = await bothWays(st, made, change, tail);
      assert.equal('code' in one.result || one.result.warnings.length > 0, noticed, 'the fault was noticed');
    });
  }
  await t.test('a message left without its state, linked right, is cut', async (st) => {
    const lines = readLines(made.dataDir);
    const pending = `{"data":{"message":{"n":"x"}},"parent":"${sha256(lines.at(-1)!)}"}\n`;
    const { one } = await bothWays(st, made, () => {}, pending);
    assert.equal((one.result as { recovered: number }).recovered, 2 + 2 * PAIRS);
    assert.match(one.result.warnings[0]!, /with no state after it/);
  });
  await t.test('a message left without its state, linked wrong, is refused', async (st) => {
    const pending = `{"data":{"message":{"n":"x"}},"parent":"${'b'.repeat(64)}"}\n`;
    const { one } = await bothWays(st, made, () => {}, pending);
    assert.equal((one.result as { code: string }).code, 'CHAIN_CORRUPT');
  });
});

test('the real runtime checks a long chain on two threads and serves it', async (t) => {
  // 8 MiB of lines: where a start takes the second thread. No sends: verify replays it below.
  const made = await writeEchoChain(t, 36_000, (n) => ({ message: `{"greeting":"hello, chain","n":${n}}`, key: n % 400 === 3 ? `key-${n}` : undefined, sends: [] }));
  for (const file of ['checkpoint', 'checkpoint.hashes']) rmSync(path.join(made.dataDir, file), { force: true });
  const lines = readLines(made.dataDir);
  const runtime = await startInProcess(t, made.component, { dataDir: made.dataDir });
  const resumed = runtime.logs.find((l) => String(l.msg).startsWith('chain resumed'))!;
  assert.deepEqual({ linesChecked: resumed.linesChecked, checkThreads: resumed.checkThreads }, { linesChecked: lines.length, checkThreads: 2 });
  assert.deepEqual((await getJson(`${runtime.url}/head`)).body, { head: sha256(lines.at(-1)!), length: lines.length, durable: true });
  assert.deepEqual((await getJson(`${runtime.url}/state`)).body.state, { greeting: 'hello, chain', n: 35_999 });
  await runtime.close();
  assert.deepEqual(await runtime.stopped, { exitCode: 0 });
  // verify takes the second thread for a file this long too (a shorter one is checked as it is read).
  const verified = await runCli(['verify', made.component, made.dataDir]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, new RegExp(`^verified ${lines.length} entries, head ${sha256(lines.at(-1)!)}`));
});
