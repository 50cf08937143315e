/**
 * The `sender` member of a message entry: keys are unique per sender, so one key may appear
 * once unsigned and once per sender, but twice for one sender (or a sender with no key, or a
 * sender that is not a verifier key) is a chain no runtime made. The runtime runs in this
 * process (the API); `actorchain verify` checks the chains it wrote and the forged ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { deliverySignatureHeaders } from '../../src/http/message-signature.js';
import { generateIdentity, verifierKey } from '../../src/tlog/keys.js';
import { forgeAndRelink, readLines, tempDir, writeLines } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { runCli } from '../support/runtime.js';

test('one key unsigned and from two senders verifies and reopens; twice from one sender, or a sender without a key, is CHAIN_CORRUPT', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  const senders = [generateIdentity(), generateIdentity()].map((identity, i) => ({ identity, keyId: verifierKey(`peer-${i}`, identity.publicKeyBytes) }));
  const runtime = await startInProcess(t, echo, { dataDir, acceptSendsFrom: senders.map((s) => s.keyId) });
  const post = async (n: number, signer?: (typeof senders)[number]) => {
    const body = JSON.stringify({ n });
    const signature = signer === undefined ? {} : deliverySignatureHeaders(signer, { targetUri: `${runtime.url}/`, key: 'k', body });
    const reply = await fetch(`${runtime.url}/`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'k', ...signature }, body });
    assert.deepEqual([reply.status, reply.headers.get('idempotent-replayed')], [200, null], `message ${n}`);
  };
  await post(1);
  await post(2, senders[0]);
  await post(3, senders[1]);
  await runtime.close();
  const lines = readLines(dataDir);
  assert.deepEqual(
    [2, 4, 6].map((i) => JSON.parse(lines[i]!).data.sender),
    [undefined, senders[0]!.keyId, senders[1]!.keyId],
  );
  const sound = await runCli(['verify', echo, dataDir]);
  assert.equal(sound.code, 0, sound.stderr);
  // Reopened, the keys are per sender again: each is a repeat in its own namespace.
  const reopened = await startInProcess(t, echo, { dataDir });
  const unsigned = await fetch(`${reopened.url}/`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'k' }, body: '{"n":1}' });
  assert.equal(unsigned.headers.get('idempotent-replayed'), 'true');
  await reopened.close();

  const forgeries: Array<[unknown, RegExp]> = [
    [
      { 'idempotency-key': 'k', message: { n: 3 }, sender: senders[0]!.keyId },
      new RegExp(`line 7 .*idempotency key "k" from ${senders[0]!.keyId.replace(/[+/]/g, '\\$&')}, which line 5 already recorded`),
    ],
    [{ message: { n: 3 }, sender: senders[1]!.keyId }, /line 7 .*records a sender but no idempotency key/],
    [{ 'idempotency-key': 'k2', message: { n: 3 }, sender: 'not a verifier key' }, /line 7 .*neither a genesis, a state, a message nor an upgrade/],
  ];
  for (const [data, expected] of forgeries) {
    const forged = tempDir(t);
    writeLines(forged, forgeAndRelink(lines, 6, data));
    const verified = await runCli(['verify', echo, forged]);
    assert.equal(verified.code, 1, JSON.stringify(data));
    assert.match(verified.stderr, expected);
  }
});
