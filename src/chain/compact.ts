/**
 * `actorchain compact`: turn a stopped runtime's data dir into the compacted layout
 * (chain-bytes.ts, sealed.ts). Every whole group is sealed; what follows the last one (a
 * torn tail, which the next start cuts) stays in chain.ndjson. The chain is checked as a
 * start checks it, and the sealed file is read back against it before the switch, so a
 * compaction can lose nothing that was there.
 */
import { constants } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { ActorchainError } from '../errors.js';
import { ChainFileReader } from './chain-file.js';
import { CHAIN_FILE, openChainBytes, PLAIN_NEXT, SEALED_TEMP, settleCompaction, syncDirectory } from './chain-bytes.js';
import { lockDataDir } from './data-dir-lock.js';
import { SealedReader, SealedWriter, SEALED_FILE } from './sealed.js';

export interface Compacted {
  entries: number;
  /** Canonical NDJSON bytes of the sealed entries. */
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
    const temp = path.join(dir, SEALED_TEMP);
    const sealedHandle = await open(temp, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC);
    let writer: SealedWriter;
    const reader = new ChainFileReader(file);
    try {
      writer = await SealedWriter.create(sealedHandle);
      for await (const group of reader.groups()) {
        for (const entry of group) await writer.add(entry.text, entry.hash);
      }
      await writer.finish();
    } finally {
      await sealedHandle.close();
    }
    // Read back: every entry rebuilds to its bytes (the hash prefixes are checked as it goes).
    const check = await SealedReader.open(temp, await open(temp, 'r'));
    const chain = await openChainBytes(file);
    try {
      const whole = reader.wholeBytes;
      if (check.bytes !== whole) throw new Error(`the sealed entries make ${check.bytes} bytes, the chain's whole groups ${whole}`);
      const mine = Buffer.allocUnsafe(1 << 20);
      const theirs = Buffer.allocUnsafe(1 << 20);
      for (let at = 0; at < whole; at += mine.length) {
        const length = Math.min(mine.length, whole - at);
        await check.read(mine, 0, length, at);
        await chain.read(theirs, 0, length, at);
        if (mine.compare(theirs, 0, length, 0, length) !== 0) throw new Error(`the sealed entries differ from the chain within bytes ${at} to ${at + length}`);
      }
      // What follows the whole groups goes on in the new chain.ndjson.
      const size = (await chain.stat()).size;
      const next = await open(path.join(dir, PLAIN_NEXT), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
      try {
        for (let at = whole; at < size; at += mine.length) {
          const { bytesRead } = await chain.read(mine, 0, Math.min(mine.length, size - at), at);
          await next.write(mine, 0, bytesRead);
        }
        await next.datasync();
      } finally {
        await next.close();
      }
    } finally {
      await check.close();
      await chain.close();
    }
    await syncDirectory(dir);
    // The switch; then the rename that a crash before it leaves to the next start.
    await rename(temp, path.join(dir, SEALED_FILE));
    await syncDirectory(dir);
    await settleCompaction(dir);
    const sealedBytes = (await stat(path.join(dir, SEALED_FILE))).size;
    const plainBytes = (await stat(file)).size;
    return { entries: writer.entries, canonicalBytes: reader.wholeBytes, sealedBytes, plainBytes };
  } finally {
    await lock.release();
  }
}
