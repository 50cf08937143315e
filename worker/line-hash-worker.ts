/**
 * The hash thread of a reopen (src/chain/line-hasher.ts): the SHA-256 of every whole line of
 * a stretch of chain.ndjson, in order, raw and in hex.
 */
import crypto from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { openChainBytes } from '../src/chain/chain-bytes.js';
import type { LineHashRequest } from '../src/chain/line-hasher.js';
import { LineChunks } from '../src/chain/line-source.js';

const { file, from, to } = workerData as LineHashRequest;
const NEWLINE = 0x0a;

/** crypto.hash (Node 20.12+) with latin1 output: the raw digest, without a Hash object or a Buffer per line. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'latin1') => string }).hash;
/** Buffer's own codecs, without the argument checks of write() and toString(). */
interface RawCodecs {
  latin1Write(text: string, offset: number, length: number): number;
  hexSlice(start: number, end: number): string;
}
const raw = (buffer: Buffer) => buffer as unknown as RawCodecs;
const latin1Write = (buffer: Buffer, text: string, offset: number) => raw(buffer).latin1Write(text, offset, 32);

let hashes = Buffer.allocUnsafeSlow(Math.max(1 << 16, Math.ceil((to - from) / 100) * 32));
/** The same hashes in lowercase hex, 64 bytes each: what a line names as its parent. */
let hex = Buffer.allocUnsafeSlow(hashes.length * 2);
let lines = 0;

function hashLine(line: Buffer): void {
  if (lines * 32 === hashes.length) {
    const grown = Buffer.allocUnsafeSlow(hashes.length * 2);
    hashes.copy(grown, 0, 0, lines * 32);
    hashes = grown;
    const grownHex = Buffer.allocUnsafeSlow(hex.length * 2);
    hex.copy(grownHex, 0, 0, lines * 64);
    hex = grownHex;
  }
  if (oneShot) latin1Write(hashes, oneShot('sha256', line, 'latin1'), lines * 32);
  else
    crypto
      .createHash('sha256')
      .update(line)
      .digest()
      .copy(hashes, lines * 32);
  lines++;
}

// Through the same byte view as the checking thread (chain-bytes.ts), so both read one chain.
const chain = await openChainBytes(file);
try {
  for await (const { lines: chunk } of new LineChunks(chain, from, to)) {
    const first = lines;
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      hashLine(chunk.subarray(start, nl));
      start = nl + 1;
    }
    // One conversion for the whole chunk: per line it would cost as much as the hash.
    raw(hex).latin1Write(raw(hashes).hexSlice(first * 32, lines * 32), first * 64, (lines - first) * 64);
  }
} finally {
  await chain.close();
}
parentPort!.postMessage({ hashes: hashes.buffer, hex: hex.buffer, lines }, [hashes.buffer, hex.buffer]);
