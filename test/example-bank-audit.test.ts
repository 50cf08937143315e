import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, test } from 'node:test';
import { buildOk, BUILD_TIMEOUT_MS, fileTempDir, REPO } from './support/build.js';
import { fetchChain, getJson, postJson, runCli, startRuntime } from './support/runtime.js';

// examples/bank-audit: two actors built with `actorchain build`, talking through send.
const dir = fileTempDir();
const bank = path.join(dir, 'bank.wasm');
const audit = path.join(dir, 'audit.wasm');
/** `run --allow-send <origin>` where the runtime restricts sends (sends are open without it). */
let allowSendFlag = false;

before(async () => {
  await Promise.all([buildOk(path.join(REPO, 'examples/bank-audit/bank.ts'), bank), buildOk(path.join(REPO, 'examples/bank-audit/audit.js'), audit)]);
  allowSendFlag = (await runCli(['run', '--help'])).stdout.includes('--allow-send');
}, { timeout: BUILD_TIMEOUT_MS });

test('the bank reports each committed transfer to the audit log, and both chains verify', async (t) => {
  const auditLog = await startRuntime(t, audit);
  const bankRuntime = await startRuntime(t, bank, allowSendFlag ? ['--allow-send', new URL(auditLog.url).origin] : []);
  const post = async (message: unknown, status = 200) => {
    const reply = await postJson(bankRuntime.url, message);
    assert.equal(reply.status, status, `${JSON.stringify(message)}: ${JSON.stringify(reply.body)}`);
    return reply;
  };

  await post({ open: 'alice' });
  await post({ open: 'bob' });
  await post({ deposit: { to: 'alice', amount: 100 } });
  await post({ transfer: { from: 'alice', to: 'bob', amount: 30 } }, 422); // no audit log yet
  await post({ audit: `${auditLog.url}/` });
  const transfer = await post({ transfer: { from: 'alice', to: 'bob', amount: 30 } });
  assert.deepEqual(transfer.body.state.accounts, { alice: 70, bob: 30 });
  await post({ transfer: { from: 'bob', to: 'alice', amount: 500 } }, 422); // overdraft

  const record = { from: 'alice', to: 'bob', amount: 30 };
  const { entries } = await fetchChain(bankRuntime.url);
  assert.deepEqual(entries.at(-1)!.data.sends, [{ to: `${auditLog.url}/`, message: { record } }], 'the send is in the bank\'s chain');

  let records: unknown;
  for (let i = 0; i < 100; i++) {
    records = (await getJson(`${auditLog.url}/state`)).body.state.records;
    if (Array.isArray(records) && records.length > 0) break;
    await sleep(50);
  }
  assert.deepEqual(records, [record]);

  for (const [component, runtime] of [[bank, bankRuntime], [audit, auditLog]] as const) {
    const verified = await runCli(['verify', component, runtime.url]);
    assert.equal(verified.code, 0, verified.stderr);
  }
});
