/**
 * `actorchain compact`: seal a stopped runtime's data dir (chain-bytes.ts, sealed.ts), a
 * plain one (turned into the compacted layout) or a compacted one (what chain.ndjson has
 * gathered since). Every whole group is sealed; what follows the last one (a torn tail,
 * which the next start cuts) stays in chain.ndjson. The chain is checked as a start checks
 * it before anything is written, and the sealer checks each delta against its text before
 * it writes it, so a compaction can lose nothing that was there.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ActorchainError } from '../errors.js';
import { APPEND_FLAGS, CHAIN_FILE, openChainBytes, settleCompaction } from './chain-bytes.js';
import { ChainFileReader } from './chain-file.js';
import { lockDataDir } from './data-dir-lock.js';
import { createSealedFile, seal } from './live-seal.js';
import { SEALED_FILE } from './sealed.js';

export interface Compacted {
  /** Entries sealed now. */
  entries: number;
  /** Canonical NDJSON bytes of the entries sealed now. */
  canonicalBytes: number;
  /** chain.sealed's size. */
  sealedBytes: number;
  /** Bytes left in chain.ndjson after them. */
  plainBytes: number;
}

export async function compactDataDir(dir: string, onWarning: (message: string) => void = () => {}): Promise<Compacted> {
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${dir} is not a data dir`);
  }
  const lock = await lockDataDir(dir, (message) => onWarning(message));
  try {
    await settleCompaction(dir);
    const file = path.join(dir, CHAIN_FILE);
    const reader = new ChainFileReader(file);
    for await (const group of reader.groups()) void group;
    if (!(await stat(path.join(dir, SEALED_FILE)).catch(() => undefined))) await createSealedFile(dir);
    const chain = await openChainBytes(file, APPEND_FLAGS);
    let sealed = { entries: 0, canonicalBytes: 0 };
    try {
      if (reader.wholeBytes > chain.plainFrom) sealed = await seal(dir, chain, reader.wholeBytes, (fn) => fn());
    } finally {
      await chain.close();
    }
    const sealedBytes = (await stat(path.join(dir, SEALED_FILE))).size;
    const plainBytes = (await stat(file)).size;
    return { ...sealed, sealedBytes, plainBytes };
  } finally {
    await lock.release();
  }
}
