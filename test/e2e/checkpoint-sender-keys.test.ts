/**
 * Keys in the part of a chain a checkpoint covers (read by the prefix scan, not line by line)
 * are rebuilt per sender too: a signed key and the same key unsigned stay apart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deliverySignatureHeaders } from '../../src/http/message-signature.js';
import { generateIdentity, verifierKey } from '../../src/tlog/keys.js';
import { writeEchoChain } from '../support/chain-file.js';
import { startInProcess } from '../support/in-process.js';

// Long enough for a checkpoint (10,000 entries), so the start below checks no line one by one.
const PAIRS = 6000;

test('keys covered by a checkpoint are rebuilt per sender', async (t) => {
  const identity = generateIdentity();
  const sender = verifierKey('actorchain/peer', identity.publicKeyBytes);
  // Message 3007 is a delivery from the sender under key-3007; message 3008 uses key-3007 unsigned.
  const { component, dataDir } = await writeEchoChain(t, PAIRS, (n) => {
    if (n % 1000 === 7) return { message: `{"n":${n}}`, key: `key-${n}`, sender };
    if (n % 1000 === 8) return { message: `{"n":${n}}`, key: `key-${n - 1}` };
    return { message: `{"n":${n}}` };
  });

  const runtime = await startInProcess(t, component, { dataDir, acceptSendsFrom: [sender] });
  const resumed = runtime.logs.find((l) => String(l.msg).startsWith('chain resumed'))!;
  assert.equal(resumed.linesChecked, 0, 'the whole chain came from the checkpoint');
  const post = (body: string, signed: boolean) =>
    fetch(`${runtime.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': 'key-3007',
        ...(signed ? deliverySignatureHeaders({ identity, keyId: sender }, { targetUri: `${runtime.url}/`, key: 'key-3007', body }) : {}),
      },
      body,
    });
  const signedRepeat = await post('{"n":3007}', true);
  assert.deepEqual([signedRepeat.status, signedRepeat.headers.get('idempotent-replayed')], [200, 'true']);
  const unsignedRepeat = await post('{"n":3008}', false);
  assert.deepEqual([unsignedRepeat.status, unsignedRepeat.headers.get('idempotent-replayed')], [200, 'true']);
  assert.equal((await post('{"n":3007}', false)).status, 422, "the sender's message under the unsigned key is another message");
  assert.equal((await post('{"n":3008}', true)).status, 422, "the unsigned message under the sender's key is another message");
});
