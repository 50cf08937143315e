/**
 * verify's structure thread (src/verify/structure-thread.ts): reads a chain file with every
 * structural check and posts one outcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ChainFileReader } from '../src/chain/chain-file.js';
import { ActorchainError } from '../src/errors.js';
import type { StructureOutcome, StructureThreadData } from '../src/verify/structure-thread.js';
import { TreeRootBuilder } from '../src/verify/tree-root.js';

const data = workerData as StructureThreadData;
const post = (outcome: StructureOutcome) => parentPort!.postMessage(outcome);
const reader = new ChainFileReader(data.file, { componentHash: data.componentHash, upTo: data.upTo });

try {
  let entries = 0;
  let head: string | undefined;
  const tree = new TreeRootBuilder(data.treeSize);
  for await (const group of reader.groups()) {
    tree.add(group);
    entries += 2;
    head = group[1].hash;
  }
  post({ ok: true, entries, head, tail: reader.tail, treeRoot: tree.root });
} catch (err) {
  if (err instanceof ActorchainError) post({ ok: false, code: err.code, message: err.message, position: reader.position });
  else post({ ok: false, code: 'INTERNAL_ERROR', message: err instanceof Error ? (err.stack ?? err.message) : String(err), position: reader.position });
}
