// Our notes, keys, proofs and stored tree against the Go checksum database's reference code
// (golang.org/x/mod/sumdb/note and sumdb/tlog, from Debian's golang-golang-x-mod-dev), driven
// through test/support/go-tlog/main.go. Skipped, saying why, when Go or the package is absent.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  addSignatureLines,
  checkpointBody,
  cosign,
  generateIdentity,
  identityFromSeed,
  leafHash,
  MerkleTree,
  openNote,
  signNote,
  verifierKey,
  witnessVerifierKey,
} from '../../src/tlog/index.js';

const GOPATH = '/usr/share/gocode';
const source = fileURLToPath(new URL('../../../test/support/go-tlog/main.go', import.meta.url));

function skipReason(): string | false {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error !== undefined) return 'the go command is not installed (apt-get install golang-go golang-golang-x-mod-dev)';
  if (!existsSync(join(GOPATH, 'src/golang.org/x/mod/sumdb/note'))) {
    return `golang.org/x/mod is not in ${GOPATH} (apt-get install golang-golang-x-mod-dev)`;
  }
  return false;
}
const skip = skipReason();

let dir = '';
let binary = '';
before(() => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'go-tlog-'));
  binary = join(dir, 'go-tlog');
  const built = spawnSync('go', ['build', '-o', binary, source], {
    encoding: 'utf8',
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: join(dir, 'cache'), GOFLAGS: '' },
  });
  assert.equal(built.status, 0, `go build failed:\n${built.stderr}`);
});
after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface GoSignature {
  name: string;
  keyId: number;
  base64: string;
}
interface GoProofResult {
  error: string;
  proof: string[];
}
interface GoAnswer {
  error?: string;
  text?: string;
  sigs?: GoSignature[];
  unverified?: GoSignature[];
  note?: string;
  skey?: string;
  vkey?: string;
  leafHashes?: string[];
  roots?: string[];
  storedEqual?: boolean;
  inclusion?: GoProofResult[];
  consistency?: GoProofResult[];
}

function go(request: object): GoAnswer {
  const run = spawnSync(binary, [], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, `go-tlog failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as GoAnswer;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

test('note.Open verifies the notes we sign, with our verifier keys, and ignores a witness cosignature', { skip }, () => {
  const log = generateIdentity();
  const second = generateIdentity();
  const logKey = verifierKey('example.com/log', log.publicKeyBytes);
  const secondKey = verifierKey('second.example/k', second.publicKeyBytes);
  const texts = [
    checkpointBody('example.com/log', 12345, leafHash(Buffer.from('r'))),
    'one line\n',
    'ünïcödé — and a blank line inside\n\nstill text\n',
    `${checkpointBody('example.com/log', 0, leafHash(Buffer.from('')))}extension line\n`,
  ];
  for (const text of texts) {
    const note = signNote(text, [
      { name: 'example.com/log', privateKey: log.privateKey },
      { name: 'second.example/k', privateKey: second.privateKey },
    ]);
    const ours = openNote(note, [logKey, secondKey]);
    const answer = go({ op: 'open', note, keys: [logKey, secondKey] });
    assert.equal(answer.error, undefined, `${answer.error} for ${JSON.stringify(text)}`);
    assert.equal(answer.text, text);
    assert.deepEqual(
      answer.sigs,
      ours.verified.map(({ name, keyId, base64 }) => ({ name, keyId, base64 })),
    );
    assert.match(go({ op: 'open', note: note.replace('e', 'E'), keys: [logKey] }).error ?? '', /invalid signature for key example\.com\/log\+/);
  }
  const body = texts[0]!;
  const witness = generateIdentity();
  const cosigned = addSignatureLines(signNote(body, [{ name: 'example.com/log', privateKey: log.privateKey }]), [
    cosign(body, 'witness.example/w1', witness, 1700000000),
  ]);
  const answer = go({ op: 'open', note: cosigned, keys: [logKey] });
  assert.equal(answer.error, undefined);
  assert.deepEqual(
    answer.sigs?.map((s) => s.name),
    ['example.com/log'],
  );
  assert.deepEqual(
    answer.unverified?.map((s) => s.name),
    ['witness.example/w1'],
  );
  assert.equal(openNote(cosigned, [logKey, witnessVerifierKey('witness.example/w1', witness.publicKeyBytes)]).verified[1]!.timestamp, 1700000000);
  // x/mod 0.7 knows no 0x04 keys: it refuses the witness's verifier key rather than misreading it.
  assert.match(go({ op: 'open', note: cosigned, keys: [witnessVerifierKey('witness.example/w1', witness.publicKeyBytes)] }).error ?? '', /NewVerifier/);
});

test('we open the notes note.Sign makes, and sign the same bytes with the same key', { skip }, () => {
  const generated = go({ op: 'generate', name: 'go.example/log' });
  const text = checkpointBody('go.example/log', 42, leafHash(Buffer.from('go')));
  const signed = go({ op: 'sign', text, skeys: [generated.skey] }).note!;
  const opened = openNote(signed, [generated.vkey!]);
  assert.equal(opened.text, text);
  assert.equal(opened.verified[0]!.name, 'go.example/log');
  // PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>: the same key on our side gives the same vkey and note.
  // (The base64 may hold '+' itself: it is everything after the fourth '+'.)
  const seed = Buffer.from(generated.skey!.split('+').slice(4).join('+'), 'base64').subarray(1);
  const identity = identityFromSeed(seed);
  assert.equal(verifierKey('go.example/log', identity.publicKeyBytes), generated.vkey);
  assert.equal(signNote(text, [{ name: 'go.example/log', privateKey: identity.privateKey }]), signed);
});

test('sumdb/tlog agrees: leaf hashes, roots, the stored hash file, and every inclusion and consistency proof up to 70 leaves', { skip }, () => {
  const records = Array.from({ length: 70 }, (_, i) => Buffer.from('x'.repeat(i % 5) + `record ${i * 31}`));
  records[3] = Buffer.alloc(0);
  const tree = new MerkleTree();
  for (const record of records) tree.append(leafHash(record));
  const inclusion: { index: number; size: number; proof: string[] }[] = [];
  const consistency: { index: number; size: number; proof: string[] }[] = [];
  for (let size = 1; size <= records.length; size++) {
    for (let index = 0; index < size; index++) inclusion.push({ index, size, proof: tree.inclusionProof(index, size).map(b64) });
    for (let old = 1; old <= size; old++) consistency.push({ index: old, size, proof: tree.consistencyProof(old, size).map(b64) });
  }
  // Altered proofs, which tlog must refuse too.
  const tamper = (proof: string[]) => proof.map((p, i) => (i === proof.length - 1 ? b64(leafHash(Buffer.from(p))) : p));
  const badInclusion = { index: 5, size: 70, proof: tamper(tree.inclusionProof(5, 70).map(b64)) };
  const badConsistency = { index: 13, size: 70, proof: tamper(tree.consistencyProof(13, 70).map(b64)) };

  const answer = go({
    op: 'tree',
    records: records.map(b64),
    stored: b64(tree.storedHashes()),
    inclusion: [...inclusion, badInclusion],
    consistency: [...consistency, badConsistency],
  });
  assert.deepEqual(
    answer.leafHashes,
    records.map((r) => b64(leafHash(r))),
  );
  assert.deepEqual(
    answer.roots,
    records.map((_, i) => b64(tree.root(i + 1))),
  );
  assert.equal(answer.storedEqual, true, 'our stored hash file is laid out as tlog.StoredHashIndex');
  inclusion.forEach((q, i) => {
    const result = answer.inclusion![i]!;
    assert.equal(result.error, '', `CheckRecord(leaf ${q.index}, size ${q.size}): ${result.error}`);
    assert.deepEqual(result.proof, q.proof, `ProveRecord(${q.size}, ${q.index})`);
  });
  consistency.forEach((q, i) => {
    const result = answer.consistency![i]!;
    assert.equal(result.error, '', `CheckTree(${q.index} to ${q.size}): ${result.error}`);
    assert.deepEqual(result.proof, q.proof, `ProveTree(${q.size}, ${q.index})`);
  });
  assert.notEqual(answer.inclusion!.at(-1)!.error, '');
  assert.notEqual(answer.consistency!.at(-1)!.error, '');
});
