import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { BUILD_TIMEOUT_MS, builtActor } from '../support/build.js';
import { fetchChain, getJson, postJson, runCli, startRuntime } from '../support/runtime.js';
import { startInProcess } from '../support/in-process.js';
import { verifies } from '../support/verify.js';
import { waitFor } from '../support/wait.js';

// examples/bank-audit: two actors built with `actorchain build`, talking through send.
let bank: string;
let audit: string;
/** `run --allow-send <origin>` where the runtime restricts sends (sends are open without it). */
let allowSendFlag = false;

before(
  async () => {
    [bank, audit] = await Promise.all([builtActor('examples/bank-audit/bank.ts'), builtActor('examples/bank-audit/audit.js')]);
    allowSendFlag = (await runCli(['run', '--help'])).stdout.includes('--allow-send');
  },
  { timeout: BUILD_TIMEOUT_MS },
);

test('the bank reports each committed transfer to the audit log, and both chains verify', async (t) => {
  const auditLog = await startInProcess(t, audit);
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
  assert.deepEqual(entries.at(-1)!.data.sends, [{ to: `${auditLog.url}/`, message: { record } }], "the send is in the bank's chain");

  const records = await waitFor('the audit record', async () => {
    const now: unknown = (await getJson(`${auditLog.url}/state`)).body.state.records;
    return Array.isArray(now) && now.length > 0 && now;
  });
  assert.deepEqual(records, [record]);

  for (const [component, runtime] of [
    [bank, bankRuntime],
    [audit, auditLog],
  ] as const) {
    await verifies(runtime.url, { component });
  }
});
