/**
 * What does a compacted data dir cost on disk, and what does reading it cost? Chains are
 * written in process as the runtime writes them (Chain over the file store, fsync never)
 * for the WAT echo actor, whose state is the message:
 *
 * - a ledger of 10,000 accounts (about 150 KB of canonical JSON) with one transfer per
 *   message (two balances change): disk bytes per message, plain against `compact`;
 * - a 100-byte state: the same;
 * - GET /chain/<hash> of old entries of the compacted ledger chain (store.read of one
 *   entry at a random position, what the route serves), median;
 * - reopen of the compacted dir (every entry rebuilt and checked) against a read-and-hash
 *   pass over its canonical bytes;
 * - appends of the 128 KB-state entries with fsync always, on the compacted dir and on a
 *   plain one (appends go to chain.ndjson in both layouts).
 *
 *   node dist/bench/compact.js [messages] (default 2,000: the 10,000 take minutes to write)
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Chain } from '../src/chain/chain.js';
import { compactDataDir } from '../src/chain/compact.js';
import { openFileStore } from '../src/chain/recovery.js';
import { SEALED_FILE } from '../src/chain/sealed.js';
import { TreeFile } from '../src/chain/tree-file.js';
import { percentile } from './stats.js';

const messages = Number(process.argv[2] ?? 2000);
const HASH = 'e'.repeat(64);
const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-compact-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

async function writeChain(name: string, stateOf: (n: number) => string, count: number, fsync: 'always' | 'never' = 'never'): Promise<{ dir: string; seconds: number }> {
  const dir = path.join(scratch, name);
  const { store } = await openFileStore(dir, { componentHash: HASH, fsync, onWarning: () => {} });
  const chain = new Chain(store);
  await chain.commitStart(HASH, { state: '{}', sends: [], journal: undefined });
  const started = performance.now();
  let last: Promise<void> = Promise.resolve();
  for (let n = 0; n < count; n++) {
    const state = stateOf(n);
    last = chain.commitTransition(state, { state, sends: [], journal: undefined }).durable;
    if (fsync === 'always' && n % 32 === 31) await last;
  }
  await last;
  const seconds = (performance.now() - started) / 1000;
  await chain.close();
  return { dir, seconds };
}

const diskBytes = (dir: string) =>
  ['chain.ndjson', SEALED_FILE].reduce((sum, file) => sum + (statSync(path.join(dir, file), { throwIfNoEntry: false })?.size ?? 0), 0);

// The ledger: 10,000 accounts, one transfer a message (the echo actor's state is the message).
const balances = Array.from({ length: 10_000 }, (_, i) => 100_000 + ((i * 7919) % 99_991));
const ledgerState = (n: number) => {
  const from = (n * 7907) % balances.length;
  const to = (n * 104_729 + 1) % balances.length;
  balances[from]! -= 17;
  balances[to]! += 17;
  let text = '{"accounts":{';
  for (let i = 0; i < balances.length; i++) text += `${i === 0 ? '' : ','}"a${String(i).padStart(5, '0')}":${balances[i]}`;
  return `${text}},"n":${n}}`;
};

function report(label: string, plainBytes: number, compactedBytes: number, count: number): void {
  console.log(`${label}: plain ${(plainBytes / count).toFixed(0)} B/message, compacted ${(compactedBytes / count).toFixed(0)} B/message (${((100 * compactedBytes) / plainBytes).toFixed(2)} % of the canonical bytes)`);
}

const ledger = await writeChain('ledger', ledgerState, messages);
const ledgerPlain = diskBytes(ledger.dir);
const plainCopy = path.join(scratch, 'ledger-plain.ndjson');
copyFileSync(path.join(ledger.dir, 'chain.ndjson'), plainCopy);
let started = performance.now();
await compactDataDir(ledger.dir);
const compactSeconds = (performance.now() - started) / 1000;
const ledgerCompacted = diskBytes(ledger.dir);
report(`ledger of 10,000 accounts, ${messages} messages`, ledgerPlain, ledgerCompacted, messages);
console.log(`  compact took ${compactSeconds.toFixed(1)} s`);
console.log(`= ledger disk bytes: ${((100 * ledgerCompacted) / ledgerPlain).toFixed(2)} % of canonical (goal <= 1 %)`);

const echo = await writeChain('echo', (n) => JSON.stringify({ n, note: 'x'.repeat(80 - String(n).length) }), messages);
const echoPlain = diskBytes(echo.dir);
await compactDataDir(echo.dir);
const echoCompacted = diskBytes(echo.dir);
report(`echo, 100-byte state, ${messages} messages`, echoPlain, echoCompacted, messages);
console.log(`= echo disk bytes: ${((100 * echoCompacted) / echoPlain).toFixed(1)} % of today's (goal <= 120 %)`);

// Reopen (every entry rebuilt and checked) against reading and hashing the canonical bytes.
started = performance.now();
const { store } = await openFileStore(ledger.dir, { componentHash: HASH, fsync: 'never', onWarning: () => {} });
const reopenSeconds = (performance.now() - started) / 1000;
started = performance.now();
const canonical = readFileSync(plainCopy);
for (let at = 0, nl = canonical.indexOf(0x0a); nl !== -1; at = nl + 1, nl = canonical.indexOf(0x0a, at)) createHash('sha256').update(canonical.subarray(at, nl)).digest();
const hashSeconds = (performance.now() - started) / 1000;
console.log(`reopen of the compacted ledger chain: ${reopenSeconds.toFixed(2)} s; read-and-hash pass over the plain bytes: ${hashSeconds.toFixed(2)} s`);
console.log(`= reopen: ${(reopenSeconds / hashSeconds).toFixed(2)}x a read-and-hash pass (goal <= 2x)`);

// GET /chain/<hash> of an old entry reads it from the store.
const reads: number[] = [];
for (let i = 0; i < 200; i++) {
  const position = Math.floor(Math.random() * store.length);
  const t0 = performance.now();
  await store.read(position, position + 1);
  reads.push(performance.now() - t0);
}
await store.close();
console.log(`= read of a random old entry: median ${percentile(reads, 50).toFixed(2)} ms, p99 ${percentile(reads, 99).toFixed(2)} ms (goal median <= 5 ms)`);

// Appends with fsync always: the compacted dir appends to chain.ndjson as a plain one does.
const appends = Math.min(messages, 300);
async function appendSeconds(dir: string): Promise<number> {
  const { store: opened, state, keys } = await openFileStore(dir, { componentHash: HASH, fsync: 'always', onWarning: () => {} });
  const treeFile = await TreeFile.open(dir, opened.length, (from, to) => opened.read(from, to), () => {});
  const chain = new Chain(opened, state, keys, { tree: treeFile.tree, onDurable: (length) => treeFile.durable(length), onClose: () => treeFile.close() });
  const t0 = performance.now();
  let last: Promise<void> = Promise.resolve();
  for (let n = 0; n < appends; n++) {
    const text = ledgerState(n);
    last = chain.commitTransition(text, { state: text, sends: [], journal: undefined }).durable;
    if (n % 32 === 31) await last;
  }
  await last;
  const seconds = (performance.now() - t0) / 1000;
  await chain.close();
  return seconds;
}
const plainDir = (await writeChain('append-plain', ledgerState, 20)).dir;
const plainSeconds = await appendSeconds(plainDir);
const compactedSeconds = await appendSeconds(ledger.dir);
console.log(`appends of 160 KB-state messages, fsync always: plain ${(appends / plainSeconds).toFixed(0)}/s, compacted dir ${(appends / compactedSeconds).toFixed(0)}/s`);
console.log(`= append throughput: ${(plainSeconds / compactedSeconds).toFixed(2)}x the plain store (goal >= 1x)`);
