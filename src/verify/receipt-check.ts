/**
 * `actorchain receipt check`: what a client holding a receipt can prove.
 *
 * 1. The receipt's checkpoint is signed by the chain's key (the genesis key, or one given).
 * 2. With a source: the source's newest checkpoint, signed by the same key, extends the
 *    receipt's (an RFC 6962 consistency proof). If it does not, the runtime has signed two
 *    histories: CHAIN_EQUIVOCATED, with both signed notes as the evidence.
 * 3. With a source: the entry the receipt names, fetched and hashed, is leaf `index` of the
 *    receipt's tree (the inclusion proof leads to the signed root).
 * 4. Each witness key given has cosigned a checkpoint of the source at least as large as the
 *    receipt's.
 */
import { createHash } from 'node:crypto';
import { ActorchainError } from '../errors.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { leafHash } from '../tlog/merkle.js';
import { verifyConsistency, verifyInclusion } from '../tlog/proof-check.js';
import type { LogSource } from './log-source.js';

export interface ReceiptInput {
  index: number;
  hash: string;
  checkpoint: string;
  proof: string[];
}

export interface ReceiptCheckOptions {
  source?: LogSource;
  /** The chain's verifier key; default: the one its genesis records (needs a source). */
  key?: string;
  witnesses: readonly string[];
}

/** The receipt in a file: the receipt itself, or a whole `POST /` answer that carries one. */
export function parseReceipt(text: string, file: string): ReceiptInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ActorchainError('RECEIPT_INVALID', `${file} is not JSON (${(err as Error).message}); give the receipt as POST / answered it`);
  }
  const receipt = (value as { receipt?: unknown })?.receipt ?? value;
  const { index, hash, checkpoint, proof } = (receipt ?? {}) as Record<string, unknown>;
  const wellFormed =
    Number.isSafeInteger(index) &&
    (index as number) >= 0 &&
    typeof hash === 'string' &&
    /^[0-9a-f]{64}$/.test(hash) &&
    typeof checkpoint === 'string' &&
    Array.isArray(proof) &&
    proof.every((node) => typeof node === 'string');
  if (!wellFormed) throw new ActorchainError('RECEIPT_INVALID', `${file} holds no receipt: one needs index, hash, checkpoint and proof (as POST / answers them)`);
  return { index: index as number, hash: hash as string, checkpoint: checkpoint as string, proof: proof as string[] };
}

function equivocation(why: string, first: string, second: string): ActorchainError {
  return new ActorchainError(
    'CHAIN_EQUIVOCATED',
    `${why}. Both checkpoints are signed by the chain's key; they cannot both be true:\n--- the receipt's checkpoint\n${first}--- the source's checkpoint\n${second}---`,
  );
}

function open(note: string, key: string, witnesses: readonly string[], what: string) {
  try {
    return openCheckpoint(note, key, witnesses);
  } catch (err) {
    throw new ActorchainError('RECEIPT_INVALID', `${what} does not verify with ${key}: ${(err as Error).message}`, { cause: err });
  }
}

/** Resolves with the lines to print when everything holds; throws RECEIPT_INVALID or CHAIN_EQUIVOCATED. */
export async function checkReceipt(receipt: ReceiptInput, options: ReceiptCheckOptions): Promise<string[]> {
  const { source } = options;
  const key = options.key ?? (await source?.genesisKey());
  if (key === undefined) {
    throw new ActorchainError(
      'INVALID_OPTION',
      source === undefined
        ? "give the chain's verifier key (--key) or a source (its URL or data dir) whose genesis names it"
        : `${source.name}'s genesis records no key (a chain made before keys): give --key <verifier key>`,
    );
  }
  const signed = open(receipt.checkpoint, key, [], "the receipt's checkpoint").checkpoint;
  const size = signed.size;
  if (receipt.index >= size) throw new ActorchainError('RECEIPT_INVALID', `the receipt names leaf ${receipt.index}, but its checkpoint signs a tree of ${size}`);
  const proof = receipt.proof.map((node) => Buffer.from(node, 'base64'));
  const report = [`signature: the checkpoint of ${size} entries is signed by ${key}`];
  if (source === undefined) {
    if (options.witnesses.length > 0) throw new ActorchainError('INVALID_OPTION', '--witness needs a source to fetch the cosigned checkpoint from');
    report.push("inclusion: not checked (give the runtime's URL or data dir to fetch the entry)");
    return report;
  }

  const currentNote = await source.checkpoint();
  const current = open(currentNote, key, options.witnesses, `${source.name}'s checkpoint`);
  if (current.checkpoint.origin !== signed.origin) {
    throw new ActorchainError('RECEIPT_INVALID', `${source.name} signs for ${current.checkpoint.origin}, the receipt for ${signed.origin}: another log`);
  }
  const now = current.checkpoint.size;
  if (now < size) throw equivocation(`${source.name} now signs ${now} entries, fewer than the ${size} of the receipt`, receipt.checkpoint, currentNote);
  const consistency = now === size ? [] : await source.consistencyProof(size, now);
  if (!verifyConsistency(size, now, signed.rootHash, current.checkpoint.rootHash, consistency)) {
    throw equivocation(`no consistency proof links the receipt's tree of ${size} entries to ${source.name}'s tree of ${now}`, receipt.checkpoint, currentNote);
  }
  report.push(`consistency: ${source.name}'s checkpoint of ${now} entries extends the receipt's`);

  const entry = await source.entry(receipt.hash);
  if (entry === undefined) throw new ActorchainError('RECEIPT_INVALID', `${source.name} has no entry ${receipt.hash}, which the receipt names`);
  if (createHash('sha256').update(entry).digest('hex') !== receipt.hash) {
    throw new ActorchainError('RECEIPT_INVALID', `${source.name} served bytes for entry ${receipt.hash} that do not hash to it`);
  }
  if (!verifyInclusion(leafHash(entry), receipt.index, size, proof, signed.rootHash)) {
    throw new ActorchainError(
      'RECEIPT_INVALID',
      `the inclusion proof does not lead from entry ${receipt.hash} at leaf ${receipt.index} to the signed root of ${size} entries`,
    );
  }
  report.push(`inclusion: entry ${receipt.hash} is leaf ${receipt.index} of the signed tree`);

  for (const witness of options.witnesses) {
    const name = witness.slice(0, witness.indexOf('+'));
    if (!current.cosignatures.some((cosignature) => cosignature.name === name)) {
      throw new ActorchainError('RECEIPT_INVALID', `${source.name}'s checkpoint of ${now} entries carries no valid cosignature from the witness ${witness}`);
    }
    report.push(`witness: ${name} cosigned the checkpoint of ${now} entries`);
  }
  return report;
}
