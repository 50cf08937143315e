/**
 * Checkpoints, c2sp.org/tlog-checkpoint: a signed note whose text is
 *
 *   <origin>\n
 *   <tree size, decimal, no leading zero>\n
 *   <base64 of the RFC 6962 root hash, 32 bytes>\n
 *   [<extension line, non-empty>\n ...]
 *
 * signed by the log (key name = origin), and possibly cosigned by witnesses
 * (c2sp.org/tlog-cosignature; see cosignature.ts).
 */
import { type KeyObject } from 'node:crypto';
import { ActorchainError } from '../errors.js';
import { cosignatureBytes, verifyCosignatureBytes } from './cosignature.js';
import { decodeBase64, KEY_TYPE_COSIGNATURE_V1, KEY_TYPE_ED25519, parseVerifierKey, type NoteVerifier } from './keys.js';
import { openNote, parseNote, signatureLine, signNote, type OpenedNote } from './note.js';

/** The three lines of a checkpoint and its extension lines. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  /** The 32-byte root hash. */
  readonly rootHash: Buffer;
  readonly extensions: readonly string[];
}

/** A cosignature that verified: the witness and the time it states. */
export interface Cosignature {
  readonly name: string;
  readonly keyId: number;
  /** Seconds since the epoch. */
  readonly timestamp: number;
}

/** The checkpoint body "origin\nsize\nbase64(root)\n" (then any extension lines). Throws CHECKPOINT_MALFORMED. */
export function checkpointBody(origin: string, size: number, rootHash: Uint8Array, extensions: readonly string[] = []): string {
  if (origin === '' || /[\u0000-\u001f]/.test(origin)) throw malformed('the origin is empty or holds a control character');
  if (!Number.isSafeInteger(size) || size < 0) throw malformed(`the tree size ${size} is not a whole number`);
  if (rootHash.length !== 32) throw malformed(`a root hash is 32 bytes, not ${rootHash.length}`);
  for (const line of extensions) {
    if (line === '' || /[\u0000-\u001f]/.test(line)) throw malformed('an extension line is empty or holds a control character');
  }
  return [origin, String(size), Buffer.from(rootHash).toString('base64'), ...extensions].map((line) => `${line}\n`).join('');
}

/** Parses a checkpoint body (a note's text). Throws CHECKPOINT_MALFORMED naming the line. */
export function parseCheckpoint(body: string): Checkpoint {
  if (!body.endsWith('\n')) throw malformed('the checkpoint does not end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed(`the checkpoint has ${lines.length} lines; it needs origin, tree size and root hash`);
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '') throw malformed('the origin line is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw malformed(`the tree size line ${JSON.stringify(sizeText)} is not a decimal number without leading zeros`);
  }
  const rootHash = decodeBase64(rootText);
  if (rootHash === undefined || rootHash.length !== 32 || rootHash.toString('base64') !== rootText) {
    throw malformed(`the root hash line ${JSON.stringify(rootText)} is not the base64 of 32 bytes`);
  }
  if (extensions.some((line) => line === '')) throw malformed('an extension line is empty');
  return { origin, size: Number(sizeText), rootHash, extensions };
}

/** Signs a checkpoint as the log: the note of checkpointBody signed by (origin, privateKey). */
export function signCheckpoint(checkpoint: Omit<Checkpoint, 'extensions'> & { extensions?: readonly string[] }, privateKey: KeyObject): string {
  const body = checkpointBody(checkpoint.origin, checkpoint.size, checkpoint.rootHash, checkpoint.extensions);
  return signNote(body, [{ name: checkpoint.origin, privateKey }]);
}

/**
 * Opens a signed checkpoint: the log's signature (type 0x01 key) must verify, and the cosignature
 * of each witness key given that is on the note must too (absent ones are simply not listed).
 * Throws NOTE_MALFORMED, NOTE_UNVERIFIED or CHECKPOINT_MALFORMED.
 */
export function openCheckpoint(
  note: string,
  logKey: string | NoteVerifier,
  witnessKeys: readonly (string | NoteVerifier)[] = [],
): { checkpoint: Checkpoint; note: OpenedNote; cosignatures: Cosignature[] } {
  const log = typeof logKey === 'string' ? parseVerifierKey(logKey) : logKey;
  if (log.type !== KEY_TYPE_ED25519) throw new ActorchainError('NOTE_UNVERIFIED', `The log key ${log.text} is a witness key (type 0x04), not a log's.`);
  const opened = openNote(note, [log, ...witnessKeys]);
  if (!opened.verified.some((s) => s.name === log.name && s.keyId === log.keyId)) {
    throw new ActorchainError('NOTE_UNVERIFIED', `The checkpoint has no signature from the log key ${log.text}.`);
  }
  const checkpoint = parseCheckpoint(opened.text);
  const cosignatures = opened.verified.filter((s) => s.type === KEY_TYPE_COSIGNATURE_V1).map((s) => ({ name: s.name, keyId: s.keyId, timestamp: s.timestamp! }));
  return { checkpoint, note: opened, cosignatures };
}

/**
 * A witness's cosignature/v1 line over a checkpoint body, `— <witness name> <base64(key id ||
 * timestamp || signature)>\n`, to add to the note with addSignatureLines.
 */
export function cosign(checkpointBodyText: string, witnessName: string, witnessKey: { privateKey: KeyObject; publicKeyBytes: Uint8Array }, timeSeconds: number): string {
  parseCheckpoint(checkpointBodyText);
  return signatureLine(witnessName, cosignatureBytes(checkpointBodyText, witnessName, witnessKey, timeSeconds));
}

/**
 * Checks one cosignature line against a checkpoint body and a witness's verifier key (type 0x04).
 * Returns the time it states (seconds). Throws NOTE_MALFORMED, or NOTE_UNVERIFIED when the line
 * is not that witness's or does not verify.
 */
export function verifyCosignature(checkpointBodyText: string, line: string, witnessKey: string | NoteVerifier): number {
  const witness = typeof witnessKey === 'string' ? parseVerifierKey(witnessKey) : witnessKey;
  const [signature] = parseNote(`${checkpointBodyText}\n${line.endsWith('\n') ? line : `${line}\n`}`).signatures;
  if (signature === undefined || signature.name !== witness.name || signature.keyId !== witness.keyId) {
    throw new ActorchainError('NOTE_UNVERIFIED', `The line is not a cosignature of ${witness.text}.`);
  }
  const timestamp = verifyCosignatureBytes(witness, checkpointBodyText, decodeBase64(signature.base64)!.subarray(4));
  if (timestamp === undefined) throw new ActorchainError('NOTE_UNVERIFIED', `The cosignature of ${witness.name} does not verify for this checkpoint.`);
  return timestamp;
}

function malformed(message: string): ActorchainError {
  return new ActorchainError('CHECKPOINT_MALFORMED', `${message[0]!.toUpperCase()}${message.slice(1)}.`);
}
