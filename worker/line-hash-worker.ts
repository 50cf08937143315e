/**
 * The hash thread (src/chain/line-hasher.ts): the SHA-256 of every whole line of a stretch of
 * a chain, in order, each line held to the hash of the one before; and, when asked, the
 * RFC 6962 root of the first lines.
 */
import crypto from 'node:crypto';
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openChainBytes } from '../src/chain/chain-bytes.js';
import type { LineHashAnswer, LineHashRequest } from '../src/chain/line-hasher.js';
import { LineChunks } from '../src/chain/line-source.js';
import type { MerkleTree } from '../src/tlog/merkle.js';

const { file, from, to, firstParent, treeSize = 0 } = workerData as LineHashRequest;
const NEWLINE = 0x0a;
/** How a canonical entry ends: its parent, the last member. */
const PARENT_MEMBER = Buffer.from(',"parent":"');
const GENESIS_END = Buffer.from(',"parent":null}');

/** crypto.hash (Node 20.12+) with latin1 output: the raw digest, without a Hash object or a Buffer per line. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'latin1') => string }).hash;
/** Buffer's own codecs, without the argument checks of write() and toString(). */
interface RawCodecs {
  latin1Write(text: string, offset: number, length: number): number;
  hexSlice(start: number, end: number): string;
}
const raw = (buffer: Buffer) => buffer as unknown as RawCodecs;
const latin1Write = (buffer: Buffer, text: string, offset: number) => raw(buffer).latin1Write(text, offset, 32);

/**
 * Sized for lines of about 100 bytes (the echo actor's), so they seldom grow; at most for a
 * million lines at first (a chain of 128 KB states would otherwise ask for more than the
 * largest Buffer, and this thread would die before reading a line), grown as needed.
 */
const FIRST_LINES = Math.min(Math.max(1 << 11, Math.ceil((to - from) / 100)), 1 << 20);
let hashes = Buffer.allocUnsafeSlow(FIRST_LINES * 32);
/** The same hashes in lowercase hex, 64 bytes each: what a line names as its parent. */
let hex = Buffer.allocUnsafeSlow(hashes.length * 2);
let lines = 0;
let brokenLink: number | undefined;
// Only verify asks for a tree root: a reopen does not load the module.
const merkle = treeSize > 0 && from === 0 ? await import('../src/tlog/merkle.js') : undefined;
const tree: MerkleTree | undefined = merkle && new merkle.MerkleTree();

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
  if (tree && lines < treeSize) tree.append(merkle!.leafHash(line));
  lines++;
}

/** Whether line `index` ends naming the hash of the line before (the first: `firstParent`). */
function linked(line: Buffer, index: number): boolean {
  if (index === 0 && firstParent === null)
    return line.length >= GENESIS_END.length && line.compare(GENESIS_END, 0, GENESIS_END.length, line.length - GENESIS_END.length) === 0;
  const end = line.length - 2;
  if (end - 64 - PARENT_MEMBER.length < 0 || line[end] !== 0x22 || line[end + 1] !== 0x7d) return false;
  if (line.compare(PARENT_MEMBER, 0, PARENT_MEMBER.length, end - 64 - PARENT_MEMBER.length, end - 64) !== 0) return false;
  return index === 0 ? line.toString('latin1', end - 64, end) === firstParent : line.compare(hex, (index - 1) * 64, index * 64, end - 64, end) === 0;
}

// Through the same byte view as the checking thread (chain-bytes.ts), so both read one chain;
// with no sealed part, by synchronous reads of chain.ndjson (this thread has nothing else to do).
const chain = await openChainBytes(file);
// Sealed entries are rebuilt without a hash of their own: each line's hash is held to its
// sealed prefix here instead (a line that fails it counts as a broken link, which the
// checking thread then names).
const sealed = from === 0 ? chain.sealed : undefined;
if (chain.sealed) chain.sealed.checkTexts = sealed === undefined;
const plainFd = chain.plainFrom === 0 ? chain.plain.fd : undefined;
const reader =
  plainFd === undefined
    ? chain
    : { read: (buffer: Buffer, offset: number, length: number, position: number) => Promise.resolve({ bytesRead: readSync(plainFd, buffer, offset, length, position) }) };
try {
  for await (const { lines: chunk } of new LineChunks(reader, from, to)) {
    const first = lines;
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      hashLine(chunk.subarray(start, nl));
      start = nl + 1;
    }
    // One conversion for the whole chunk: per line it would cost as much as the hash.
    raw(hex).latin1Write(raw(hashes).hexSlice(first * 32, lines * 32), first * 64, (lines - first) * 64);
    if (brokenLink !== undefined) continue;
    start = 0;
    for (let index = first, nl = chunk.indexOf(NEWLINE); nl !== -1; index++, nl = chunk.indexOf(NEWLINE, start)) {
      if (!linked(chunk.subarray(start, nl), index)) {
        brokenLink = index;
        break;
      }
      start = nl + 1;
    }
    for (let index = first; index < (brokenLink ?? lines) && sealed !== undefined && index < sealed.entries; index++) {
      if (!sealed.hasHashPrefix(index, hashes.subarray(index * 32, index * 32 + 32))) {
        brokenLink = index;
        break;
      }
    }
  }
} finally {
  await chain.close();
}
const treeRoot = tree && tree.size === treeSize ? tree.root(treeSize).toString('base64') : undefined;
const answer: LineHashAnswer = { hashes: hashes.buffer, lines, brokenLink, treeRoot };
parentPort!.postMessage(answer, [hashes.buffer]);
