/**
 * Ed25519 identities and signed-note verifier keys (c2sp.org/signed-note, the form of
 * golang.org/x/mod/sumdb/note and c2sp.org/tlog-cosignature).
 *
 *   verifier key   <name>+<key id, 8 hex>+<base64(type || 32-byte Ed25519 public key)>
 *   key id         first 4 bytes, big-endian, of SHA-256(name || 0x0A || type || public key)
 *   type           0x01  an Ed25519 note signature (a log signing its checkpoints)
 *                  0x04  an Ed25519 cosignature/v1 (a witness; see cosignature.ts)
 *
 * A private key lives in a file as PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), the form
 * `openssl genpkey -algorithm ed25519` writes, created with mode 0600.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ActorchainError } from '../errors.js';

export const KEY_TYPE_ED25519 = 0x01;
export const KEY_TYPE_COSIGNATURE_V1 = 0x04;
export type KeyType = typeof KEY_TYPE_ED25519 | typeof KEY_TYPE_COSIGNATURE_V1;

/** An Ed25519 key pair, with the raw 32-byte public key that verifier keys carry. */
export interface Identity {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The 32-byte RFC 8032 encoding of the public key. */
  readonly publicKeyBytes: Uint8Array;
}

/** A parsed verifier key: who signs (name, key id), with which key and signature type. */
export interface NoteVerifier {
  readonly name: string;
  /** The key id as an unsigned 32-bit integer. */
  readonly keyId: number;
  readonly type: KeyType;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The same key as a node:crypto KeyObject, for crypto.verify. */
  readonly keyObject: KeyObject;
  /** The verifier key in its text form. */
  readonly text: string;
}

// Go's unicode.IsSpace is exactly the Unicode White_Space property.
const NAME_FORBIDDEN = /[\p{White_Space}+]/u;
const LONE_SURROGATE = /\p{Surrogate}/u;
// Go's base64.StdEncoding (padded, non-strict about the unused low bits of the last character).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Whether name may name a key: non-empty, no Unicode space, no '+' (as note.isValidName). */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !NAME_FORBIDDEN.test(name) && !LONE_SURROGATE.test(name);
}

/** Decodes standard padded base64 as Go's base64.StdEncoding does, or returns undefined. */
export function decodeBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** The key id of a key: SHA-256(name || "\n" || type || publicKey)[:4], big-endian. */
export function keyId(name: string, type: KeyType, publicKey: Uint8Array): number {
  const digest = createHash('sha256').update(name, 'utf8').update('\n').update(Uint8Array.of(type)).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

/** The signed-note verifier key `<name>+<key id>+<base64(0x01 || pub)>` of an Ed25519 public key. */
export function verifierKey(name: string, publicKey: Uint8Array): string {
  return encodeVerifierKey(name, KEY_TYPE_ED25519, publicKey);
}

/** The tlog-cosignature/v1 verifier key `<name>+<key id>+<base64(0x04 || pub)>` of a witness. */
export function witnessVerifierKey(name: string, publicKey: Uint8Array): string {
  return encodeVerifierKey(name, KEY_TYPE_COSIGNATURE_V1, publicKey);
}

function encodeVerifierKey(name: string, type: KeyType, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw malformed(`the key name ${JSON.stringify(name)} is empty or holds a space or '+'`);
  if (publicKey.length !== 32) throw malformed(`an Ed25519 public key is 32 bytes, not ${publicKey.length}`);
  const id = keyId(name, type, publicKey).toString(16).padStart(8, '0');
  return `${name}+${id}+${Buffer.concat([Uint8Array.of(type), publicKey]).toString('base64')}`;
}

/**
 * Parses a verifier key of type 0x01 (Ed25519) or 0x04 (cosignature/v1), checking its key id,
 * as note.NewVerifier does. Throws NOTE_MALFORMED.
 */
export function parseVerifierKey(text: string): NoteVerifier {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw malformed(`the verifier key ${JSON.stringify(text)} is not <name>+<key id>+<base64 key>`);
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  const encoded = decodeBase64(text.slice(second + 1));
  if (!isValidKeyName(name) || !/^[0-9a-fA-F]{8}$/.test(idHex) || encoded === undefined || encoded.length === 0) {
    throw malformed(`the verifier key ${JSON.stringify(text)} is not <name>+<key id>+<base64 key>`);
  }
  const type = encoded[0]!;
  const publicKey = encoded.subarray(1);
  if (type !== KEY_TYPE_ED25519 && type !== KEY_TYPE_COSIGNATURE_V1) {
    throw malformed(
      `the verifier key ${JSON.stringify(text)} has signature type 0x${type.toString(16).padStart(2, '0')}; 0x01 (Ed25519) and 0x04 (cosignature/v1) are known`,
    );
  }
  const id = Number.parseInt(idHex, 16);
  if (id !== keyHashOf(name, encoded)) throw malformed(`the verifier key ${JSON.stringify(text)} has a key id that does not match its name and key`);
  if (publicKey.length !== 32) throw malformed(`the verifier key ${JSON.stringify(text)} holds ${publicKey.length} key bytes, not 32`);
  return { name, keyId: id, type, publicKey, keyObject: publicKeyObject(publicKey), text };
}

/**
 * Parses a verifier key, or else a bare base64 32-byte Ed25519 public key, which is taken as the
 * type 0x01 key of `name`. Throws NOTE_MALFORMED.
 */
export function parseVerifierKeyOrPublicKey(text: string, name: string): NoteVerifier {
  // A bare key is 44 characters; the shortest verifier key is 55.
  const bare = text.length === 44 ? decodeBase64(text) : undefined;
  if (bare?.length === 32) return parseVerifierKey(verifierKey(name, bare));
  return parseVerifierKey(text);
}

function keyHashOf(name: string, encodedKey: Uint8Array): number {
  return createHash('sha256').update(name, 'utf8').update('\n').update(encodedKey).digest().readUInt32BE(0);
}

/** A node:crypto public KeyObject for a raw 32-byte Ed25519 public key. */
export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
}

/** A fresh Ed25519 identity. */
export function generateIdentity(): Identity {
  return identityFromPrivateKey(generateKeyPairSync('ed25519').privateKey);
}

/** The identity of an Ed25519 private key (a KeyObject, or PKCS#8 PEM text). Throws KEY_FILE_INVALID. */
export function identityFromPrivateKey(key: KeyObject | string | Buffer): Identity {
  let privateKey: KeyObject;
  try {
    privateKey = typeof key === 'string' || Buffer.isBuffer(key) ? createPrivateKey(key) : key;
  } catch (cause) {
    throw new ActorchainError('KEY_FILE_INVALID', `The key is not a private key in PEM: ${(cause as Error).message}.`, { cause });
  }
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new ActorchainError('KEY_FILE_INVALID', `The key is a ${privateKey.asymmetricKeyType ?? privateKey.type} ${privateKey.type} key, not an Ed25519 private key.`);
  }
  const publicKey = createPublicKey(privateKey);
  const publicKeyBytes = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return { privateKey, publicKey, publicKeyBytes };
}

/** The identity whose private key is the 32-byte RFC 8032 seed (the form Go's note.GenerateKey prints). */
export function identityFromSeed(seed: Uint8Array): Identity {
  if (seed.length !== 32) throw new ActorchainError('KEY_FILE_INVALID', `An Ed25519 seed is 32 bytes, not ${seed.length}.`);
  return identityFromPrivateKey(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
}

/** Reads an identity from a PKCS#8 PEM file. Throws KEY_FILE_INVALID naming the file. */
export function loadIdentity(path: string): Identity {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ActorchainError('KEY_FILE_INVALID', `The key file ${path} cannot be read: ${(cause as Error).message}.`, { cause });
  }
  try {
    return identityFromPrivateKey(pem);
  } catch (error) {
    throw new ActorchainError('KEY_FILE_INVALID', `The key file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Writes the identity's private key to path as PKCS#8 PEM with mode 0600, never replacing a file:
 * it is written and synced under a temporary name, then linked into place (a crash leaves no half
 * key at path). Returns false, writing nothing, when path already exists.
 */
export function saveIdentity(path: string, identity: Identity): boolean {
  const pem = identity.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, pem);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      unlinkSync(temporary);
    }
    syncDirectory(dirname(path));
  } catch (cause) {
    throw new ActorchainError('KEY_FILE_INVALID', `The key file ${path} cannot be written: ${(cause as Error).message}.`, { cause });
  }
  return true;
}

/** Loads the identity at path, creating it (mode 0600) when no file is there. */
export function loadOrCreateIdentity(path: string): { identity: Identity; created: boolean } {
  try {
    return { identity: loadIdentity(path), created: false };
  } catch (error) {
    if (((error as ActorchainError).cause as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw error;
  }
  const identity = generateIdentity();
  if (saveIdentity(path, identity)) return { identity, created: true };
  return { identity: loadIdentity(path), created: false };
}

function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function malformed(message: string): ActorchainError {
  return new ActorchainError('NOTE_MALFORMED', `${message[0]!.toUpperCase()}${message.slice(1)}.`);
}
