import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ActorchainError, type ErrorCode } from '../../src/errors.js';
import {
  addSignatureLines,
  checkpointBody,
  cosign,
  cosignatureTimestamp,
  generateIdentity,
  identityFromSeed,
  loadIdentity,
  loadOrCreateIdentity,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  parseVerifierKeyOrPublicKey,
  signCheckpoint,
  signNote,
  verifierKey,
  verifyCosignature,
  witnessVerifierKey,
} from '../../src/tlog/index.js';

const throwsCode = (fn: () => unknown, code: ErrorCode, what?: string) =>
  assert.throws(fn, (error: unknown) => error instanceof ActorchainError && error.code === code, what);

// golang.org/x/mod/sumdb/note's own test key and note (note_test.go), used as data: a signer key
// PRIVATE+KEY+PeterNeumann+c74f20a3+<base64(0x01 || seed)> and the note Go's Sign makes with it.
const peterSeed = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
const peterKey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const peterText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const peterSig = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const peterNote = `${peterText}\n${peterSig}`;

test('Go x/mod vectors: the verifier key and the signed note are byte for byte those of note.GenerateKey and note.Sign', () => {
  const peter = identityFromSeed(peterSeed);
  assert.equal(verifierKey('PeterNeumann', peter.publicKeyBytes), peterKey);
  assert.equal(signNote(peterText, [{ name: 'PeterNeumann', privateKey: peter.privateKey }]), peterNote);
  const opened = openNote(peterNote, [peterKey]);
  assert.equal(opened.text, peterText);
  assert.deepEqual(opened.verified, [{ name: 'PeterNeumann', keyId: 0xc74f20a3, base64: peterSig.slice(15, -1), type: 1 }]);
  assert.deepEqual(opened.unverified, []);
  const parsed = parseVerifierKey(peterKey);
  assert.equal(parsed.name, 'PeterNeumann');
  assert.equal(parsed.keyId, 0xc74f20a3);
  assert.equal(parsed.type, 1);
  assert.ok(Buffer.from(parsed.publicKey).equals(peter.publicKeyBytes));
});

test('verifier keys: every truncation and every altered byte of a key is refused, as note.NewVerifier refuses them', () => {
  for (let i = 0; i <= peterKey.length; i++) {
    for (let j = i + 1; j <= peterKey.length; j++) {
      if (i !== 0 || j !== peterKey.length) throwsCode(() => parseVerifierKey(peterKey.slice(i, j)), 'NOTE_MALFORMED', peterKey.slice(i, j));
    }
  }
  for (let i = 0; i < peterKey.length; i++) {
    const altered = peterKey.slice(0, i) + String.fromCharCode(peterKey.charCodeAt(i) + 1) + peterKey.slice(i + 1);
    throwsCode(() => parseVerifierKey(altered), 'NOTE_MALFORMED', altered);
  }
  // From note_test.go: a wrong key length, an unknown algorithm, each with its key id adjusted.
  throwsCode(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='), 'NOTE_MALFORMED');
  throwsCode(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'NOTE_MALFORMED');
});

test('verifier keys from transparency-dev/formats (note_cosigv1_test.go): a 0x01 key and a witness 0x04 key', () => {
  const plain = parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6');
  assert.equal(plain.type, 1);
  assert.equal(verifierKey('TEST', plain.publicKey), plain.text);
  const witness = parseVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
  assert.equal(witness.type, 4);
  assert.equal(witness.keyId, 0xda77ade7);
  assert.equal(witnessVerifierKey('remora.n621.de', witness.publicKey), witness.text);
  // The same public key as a 0x01 key has another key id.
  assert.notEqual(parseVerifierKey(verifierKey('remora.n621.de', witness.publicKey)).keyId, witness.keyId);
});

test('a bare base64 public key is taken as the 0x01 key of the name given', () => {
  const { publicKeyBytes } = generateIdentity();
  const bare = Buffer.from(publicKeyBytes).toString('base64');
  assert.equal(parseVerifierKeyOrPublicKey(bare, 'example.com/log').text, verifierKey('example.com/log', publicKeyBytes));
  assert.equal(parseVerifierKeyOrPublicKey(peterKey, 'ignored').text, peterKey);
  throwsCode(() => parseVerifierKeyOrPublicKey('AAAA', 'x'), 'NOTE_MALFORMED');
});

test('malformed notes are NOTE_MALFORMED (the cases of note_test.go)', () => {
  const bad: (string | Uint8Array)[] = [
    peterText,
    `${peterText}\n`,
    `${peterText}\n${peterSig.slice(0, -1)}`,
    `\x01${peterText}\n${peterSig}`,
    Buffer.concat([Buffer.from([0xff]), Buffer.from(`${peterText}\n${peterSig}`)]),
    `${peterText}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
    `${peterText}\n${peterSig}Unexpected line.\n`,
    `${peterText}\n— PeterNeumann AAAA\n`,
    `${peterText}\n— PeterNeumann not*base64\n`,
    `${peterText}\n— PeterNeumann\n`,
    `a\tb\n\n${peterSig}`,
  ];
  for (const note of bad) throwsCode(() => openNote(note, [peterKey]), 'NOTE_MALFORMED', String(note));
  assert.equal(openNote(Buffer.from(peterNote), [peterKey]).text, peterText, 'a note given as bytes');
  throwsCode(() => signNote('no final newline', [{ name: 'x', privateKey: generateIdentity().privateKey }]), 'NOTE_MALFORMED');
  throwsCode(() => signNote('text\n', [{ name: 'has space', privateKey: generateIdentity().privateKey }]), 'NOTE_MALFORMED');
  throwsCode(() => signNote('a\rb\n', [{ name: 'x', privateKey: generateIdentity().privateKey }]), 'NOTE_MALFORMED');
});

test('signatures of unknown keys are ignored; a wrong signature of a known key, or none known, is NOTE_UNVERIFIED', () => {
  const other = generateIdentity();
  const otherKey = verifierKey('other.example/log', other.publicKeyBytes);
  const both = addSignatureLines(peterNote, [signNote(peterText, [{ name: 'other.example/log', privateKey: other.privateKey }]).slice(peterText.length + 1)]);
  assert.equal(parseNote(both).signatures.length, 2);
  const opened = openNote(both, [peterKey]);
  assert.deepEqual(
    opened.verified.map((s) => s.name),
    ['PeterNeumann'],
  );
  assert.deepEqual(
    opened.unverified.map((s) => s.name),
    ['other.example/log'],
  );
  assert.equal(openNote(both, [peterKey, otherKey]).verified.length, 2);
  throwsCode(() => openNote(both, []), 'NOTE_UNVERIFIED', 'no keys');
  throwsCode(() => openNote(peterNote, [otherKey]), 'NOTE_UNVERIFIED', 'only an unknown signature');
  // Same name, another key: the key id differs, so the signature is someone else's and is ignored.
  throwsCode(() => openNote(peterNote, [verifierKey('PeterNeumann', other.publicKeyBytes)]), 'NOTE_UNVERIFIED');
  const altered = peterNote.replace('cryptography', 'cryptographY');
  throwsCode(() => openNote(altered, [peterKey]), 'NOTE_UNVERIFIED', 'the text altered');
  throwsCode(
    () => openNote(`${altered}${signNote(peterText, [{ name: 'other.example/log', privateKey: other.privateKey }]).slice(peterText.length + 1)}`, [peterKey, otherKey]),
    'NOTE_UNVERIFIED',
  );
  // A repeated line of a known key counts once, as in note.Open.
  assert.equal(openNote(`${peterNote}${peterSig}`, [peterKey]).verified.length, 1);
});

test('addSignatureLines replaces the line of the same key and keeps the others', () => {
  const a = generateIdentity();
  const first = signNote('body\n', [{ name: 'a', privateKey: a.privateKey }]);
  const again = signNote('body\n', [{ name: 'a', privateKey: a.privateKey }]);
  const witness = generateIdentity();
  const line = cosign('o\n1\n' + Buffer.alloc(32).toString('base64') + '\n', 'w', witness, 5);
  const withLine = addSignatureLines(first, [line]);
  assert.equal(parseNote(withLine).signatures.length, 2);
  assert.equal(addSignatureLines(withLine, [again.slice('body\n\n'.length)]), `body\n\n${line}${again.slice('body\n\n'.length)}`);
});

test('checkpoints: the body is exact, extension lines are kept, malformed bodies are CHECKPOINT_MALFORMED', () => {
  const root = createHash('sha256').update('root').digest();
  const body = checkpointBody('example.com/log', 20852163, root);
  assert.equal(body, `example.com/log\n20852163\n${root.toString('base64')}\n`);
  assert.deepEqual(parseCheckpoint(body), { origin: 'example.com/log', size: 20852163, rootHash: root, extensions: [] });
  assert.deepEqual(parseCheckpoint(`${body}ext one\next two\n`).extensions, ['ext one', 'ext two']);
  assert.equal(parseCheckpoint('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n').size, 20852163);
  const bad = [
    `example.com/log\n20852163\n${root.toString('base64')}`,
    `example.com/log\n020852163\n${root.toString('base64')}\n`,
    `example.com/log\n-1\n${root.toString('base64')}\n`,
    `example.com/log\n1\n${root.subarray(1).toString('base64')}\n`,
    `example.com/log\n1\n${root.toString('base64').replace('=', '')}\n`,
    `example.com/log\n1\n`,
    `\n1\n${root.toString('base64')}\n`,
    `example.com/log\n1\n${root.toString('base64')}\n\n`,
  ];
  for (const text of bad) throwsCode(() => parseCheckpoint(text), 'CHECKPOINT_MALFORMED', JSON.stringify(text));
  throwsCode(() => checkpointBody('', 1, root), 'CHECKPOINT_MALFORMED');
  throwsCode(() => checkpointBody('o', 1, root.subarray(1)), 'CHECKPOINT_MALFORMED');
});

test('cosignature/v1: the line is key id, big-endian time and an Ed25519 signature of the C2SP message, checked with node:crypto alone', () => {
  const log = generateIdentity();
  const witness = generateIdentity();
  const logKey = verifierKey('example.com/log', log.publicKeyBytes);
  const witnessKey = witnessVerifierKey('witness.example/w1', witness.publicKeyBytes);
  const root = createHash('sha256').update('r').digest();
  const signed = signCheckpoint({ origin: 'example.com/log', size: 7, rootHash: root }, log.privateKey);
  const body = checkpointBody('example.com/log', 7, root);
  const line = cosign(body, 'witness.example/w1', witness, 1679315147);

  // Independently of src/tlog: the bytes the spec defines.
  const match = /^— witness\.example\/w1 ([A-Za-z0-9+/=]+)\n$/.exec(line);
  assert.ok(match, line);
  const bytes = Buffer.from(match[1]!, 'base64');
  assert.equal(bytes.length, 76);
  const expectedId = createHash('sha256')
    .update('witness.example/w1\n')
    .update(Buffer.from([0x04]))
    .update(witness.publicKeyBytes)
    .digest()
    .subarray(0, 4);
  assert.ok(bytes.subarray(0, 4).equals(expectedId));
  assert.equal(bytes.readBigUInt64BE(4), 1679315147n);
  assert.ok(verify(null, Buffer.from(`cosignature/v1\ntime 1679315147\n${body}`), witness.publicKey, bytes.subarray(12)));
  assert.equal(witnessKey.split('+')[1], expectedId.toString('hex'));

  // Through the library: opening the cosigned checkpoint.
  const cosigned = addSignatureLines(signed, [line]);
  const opened = openCheckpoint(cosigned, logKey, [witnessKey]);
  assert.equal(opened.checkpoint.size, 7);
  assert.deepEqual(opened.cosignatures, [{ name: 'witness.example/w1', keyId: expectedId.readUInt32BE(0), timestamp: 1679315147 }]);
  assert.deepEqual(
    openCheckpoint(cosigned, logKey).note.unverified.map((s) => s.name),
    ['witness.example/w1'],
  );
  assert.deepEqual(openCheckpoint(signed, logKey, [witnessKey]).cosignatures, [], 'no cosignature yet');
  assert.equal(verifyCosignature(body, line, witnessKey), 1679315147);
  throwsCode(() => verifyCosignature(checkpointBody('example.com/log', 8, root), line, witnessKey), 'NOTE_UNVERIFIED');
  throwsCode(() => verifyCosignature(body, line, witnessVerifierKey('witness.example/w2', witness.publicKeyBytes)), 'NOTE_UNVERIFIED');
  // The witness's key as a plain 0x01 key has another key id: the cosignature is not its.
  throwsCode(() => openNote(`${body}\n${line}`, [verifierKey('witness.example/w1', witness.publicKeyBytes)]), 'NOTE_UNVERIFIED');
  // A cosignature is not the log's signature.
  throwsCode(() => openCheckpoint(`${body}\n${line}`, logKey, [witnessKey]), 'NOTE_UNVERIFIED');
  const forged = cosigned.replace(`\n7\n`, `\n8\n`);
  throwsCode(() => openCheckpoint(forged, logKey, [witnessKey]), 'NOTE_UNVERIFIED');
});

test('cosignature timestamps of published lines: the C2SP tlog-cosignature example and transparency-dev/formats', () => {
  // c2sp.org/tlog-cosignature's example line; its message example says "time 1679315147".
  assert.equal(cosignatureTimestamp('jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=='), 1679315147);
  // note_cosigv1_test.go TestCosignatureTimestamp: a cosignature, then a plain Ed25519 signature.
  assert.equal(cosignatureTimestamp('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=='), 1727964367);
  assert.equal(cosignatureTimestamp('eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY='), undefined);
  assert.equal(cosignatureTimestamp('5%/$!\n 2'), undefined);
});

test('the key file: created once with mode 0600 as PKCS#8 PEM, loaded the same afterwards; a bad file is KEY_FILE_INVALID', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlog-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'identity.key');
  const first = loadOrCreateIdentity(path);
  assert.equal(first.created, true);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.match(readFileSync(path, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  const second = loadOrCreateIdentity(path);
  assert.equal(second.created, false);
  assert.ok(Buffer.from(second.identity.publicKeyBytes).equals(first.identity.publicKeyBytes));
  assert.ok(Buffer.from(loadIdentity(path).publicKeyBytes).equals(first.identity.publicKeyBytes));

  const garbage = join(dir, 'garbage.key');
  writeFileSync(garbage, 'not a key\n');
  throwsCode(() => loadIdentity(garbage), 'KEY_FILE_INVALID');
  throwsCode(() => loadOrCreateIdentity(garbage), 'KEY_FILE_INVALID', 'a bad file is not replaced');
  const rsa = join(dir, 'rsa.key');
  writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  throwsCode(() => loadIdentity(rsa), 'KEY_FILE_INVALID');
  throwsCode(() => loadIdentity(join(dir, 'missing.key')), 'KEY_FILE_INVALID');
});
