/**
 * Ed25519 witness cosignatures, c2sp.org/tlog-cosignature (cosignature/v1, key type 0x04).
 *
 *   signed message   "cosignature/v1\n" || "time " || decimal timestamp || "\n" || checkpoint body
 *   signature bytes  key id (4, big-endian) || timestamp (u64, big-endian) || Ed25519 signature (64)
 *
 * The message does not name the cosigner, so one witness key must serve one witness name only.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { ActorchainError } from '../errors.js';
import { decodeBase64, KEY_TYPE_COSIGNATURE_V1, keyId, type NoteVerifier } from './keys.js';

const MAX_TIMESTAMP = 2n ** 63n - 1n;
const COSIGNATURE_BYTES = 4 + 8 + 64;

/** The bytes a cosignature/v1 signs: the header, the time line, then the checkpoint body. */
export function cosignedMessage(checkpointBody: string, timeSeconds: number | bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${BigInt(timeSeconds)}\n${checkpointBody}`, 'utf8');
}

/** The signature bytes (key id, timestamp, Ed25519 signature) of a witness over a checkpoint body. */
export function cosignatureBytes(
  checkpointBody: string,
  witnessName: string,
  witnessKey: { privateKey: KeyObject; publicKeyBytes: Uint8Array },
  timeSeconds: number,
): Buffer {
  if (!Number.isSafeInteger(timeSeconds) || timeSeconds < 0) {
    throw new ActorchainError('INVALID_OPTION', `A cosignature time is a whole number of seconds since the epoch, not ${timeSeconds}.`);
  }
  const out = Buffer.alloc(COSIGNATURE_BYTES);
  out.writeUInt32BE(keyId(witnessName, KEY_TYPE_COSIGNATURE_V1, witnessKey.publicKeyBytes), 0);
  out.writeBigUInt64BE(BigInt(timeSeconds), 4);
  sign(null, cosignedMessage(checkpointBody, timeSeconds), witnessKey.privateKey).copy(out, 12);
  return out;
}

/**
 * Checks cosignature bytes without their 4-byte key id (the note's signature after the id) against
 * a type 0x04 verifier. Returns the cosignature's timestamp in seconds, or undefined when it does
 * not verify.
 */
export function verifyCosignatureBytes(verifier: NoteVerifier, checkpointBody: string, signature: Uint8Array): number | undefined {
  if (verifier.type !== KEY_TYPE_COSIGNATURE_V1 || signature.length !== COSIGNATURE_BYTES - 4) return undefined;
  const timestamp = Buffer.from(signature.buffer, signature.byteOffset, 8).readBigUInt64BE(0);
  if (timestamp > MAX_TIMESTAMP) return undefined;
  const ok = verify(null, cosignedMessage(checkpointBody, timestamp), verifier.keyObject, signature.subarray(8));
  return ok ? Number(timestamp) : undefined;
}

/**
 * The time a cosignature/v1 line states (the base64 of a NoteSignature), without verifying it;
 * undefined when the bytes are not a cosignature's (4 + 8 + 64 bytes).
 */
export function cosignatureTimestamp(base64: string): number | undefined {
  const bytes = decodeBase64(base64);
  if (bytes?.length !== COSIGNATURE_BYTES) return undefined;
  const timestamp = bytes.readBigUInt64BE(4);
  return timestamp > MAX_TIMESTAMP ? undefined : Number(timestamp);
}
