/**
 * Issue 22, 1: runtimes sign their deliveries (RFC 9421, Ed25519), and a receiver that accepts
 * a sender (--accept-sends-from) keeps that sender's Idempotency-Keys in a namespace of its own.
 * A third client that takes a delivery's key first no longer makes the delivery vanish.
 * The runtimes run in this process (the API), but for one started with ACTORCHAIN_ACCEPT_SENDS_FROM
 * (the variable read by the CLI) and for the flag's check (the CLI's exit and stderr).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFixture } from '../../fixtures/build.js';
import { deliverySignatureHeaders } from '../../src/http/message-signature.js';
import { generateIdentity, verifierKey } from '../../src/tlog/keys.js';
import { tempDir } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';
import { freePort, metric, waitFor } from '../support/outbox.js';
import { fetchChain, getJson, postJson, runCli, startRuntime } from '../support/runtime.js';

const length = async (url: string) => (await getJson(`${url}/head`)).body.length as number;

test("a forged message under a sender's delivery key does not stop the delivery: both are applied, each in its own namespace, and both chains verify", async (t) => {
  const counter = await buildFixture('counter');
  const senderDir = tempDir(t);
  const receiverDir = tempDir(t);
  const port = await freePort();
  const target = `http://127.0.0.1:${port}/`;
  const sender = await startInProcess(t, counter, { dataDir: senderDir, allowSend: [new URL(target).origin] });
  const senderKey = (await getJson(`${sender.url}/identity`)).body.key as string;

  const sent = await postJson(sender.url, { forward: { to: target, message: { add: 100 } } });
  assert.equal(sent.status, 200);
  // The key is public as soon as the entry is durable; the receiver is down for now.
  const key = `${sent.body.head}/0`;
  await waitFor('a failed attempt', async () => ((await metric(sender.url, 'actorchain_sends_total{outcome="retried"}')) >= 1 ? true : undefined));

  const receiver = await startInProcess(t, counter, { listen: `127.0.0.1:${port}`, dataDir: receiverDir, acceptSendsFrom: [senderKey] });
  const forged = await postJson(receiver.url, { add: 1 }, { 'idempotency-key': key });
  assert.equal(forged.status, 200, 'an unsigned request is applied, in the namespace of unsigned keys');
  assert.equal(forged.headers.get('idempotent-replayed'), null);

  await waitFor('the delivery', async () => ((await metric(sender.url, 'actorchain_sends_total{outcome="delivered"}')) === 1 ? true : undefined));
  assert.equal(await metric(sender.url, 'actorchain_sends_total{outcome="given-up"}'), 0);
  assert.deepEqual((await getJson(`${receiver.url}/state`)).body.state, { count: 101 }, 'both messages were applied');

  const keyed = (await fetchChain(receiver.url)).entries.filter((e) => e.data['idempotency-key'] === key);
  assert.deepEqual(
    keyed.map((e) => e.data).sort((a, b) => String(a.sender).localeCompare(String(b.sender))),
    [
      { 'idempotency-key': key, message: { add: 100 }, sender: senderKey },
      { 'idempotency-key': key, message: { add: 1 } },
    ],
  );

  // A repeat of the forgery is a repeat in its own namespace; the delivery's key is the sender's alone.
  const again = await postJson(receiver.url, { add: 1 }, { 'idempotency-key': key });
  assert.deepEqual([again.status, again.headers.get('idempotent-replayed')], [200, 'true']);

  await sender.close();
  await receiver.close();
  for (const dir of [senderDir, receiverDir]) {
    const verified = await runCli(['verify', counter, dir]);
    assert.equal(verified.code, 0, verified.stderr);
  }
});

/** POST a message signed as a delivery by `identity` (named `keyId`) to `url`, with `body` sent in place of the signed one if given. */
function signedPost(url: string, identity: ReturnType<typeof generateIdentity>, keyId: string, key: string, signed: unknown, body?: string) {
  const text = JSON.stringify(signed);
  const headers = deliverySignatureHeaders({ identity, keyId }, { targetUri: `${url}/`, key, body: text });
  return fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key, ...headers }, body: body ?? text });
}

test('a signed delivery whose body was changed is refused 401 SIGNATURE_INVALID and commits nothing; keys stay per sender across a restart', async (t) => {
  const echo = await buildFixture('echo');
  const dataDir = tempDir(t);
  const identity = generateIdentity();
  const keyId = verifierKey('actorchain/peer', identity.publicKeyBytes);
  const bare = Buffer.from(identity.publicKeyBytes).toString('base64');
  // The first start is the CLI's, so that ACTORCHAIN_ACCEPT_SENDS_FROM is read as --accept-sends-from.
  const first = await startRuntime(t, echo, ['--data-dir', dataDir], { env: { ACTORCHAIN_ACCEPT_SENDS_FROM: keyId } });

  const tampered = await signedPost(first.url, identity, keyId, 'd/0', { pay: 'alice' }, JSON.stringify({ pay: 'mallory' }));
  assert.equal(tampered.status, 401);
  const error = ((await tampered.json()) as { error: { code: string; message: string } }).error;
  assert.equal(error.code, 'SIGNATURE_INVALID');
  assert.match(error.message, /does not match its Content-Digest/);
  assert.equal(await length(first.url), 2, 'nothing committed');

  const delivered = await signedPost(first.url, identity, keyId, 'd/0', { pay: 'alice' });
  assert.equal(delivered.status, 200);
  const entry = (await fetchChain(first.url)).entries.find((e) => e.data['idempotency-key'] === 'd/0');
  assert.deepEqual(entry?.data, { 'idempotency-key': 'd/0', message: { pay: 'alice' }, sender: keyId });
  await first.stop();

  // Reopened with the key given bare: the sender is its public key, so the namespace is the same.
  const receiver = await startInProcess(t, echo, { dataDir, acceptSendsFrom: [bare] });
  const repeat = await signedPost(receiver.url, identity, keyId, 'd/0', { pay: 'alice' });
  assert.deepEqual([repeat.status, repeat.headers.get('idempotent-replayed')], [200, 'true']);
  const reused = await signedPost(receiver.url, identity, keyId, 'd/0', { pay: 'bob' });
  assert.equal(reused.status, 422);
  // The same key unsigned is another namespace: applied, not a repeat nor a reuse.
  const unsigned = await postJson(receiver.url, { pay: 'carol' }, { 'idempotency-key': 'd/0' });
  assert.deepEqual([unsigned.status, unsigned.headers.get('idempotent-replayed')], [200, null]);
  // Signed by a key nobody accepted: taken as unsigned, so a repeat of carol's.
  const stranger = generateIdentity();
  const other = await signedPost(receiver.url, stranger, verifierKey('x', stranger.publicKeyBytes), 'd/0', { pay: 'carol' });
  assert.deepEqual([other.status, other.headers.get('idempotent-replayed')], [200, 'true']);
  assert.equal(await length(receiver.url), 6);
  await receiver.close();

  const verified = await runCli(['verify', echo, dataDir]);
  assert.equal(verified.code, 0, verified.stderr);
});

test('--accept-sends-from is checked: a verifier key or a base64 Ed25519 public key', async () => {
  const echo = await buildFixture('echo');
  const result = await runCli(['run', echo, '--in-memory', '--accept-sends-from', 'not-a-key']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^actorchain: INVALID_OPTION: --accept-sends-from: /);
});
