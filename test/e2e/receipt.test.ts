import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { forgeAndRelink, readLines, tempDir, writeLines } from '../support/chain-file.js';
import { postJson, runCli } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';

interface Receipt {
  index: number;
  hash: string;
  checkpoint: string;
  proof: string[];
}

function sha256(bytes: string | Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** RFC 6962 MTH, written out recursively (not the runtime's code): the root a checkpoint must sign. */
function merkleRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.concat([Buffer.from([1]), merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k))]));
}

test('every 200 carries a receipt: a signed checkpoint of the durable tree and the inclusion proof of the state entry', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  const runtime = await startInProcess(t, component, { dataDir, origin: 'example.com/receipts' });
  const identity = (await (await fetch(`${runtime.url}/identity`)).json()) as { origin: string; key: string; genesis: string };
  assert.equal(identity.origin, 'example.com/receipts');
  assert.match(identity.key, /^example\.com\/receipts\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
  assert.equal(statSync(path.join(dataDir, 'identity.key')).mode & 0o777, 0o600);

  const replies = [];
  for (let i = 0; i < 5; i++) replies.push((await postJson(runtime.url, { n: i })).body as { head: string; receipt: Receipt });
  const lines = readLines(dataDir);
  const genesis = JSON.parse(lines[0]!) as { data: Record<string, unknown> };
  assert.equal(genesis.data.key, identity.key, "the genesis records the runtime's verifier key");
  assert.equal(identity.genesis, sha256(lines[0]!).toString('hex'));

  const receipt = replies[2]!.receipt;
  assert.equal(receipt.index, 7, 'the state entry of the third message');
  assert.equal(receipt.hash, replies[2]!.head);
  const [origin, size, root] = receipt.checkpoint.split('\n');
  assert.equal(origin, 'example.com/receipts');
  assert.ok(Number(size) >= 8);
  const leaves = lines.slice(0, Number(size)).map((line) => sha256(Buffer.concat([Buffer.from([0]), Buffer.from(line)])));
  assert.equal(root, merkleRoot(leaves).toString('base64'), 'the signed root is the RFC 6962 root of the entries');
  assert.match(receipt.checkpoint, /\n\n— example\.com\/receipts [A-Za-z0-9+/]+=*\n$/);

  const checkpoint = await (await fetch(`${runtime.url}/checkpoint`)).text();
  assert.ok(checkpoint.startsWith(`example.com/receipts\n${lines.length}\n`), 'GET /checkpoint signs every durable entry');

  const file = path.join(dataDir, '..', `${path.basename(dataDir)}-receipt.json`);
  t.after(() => rmSync(file, { force: true }));
  writeFileSync(file, JSON.stringify(replies[2]));
  const checked = await runCli(['receipt', 'check', file, runtime.url]);
  assert.equal(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, /inclusion: entry [0-9a-f]{64} is leaf 7/);
  assert.match(checked.stdout, /receipt ok/);

  // A receipt whose proof was tampered with does not check.
  const tampered = { ...receipt, proof: [...receipt.proof].reverse() };
  writeFileSync(file, JSON.stringify(tampered));
  const refused = await runCli(['receipt', 'check', file, runtime.url]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /RECEIPT_INVALID/);

  // Proof endpoints: coded 4xx beyond the durable tree.
  const beyond = await fetch(`${runtime.url}/proof/inclusion?index=0&size=${lines.length + 1}`);
  assert.equal(beyond.status, 400);
  assert.equal(((await beyond.json()) as { error: { code: string } }).error.code, 'PROOF_OUT_OF_RANGE');
  const outOfRange = await fetch(`${runtime.url}/proof/inclusion?index=${lines.length}&size=${lines.length}`);
  assert.equal(outOfRange.status, 400);
});

test('a runtime that rewrites its history and re-signs it with the same key is caught by receipt check (CHAIN_EQUIVOCATED)', async (t) => {
  const component = await buildFixture('echo');
  const dataDir = tempDir(t);
  const honest = await startInProcess(t, component, { dataDir });
  const replies = [];
  for (const pay of [100, 200, 300]) replies.push((await postJson(honest.url, { pay })).body as { receipt: Receipt });
  await honest.close();
  const file = path.join(dataDir, 'receipt.json');
  writeFileSync(file, JSON.stringify(replies[1]));
  const fromDir = await runCli(['receipt', 'check', file, dataDir]);
  assert.equal(fromDir.code, 0, `a data dir is a source too: ${fromDir.stderr}`);

  // The operator rewrites the second payment, re-seals every hash after it, drops the tree and
  // the reopen checkpoint, and restarts with the same identity key: a chain that verifies.
  const lines = readLines(dataDir);
  writeLines(dataDir, forgeAndRelink(lines, 4, { message: { pay: 2 } }));
  for (const name of ['tree.hashes', 'tree.head', 'tree.checkpoint', 'checkpoint', 'checkpoint.hashes']) rmSync(path.join(dataDir, name), { force: true });
  const liar = await startInProcess(t, component, { dataDir });
  await postJson(liar.url, { pay: 400 });

  const caught = await runCli(['receipt', 'check', file, liar.url]);
  assert.equal(caught.code, 1);
  assert.match(caught.stderr, /CHAIN_EQUIVOCATED/);
  // Both signed notes are printed: the evidence, checkable without trusting either side.
  const notes = caught.stderr.match(/— actorchain\/[0-9a-f]{16} [A-Za-z0-9+/]+=*/g) ?? [];
  assert.equal(notes.length, 2, caught.stderr);
  assert.ok(caught.stderr.includes(replies[1]!.receipt.checkpoint), "the receipt's own checkpoint is printed");
});

test('receipt check without a source checks the signature with --key; a wrong key is RECEIPT_INVALID', async (t) => {
  const component = await buildFixture('echo');
  const runtime = await startInProcess(t, component);
  const reply = (await postJson(runtime.url, { a: 1 })).body as { receipt: Receipt };
  const { key } = (await (await fetch(`${runtime.url}/identity`)).json()) as { key: string };
  const dir = tempDir(t);
  const file = path.join(dir, 'r.json');
  writeFileSync(file, JSON.stringify(reply.receipt));
  const ok = await runCli(['receipt', 'check', file, '--key', key]);
  assert.equal(ok.code, 0, ok.stderr);
  const other = await startInProcess(t, component);
  const { key: otherKey } = (await (await fetch(`${other.url}/identity`)).json()) as { key: string };
  const wrong = await runCli(['receipt', 'check', file, '--key', otherKey]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /RECEIPT_INVALID/);
});
