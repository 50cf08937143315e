/**
 * verify's last step: the source's newest signed checkpoint (GET /checkpoint, or the data
 * dir's tree.checkpoint) must be signed by the chain's key (the one its genesis records, or
 * --key) and sign the root of the entries verify has just replayed.
 */
import { stat } from 'node:fs/promises';
import { openChainBytes } from '../chain/chain-bytes.js';
import { resolveChainFile } from '../chain/chain-file.js';
import { readSignedCheckpoint } from '../chain/tree-file.js';
import { ActorchainError } from '../errors.js';
import { openCheckpoint, parseCheckpoint } from '../tlog/checkpoint.js';
import { parseNote } from '../tlog/note.js';
import { endpoint, readHeaders } from './http-source.js';
import { openLogSource } from './log-source.js';
import { isUrl } from './source.js';
import type { VerifySummary } from './verify.js';

export interface SourceCheckpoint {
  note: string;
  /** The size its body states (not yet verified). */
  size: number;
}

/** The source's newest signed checkpoint, if it has one (a runtime from before checkpoints, a bare .ndjson file: none). */
export async function sourceCheckpoint(source: string, timeoutMs: number): Promise<SourceCheckpoint | undefined> {
  let note: string | undefined;
  if (isUrl(source)) {
    try {
      const response = await fetch(endpoint(source, 'checkpoint'), { headers: readHeaders(), signal: AbortSignal.timeout(timeoutMs) });
      note = response.ok ? await response.text() : undefined;
    } catch (err) {
      if ((err as Error).name !== 'TimeoutError')
        throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot reach ${source}: ${(err as Error).message}`, { cause: err });
      throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${source} gave nothing for ${timeoutMs} ms (--timeout) when asked for GET /checkpoint`);
    }
  } else if ((await stat(source).catch(() => undefined))?.isDirectory()) {
    note = await readSignedCheckpoint(source);
  }
  if (note === undefined) return undefined;
  try {
    return { note, size: parseCheckpoint(parseNote(note).text).size };
  } catch (err) {
    throw new ActorchainError('CHAIN_EQUIVOCATED', `the source's signed checkpoint is malformed (${(err as Error).message}):\n${note}`);
  }
}

/** One line saying what was checked; throws NOTE_UNVERIFIED or CHAIN_EQUIVOCATED. */
export async function checkSourceCheckpoint(source: string, checkpoint: SourceCheckpoint | undefined, summary: VerifySummary, key?: string): Promise<string> {
  if (checkpoint === undefined) return 'checkpoint: none to check (the source has no signed checkpoint)';
  const chainKey = key ?? (await genesisKey(source));
  if (chainKey === undefined) return "checkpoint: not checked (the genesis records no key: give --key <the runtime's verifier key>)";
  const { checkpoint: signed } = openCheckpoint(checkpoint.note, chainKey);
  if (signed.size > summary.entries || summary.treeRoot === undefined) {
    throw new ActorchainError(
      'CHAIN_EQUIVOCATED',
      `${source} signed a checkpoint of ${signed.size} entries, but its chain holds ${summary.entries}:\n${checkpoint.note}`,
    );
  }
  if (signed.rootHash.toString('base64') !== summary.treeRoot) {
    throw new ActorchainError(
      'CHAIN_EQUIVOCATED',
      `${source} signed a checkpoint of ${signed.size} entries whose root is not the RFC 6962 root of those entries (${summary.treeRoot}): it signed another history:\n${checkpoint.note}`,
    );
  }
  return `checkpoint: ${signed.size} entries signed by ${chainKey}; the root matches the replayed entries`;
}

async function genesisKey(source: string): Promise<string | undefined> {
  if (isUrl(source)) return (await openLogSource(source)).genesisKey();
  // The genesis is the file's first line, a few hundred bytes.
  const handle = await openChainBytes(await resolveChainFile(source));
  const head = Buffer.alloc(64 * 1024);
  const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
  const first = head.subarray(0, bytesRead).toString('utf8').split('\n', 1)[0];
  try {
    const key = (JSON.parse(first!) as { data: { key?: unknown } }).data.key;
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}
