/**
 * Issue 22, 4: deliveries.ndjson is derived state, and a line that does not match the chain
 * must never make a send count as done; a deliveries.ndjson that cannot be read is a coded error.
 * The sender runs in this process (the API); the refused start stays on the CLI, whose exit code
 * and stderr it checks.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { tempDir } from '../support/chain-file.js';
import { metric, target, waitFor, startSenderInProcess } from '../support/outbox.js';
import { postJson, runCli } from '../support/runtime.js';

/** A sender on `dataDir` whose allowSend lists the origins of `targets` (support/outbox.ts's startSender, in process). */

const delivered = (url: string, n: number) => async () => ((await metric(url, 'actorchain_sends_total{outcome="delivered"}')) === n ? true : undefined);

test('a deliveries.ndjson line naming an entry the chain does not have is ignored with a warning: the sends go out again', async (t) => {
  const ledger = await buildFixture('ledger');
  const dataDir = tempDir(t);
  const server = await target(t, () => 200);
  let sender = await startSenderInProcess(t, ledger, [server.url], { dataDir });
  const heads: string[] = [];
  for (const i of [1, 2]) heads.push((await postJson(sender.url, { send: [{ to: server.url, message: { append: i } }] })).body.head);
  await waitFor('both delivered', delivered(sender.url, 2));
  await sender.close();

  // One hex digit of the cursor's entry changed: it names nothing in this chain.
  const file = path.join(dataDir, 'deliveries.ndjson');
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  const last = JSON.parse(lines.at(-1)!) as { entry: string };
  assert.equal(last.entry, heads[1]);
  const altered = last.entry.slice(0, -1) + (last.entry.endsWith('0') ? '1' : '0');
  writeFileSync(file, [...lines.slice(0, -1), JSON.stringify({ ...last, entry: altered })].join('\n') + '\n');

  sender = await startSenderInProcess(t, ledger, [server.url], { dataDir });
  assert.ok(sender.logs.some((l) => l.level === 40 && /deliveries\.ndjson names deliveries this chain does not record: those lines are ignored/.test(String(l.msg))));
  await waitFor('delivered again', delivered(sender.url, 2));
  assert.deepEqual(
    server.received.map((r) => r.key),
    [`${heads[0]}/0`, `${heads[1]}/0`, `${heads[0]}/0`, `${heads[1]}/0`],
    'at worst twice (the same keys), never zero times',
  );
  await sender.close();
  // The ignored line was dropped from the record: the next start owes nothing.
  assert.ok(!readFileSync(file, 'utf8').includes(altered));
  assert.equal(JSON.parse((await runCli(['inspect', dataDir])).stdout)['pending-sends'], 0);
});

test('a deliveries.ndjson that is a directory is refused with DELIVERY_RECORD_UNREADABLE', async (t) => {
  const dataDir = tempDir(t);
  const echo = await buildFixture('echo');
  mkdirSync(path.join(dataDir, 'deliveries.ndjson'), { recursive: true });
  const run = await runCli(['run', echo, '--listen', '127.0.0.1:0', '--data-dir', dataDir]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^actorchain: DELIVERY_RECORD_UNREADABLE: .*deliveries\.ndjson cannot be read \(EISDIR/m);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});
