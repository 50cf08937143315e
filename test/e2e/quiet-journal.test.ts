import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import canonicalize from 'canonicalize';
import { buildFixture } from '../../fixtures/build.js';
import { makeChain, readLines, tempDir, writeLines } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { postJson, runCli, sha256 } from '../support/runtime.js';

type Record_ = [string, ...Array<string | number>];
interface Entry {
  parent: string | null;
  data: { state?: unknown; journal?: Record_[] };
}

/** Every line's data through `change`, re-hashed and re-linked from the first line on. */
function rewrite(lines: readonly string[], change: (data: Entry['data']) => Entry['data']): string[] {
  const out: string[] = [];
  let parent: string | null = null;
  for (const line of lines) {
    const entry = JSON.parse(line) as Entry;
    const next: string = canonicalize({ data: change(entry.data), parent })!;
    out.push(next);
    parent = sha256(next);
  }
  return out;
}

/** The journal as chains wrote it before counts: one record per read. */
const oneRecordPerRead = (data: Entry['data']): Entry['data'] =>
  data.journal === undefined
    ? data
    : { ...data, journal: data.journal.flatMap((r) => (r[0] === 'mn' && r.length === 3 ? Array.from({ length: r[2] as number }, () => [r[0], r[1]!] as Record_) : [r])) };

// counter (componentize-js) reads no clock itself; its engine reads the monotonic clock about
// twenty times a message.
test("the counter's state entries carry at most 100 bytes of journal, and replay exactly", async (t) => {
  const component = await buildFixture('counter');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ add: 1 }, { add: 2 }, { add: 3 }, { add: 4 }]);
  const lines = readLines(dataDir);
  for (const [i, line] of lines.entries()) {
    const entry = JSON.parse(line) as Entry;
    if (entry.data.journal === undefined) continue;
    const reads = entry.data.journal.filter((r) => r[0] === 'mn').reduce((n, r) => n + (r.length === 3 ? (r[2] as number) : 1), 0);
    assert.ok(reads >= 5, `line ${i + 1}: the engine's reads are all journaled (${reads})`);
    const { journal: _journal, ...quiet } = entry.data;
    const without: string = canonicalize({ data: quiet, parent: entry.parent })!;
    assert.ok(line.length - without.length <= 100, `line ${i + 1}: ${line.length - without.length} bytes of journal: ${line}`);
  }
  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 0, verified.stderr);

  // A count that says one read more than the component makes diverges.
  const padded = rewrite(lines, (data) =>
    data.journal === undefined
      ? data
      : { ...data, journal: data.journal.map((r) => (r[0] === 'mn' && r.length === 3 ? ([r[0], r[1]!, (r[2] as number) + 1] as Record_) : r)) },
  );
  const forgedDir = tempDir(t);
  writeLines(forgedDir, padded);
  const diverged = await runCli(['verify', component, forgedDir]);
  assert.equal(diverged.code, 1);
  assert.match(diverged.stderr, /CHAIN_DIVERGED: .*uses \d+ of the values journal value \d+ records/);
});

test('a chain in the old journal form (one record per read) still verifies and resumes', async (t) => {
  const component = await buildFixture('counter');
  const dataDir = tempDir(t);
  await makeChain(t, component, dataDir, [{ add: 1 }, { add: 2 }]);
  const old = rewrite(readLines(dataDir), oneRecordPerRead);
  assert.ok(
    old.some((line) => /\["mn","\d+"\],\["mn","\d+"\]/.test(line)),
    'the rewritten chain has one record per read',
  );
  // The checkpoints (reopen and signed) describe the chain as it was written; the old chain goes without them.
  for (const name of ['checkpoint', 'checkpoint.hashes', 'tree.hashes', 'tree.head', 'tree.checkpoint']) rmSync(path.join(dataDir, name), { force: true });
  writeLines(dataDir, old);

  const verified = await runCli(['verify', component, dataDir]);
  assert.equal(verified.code, 0, verified.stderr);
  // Resumed by a runtime in process; the chain it leaves is checked by the verify command.
  const runtime = await startInProcess(t, component, { dataDir });
  const added = await postJson(runtime.url, { add: 4 });
  assert.equal(added.status, 200);
  assert.deepEqual(added.body.state, { count: 7 });
  await runtime.close();
  const again = await runCli(['verify', component, dataDir]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^verified 8 entries/);
});
