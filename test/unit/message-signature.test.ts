/**
 * The RFC 9421 signature base and Ed25519 signature, held to the RFC's own vectors (appendix
 * B.2.6, with the test key of B.1.4), and the RFC 9530 Content-Digest to its example: a check
 * against texts that someone else wrote, not against this implementation's own output.
 */
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { test } from 'node:test';
import {
  acceptedSenders,
  contentDigest,
  deliverySignatureHeaders,
  signatureBase,
  signatureParamsText,
  signRequest,
  verifiedSender,
  type SignableRequest,
} from '../../src/http/message-signature.js';
import { parseDictionary } from '../../src/http/structured-fields.js';
import { ActorchainError } from '../../src/errors.js';
import { generateIdentity, identityFromSeed, publicKeyObject, verifierKey } from '../../src/tlog/keys.js';

// RFC 9421 B.1.4 test-key-ed25519 (the JWK's d and x).
const TEST_KEY_SEED = Buffer.from('n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU', 'base64url');
const TEST_KEY_PUBLIC = Buffer.from('JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs', 'base64url');

// RFC 9421 B.2 test request (the body is {"hello": "world"}), and the B.2.6 signature over it.
const B2_HEADERS: Record<string, string> = {
  date: 'Tue, 20 Apr 2021 02:07:55 GMT',
  'content-type': 'application/json',
  'content-length': '18',
};
const B2_REQUEST: SignableRequest = { method: 'POST', targetUri: 'https://example.com/foo?param=Value&Pet=dog', field: (name) => B2_HEADERS[name] };
const B26_SIGNATURE_INPUT = 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const B26_SIGNATURE = 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';
const B26_BASE = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@method": POST',
  '"@path": /foo',
  '"@authority": example.com',
  '"content-type": application/json',
  '"content-length": 18',
  '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
].join('\n');
const B26_COMPONENTS = ['date', '@method', '@path', '@authority', 'content-type', 'content-length'];
const B26_PARAMS = [
  ['created', 1618884473],
  ['keyid', 'test-key-ed25519'],
] as const;

test("RFC 9421 B.2.6: the signature base and the Ed25519 signature with test-key-ed25519 are the RFC's", () => {
  const identity = identityFromSeed(TEST_KEY_SEED);
  assert.deepEqual(Buffer.from(identity.publicKeyBytes), TEST_KEY_PUBLIC);
  assert.equal(signatureBase(B2_REQUEST, B26_COMPONENTS, B26_PARAMS), B26_BASE);
  const headers = signRequest(B2_REQUEST, identity.privateKey, { label: 'sig-b26', components: B26_COMPONENTS, params: B26_PARAMS });
  assert.equal(headers['signature-input'], B26_SIGNATURE_INPUT);
  assert.equal(headers.signature, B26_SIGNATURE);
});

test("RFC 9421 B.2.6: the RFC's Signature-Input and Signature parse, and the signature verifies over the rebuilt base", () => {
  const input = parseDictionary(B26_SIGNATURE_INPUT).get('sig-b26');
  assert.ok(input && 'items' in input);
  const components = input.items.map((item) => item.value as string);
  const params = [...input.params] as [string, string | number][];
  assert.deepEqual(components, B26_COMPONENTS);
  assert.equal(`sig-b26=${signatureParamsText(components, params)}`, B26_SIGNATURE_INPUT);
  const signature = parseDictionary(B26_SIGNATURE).get('sig-b26');
  assert.ok(signature && 'value' in signature && signature.value instanceof Uint8Array);
  assert.ok(verify(null, Buffer.from(signatureBase(B2_REQUEST, components, params)), publicKeyObject(TEST_KEY_PUBLIC), signature.value));
});

test('RFC 9530: the Content-Digest of {"hello": "world"} is the RFC\'s sha-256 example', () => {
  assert.equal(contentDigest('{"hello": "world"}'), 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
});

// A fixed clock, so the skew checks do not depend on when the test runs.
const NOW_MS = 1_700_000_000_000;

/** A delivery as a receiver sees it, signed by `identity` under `keyId` at `nowMs`. */
function delivery(identity = generateIdentity(), { body = '{"n":1}', nowMs = NOW_MS } = {}) {
  const keyId = verifierKey('actorchain/test', identity.publicKeyBytes);
  const targetUri = 'http://127.0.0.1:8080/';
  const fields: Record<string, string> = { 'idempotency-key': 'abc/0', ...deliverySignatureHeaders({ identity, keyId }, { targetUri, key: 'abc/0', body, nowMs }) };
  return { keyId, identity, fields, request: { method: 'POST', targetUri, field: (name: string) => fields[name] } as SignableRequest };
}

function refusedWith(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof ActorchainError && err.code === 'SIGNATURE_INVALID' && pattern.test(err.message));
}

test('a delivery verifies for an accepted sender (as verifier key or bare public key), and is unsigned for a receiver that accepts others', () => {
  const { keyId, identity, request } = delivery();
  const body = Buffer.from('{"n":1}');
  assert.equal(verifiedSender(request, body, acceptedSenders([keyId]), NOW_MS), keyId);
  const bare = Buffer.from(identity.publicKeyBytes).toString('base64');
  assert.equal(verifiedSender(request, body, acceptedSenders([bare]), NOW_MS), verifierKey('sender', identity.publicKeyBytes));
  assert.equal(verifiedSender(request, body, acceptedSenders([verifierKey('other', generateIdentity().publicKeyBytes)]), NOW_MS), undefined);
  assert.equal(verifiedSender(request, body, acceptedSenders([]), NOW_MS), undefined);
});

test('a delivery from an accepted sender is refused when its body, key, target, time or signature was changed', () => {
  const { keyId, fields, request } = delivery();
  const accepted = acceptedSenders([keyId]);
  refusedWith(() => verifiedSender(request, Buffer.from('{"n":2}'), accepted, NOW_MS), /does not match its Content-Digest/);
  const body = Buffer.from('{"n":1}');
  refusedWith(() => verifiedSender({ ...request, field: (n) => (n === 'idempotency-key' ? 'abc/1' : fields[n]) }, body, accepted, NOW_MS), /does not verify/);
  refusedWith(() => verifiedSender({ ...request, targetUri: 'http://127.0.0.1:8081/' }, body, accepted, NOW_MS), /does not verify/);
  assert.equal(verifiedSender(request, body, accepted, NOW_MS - 299_000), keyId, 'within 5 minutes either way');
  refusedWith(() => verifiedSender(request, body, accepted, NOW_MS + 301_000), /created is 301 s from/);
  const other = delivery(generateIdentity()).fields.signature!;
  refusedWith(() => verifiedSender({ ...request, field: (n) => (n === 'signature' ? other : fields[n]) }, body, accepted, NOW_MS), /does not verify/);
  const narrow = fields['signature-input']!.replace(' "content-digest"', '');
  refusedWith(
    () => verifiedSender({ ...request, field: (n) => (n === 'signature-input' ? narrow : fields[n]) }, body, accepted, NOW_MS),
    /does not cover content-digest/,
  );
});
