/**
 * verify's structure thread (src/verify/structure-thread.ts): reads a chain file with every
 * structural check and posts one outcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ChainFileReader } from '../src/chain/chain-file.js';
import { ActorchainError } from '../src/errors.js';
import type { StructureOutcome, StructureThreadData } from '../src/verify/structure-thread.js';

const data = workerData as StructureThreadData;
const post = (outcome: StructureOutcome) => parentPort!.postMessage(outcome);
const reader = new ChainFileReader(data.file, { componentHash: data.componentHash, upTo: data.upTo });

try {
  let entries = 0;
  let head: string | undefined;
  for await (const [, state] of reader.groups()) {
    entries += 2;
    head = state.hash;
  }
  post({ ok: true, entries, head, tail: reader.tail });
} catch (err) {
  if (err instanceof ActorchainError) post({ ok: false, code: err.code, message: err.message, position: reader.position });
  else post({ ok: false, code: 'INTERNAL_ERROR', message: err instanceof Error ? (err.stack ?? err.message) : String(err), position: reader.position });
}
