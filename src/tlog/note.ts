/**
 * Signed notes, c2sp.org/signed-note, with the semantics of golang.org/x/mod/sumdb/note.
 *
 *   <text, one or more lines, ending in "\n">
 *   <blank line>
 *   — <key name> <base64(key id (4 bytes, big-endian) || signature)>\n     (one or more; U+2014 em dash)
 *
 * The text is everything up to the last blank line, its final newline included. Notes are UTF-8
 * with no control character but newline. Opening a note verifies each signature whose (name, key
 * id) is known, ignores the others (a witness's cosignature, a rotated key), and fails when a known
 * key's signature is wrong or when none verifies.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { ActorchainError } from '../errors.js';
import { verifyCosignatureBytes } from './cosignature.js';
import { decodeBase64, isValidKeyName, KEY_TYPE_ED25519, keyId, parseVerifierKey, type KeyType, type NoteVerifier } from './keys.js';

/** Who signs a note: the key name and the Ed25519 private key. */
export interface NoteSigner {
  readonly name: string;
  readonly privateKey: KeyObject;
}

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  /** The key id, an unsigned 32-bit integer. */
  readonly keyId: number;
  /** The base64 of key id and signature, exactly as the line has it. */
  readonly base64: string;
}

/** A signature that a known key verified. */
export interface VerifiedSignature extends NoteSignature {
  readonly type: KeyType;
  /** For a cosignature/v1 (type 0x04): the time it states, in seconds since the epoch. */
  readonly timestamp?: number;
}

/** An opened note: its text, the signatures verified, and those from keys not given. */
export interface OpenedNote {
  readonly text: string;
  readonly verified: readonly VerifiedSignature[];
  readonly unverified: readonly NoteSignature[];
}

const SIGNATURE_PREFIX = '\u2014 ';
// Go's note.Open gives up past 100 signature lines; the spec asks for at least 16.
const MAX_SIGNATURES = 100;
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const LONE_SURROGATE = /\p{Surrogate}/u;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The signature line `— <name> <base64(signature)>\n` for signature bytes that start with the key id. */
export function signatureLine(name: string, signature: Uint8Array): string {
  return `${SIGNATURE_PREFIX}${name} ${Buffer.from(signature).toString('base64')}\n`;
}

const publicKeysOfSigners = new WeakMap<KeyObject, Uint8Array>();

function publicKeyOf(privateKey: KeyObject): Uint8Array {
  let publicKey = publicKeysOfSigners.get(privateKey);
  if (publicKey === undefined) {
    if (privateKey.asymmetricKeyType !== 'ed25519' || privateKey.type !== 'private') {
      throw new ActorchainError('KEY_FILE_INVALID', 'A note is signed with an Ed25519 private key.');
    }
    const jwk = privateKey.export({ format: 'jwk' });
    publicKey = Buffer.from(jwk.x!, 'base64url');
    publicKeysOfSigners.set(privateKey, publicKey);
  }
  return publicKey;
}

/** Signs text (ending in "\n") with each signer (Ed25519, type 0x01) and returns the note. Throws NOTE_MALFORMED. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  if (!text.endsWith('\n')) throw malformed('a note text must end with a newline');
  if (signers.length === 0) throw malformed('a note needs at least one signer');
  const message = Buffer.from(text, 'utf8');
  let lines = '';
  for (const signer of signers) {
    if (!isValidKeyName(signer.name)) throw malformed(`the key name ${JSON.stringify(signer.name)} is empty or holds a space or '+'`);
    const id = Buffer.alloc(4);
    id.writeUInt32BE(keyId(signer.name, KEY_TYPE_ED25519, publicKeyOf(signer.privateKey)));
    lines += signatureLine(signer.name, Buffer.concat([id, sign(null, message, signer.privateKey)]));
  }
  return `${text}\n${lines}`;
}

/**
 * Splits a note into its text and signature lines without verifying anything, checking the format
 * as note.Open does. Throws NOTE_MALFORMED.
 */
export function parseNote(note: string | Uint8Array): { text: string; signatures: NoteSignature[] } {
  let message: string;
  if (typeof note === 'string') message = note;
  else {
    try {
      message = utf8.decode(note);
    } catch {
      throw malformed('the note is not valid UTF-8');
    }
  }
  checkText(message);
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw malformed('the note has no blank line before its signatures');
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('the note has no signature lines, or its last line has no newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`the note has more than ${MAX_SIGNATURES} signature lines`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed(`the line ${JSON.stringify(line)} is not a signature line (— <name> <base64>)`);
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const base64 = space < 0 ? '' : rest.slice(space + 1);
    const bytes = decodeBase64(base64);
    if (!isValidKeyName(name) || base64 === '' || bytes === undefined || bytes.length < 5) {
      throw malformed(`the line ${JSON.stringify(line)} is not a signature line (— <name> <base64>)`);
    }
    return { name, keyId: bytes.readUInt32BE(0), base64 };
  });
  return { text, signatures };
}

/**
 * Opens a note: verifies the signatures of the keys given (verifier keys or parsed ones; type 0x01
 * signatures and type 0x04 cosignatures), and lists the others as unverified. Throws NOTE_MALFORMED,
 * or NOTE_UNVERIFIED when a known key's signature is wrong or no signature verifies.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly (string | NoteVerifier)[]): OpenedNote {
  const known = new Map<string, NoteVerifier>();
  for (const given of verifiers) {
    const verifier = typeof given === 'string' ? parseVerifierKey(given) : given;
    const slot = `${verifier.name}+${verifier.keyId}`;
    const already = known.get(slot);
    if (already !== undefined && (already.type !== verifier.type || !Buffer.from(already.publicKey).equals(verifier.publicKey))) {
      throw new ActorchainError('NOTE_UNVERIFIED', `Two different verifier keys share the name ${verifier.name} and key id ${hex(verifier.keyId)}; give only one.`);
    }
    known.set(slot, verifier);
  }
  const { text, signatures } = parseNote(note);
  const message = Buffer.from(text, 'utf8');
  const verified: VerifiedSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const signature of signatures) {
    const slot = `${signature.name}+${signature.keyId}`;
    const verifier = known.get(slot);
    if (verifier === undefined) {
      // Like note.Open: a repeated identical unknown line is listed once.
      if (!unverified.some((other) => other.name === signature.name && other.base64 === signature.base64)) unverified.push(signature);
      continue;
    }
    // Like note.Open: only the first signature of a known key counts.
    if (seen.has(slot)) continue;
    seen.add(slot);
    const bytes = decodeBase64(signature.base64)!.subarray(4);
    let timestamp: number | undefined;
    let ok: boolean;
    if (verifier.type === KEY_TYPE_ED25519) ok = verify(null, message, verifier.keyObject, bytes);
    else {
      timestamp = verifyCosignatureBytes(verifier, text, bytes);
      ok = timestamp !== undefined;
    }
    if (!ok) {
      throw new ActorchainError(
        'NOTE_UNVERIFIED',
        `The signature of ${signature.name}+${hex(signature.keyId)} on the note does not verify: the note was altered or not signed by that key.`,
      );
    }
    verified.push({ ...signature, type: verifier.type, ...(timestamp === undefined ? {} : { timestamp }) });
  }
  if (verified.length === 0) {
    const names = unverified.map((s) => `${s.name}+${hex(s.keyId)}`).join(', ');
    throw new ActorchainError('NOTE_UNVERIFIED', `No signature on the note is from a key given (it is signed by ${names}); check the verifier key.`);
  }
  return { text, verified, unverified };
}

/**
 * Adds signature lines (as signatureLine or checkpoint.cosign make them) to a note, after its own.
 * An existing line with the same name and key id as a new one is dropped, as note.Sign does.
 * Throws NOTE_MALFORMED.
 */
export function addSignatureLines(note: string, lines: readonly string[]): string {
  const { text, signatures } = parseNote(note);
  const added = parseNote(`x\n\n${lines.join('')}`).signatures;
  const replaced = new Set(added.map((s) => `${s.name}+${s.keyId}`));
  const kept = signatures.filter((s) => !replaced.has(`${s.name}+${s.keyId}`));
  return `${text}\n${[...kept, ...added].map((s) => `${SIGNATURE_PREFIX}${s.name} ${s.base64}\n`).join('')}`;
}

function checkText(text: string): void {
  if (CONTROL.test(text)) throw malformed('a note holds a control character other than newline');
  if (LONE_SURROGATE.test(text)) throw malformed('the note is not valid UTF-8 (a lone surrogate)');
}

function hex(id: number): string {
  return id.toString(16).padStart(8, '0');
}

function malformed(message: string): ActorchainError {
  return new ActorchainError('NOTE_MALFORMED', `${message[0]!.toUpperCase()}${message.slice(1)}.`);
}
