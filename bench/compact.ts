/**
 * What does compact storage cost and save? Each figure against a baseline measured in the
 * same run: the plain layout (`run --seal-after 0`) or a read-and-hash pass.
 *
 * 1. The ledger: the accounts actor (componentize-js, 10,000 accounts, a 128 KB
 *    state, one transfer per message) over HTTP with --fsync always, sealed as it runs
 *    (the default --seal-after) against plain: disk bytes per message while running and once
 *    stopped, and POST / throughput.
 * 2. The echo actor with a 100-byte state (written in process as the runtime writes it):
 *    disk bytes per message against plain.
 * 3. A big-state chain (128 KB states, one number changed a message, written in process and
 *    sealed as it grows): GET /chain/<hash> of random old entries (median, against the plain
 *    dir), reopen (every line checked) and verify against a read-and-hash pass over the
 *    canonical bytes, and appends with fsync always with sealing on and off.
 *
 *   node dist/bench/compact.js
 *   COMPACT_LEDGER_MESSAGES=10000 COMPACT_LEDGER_ROUNDS=1 COMPACT_BIG_PAIRS=50000 COMPACT_REOPEN_ROUNDS=3 node dist/bench/compact.js   (the scale, a 100,000-entry big-state chain: about an hour)
 *   COMPACT_LEDGER_ROUNDS=5 ...   (the ledger's alternating rounds per layout; default 3)
 *
 * Defaults (about three minutes on a shared 2-core machine): 200 ledger messages, 20,000 echo
 * messages, 500 big-state pairs.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildFixture } from '../fixtures/build.js';
import { Chain } from '../src/chain/chain.js';
import { openFileStore } from '../src/chain/recovery.js';
import { SEALED_FILE } from '../src/chain/sealed.js';
import { DEFAULT_SEAL_AFTER_BYTES } from '../src/cli/storage.js';
import { loadComponent } from '../src/component/load.js';
import { startRuntime } from './servers.js';
import { percentile } from './stats.js';

const LEDGER_MESSAGES = Number(process.env.COMPACT_LEDGER_MESSAGES ?? 200);
const ECHO_MESSAGES = Number(process.env.COMPACT_ECHO_MESSAGES ?? 20_000);
const BIG_PAIRS = Number(process.env.COMPACT_BIG_PAIRS ?? 500);
const LEDGER_ROUNDS = Number(process.env.COMPACT_LEDGER_ROUNDS ?? 3);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-compact-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const fileSize = (file: string) => statSync(file, { throwIfNoEntry: false })?.size ?? 0;
const diskBytes = (dir: string) => fileSize(path.join(dir, 'chain.ndjson')) + fileSize(path.join(dir, SEALED_FILE));
const perMessage = (bytes: number, messages: number) => `${(bytes / messages).toFixed(0)} B/message`;
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(2)} %`;

// ── 1. The accounts ledger over HTTP ───────────────────────────────────────────────────

const accounts = await buildFixture('accounts');

/** POST `count` transfers over `connections` kept-alive connections; returns messages per second. */
async function postTransfers(url: string, count: number, connections: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const post = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const body = Buffer.from(
        JSON.stringify({ from: `a${String((n * 7907) % 10_000).padStart(5, '0')}`, to: `a${String((n * 104_729 + 1) % 10_000).padStart(5, '0')}`, amount: 17 }),
      );
      const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`POST answered ${res.statusCode}`))));
      });
      request.on('error', reject);
      request.end(body);
    });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count) await post(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return count / seconds;
}

async function ledgerRun(name: string, sealAfter: number): Promise<{ perSecond: number; running: number; stopped: number }> {
  const dir = path.join(scratch, name);
  const runtime = await startRuntime(accounts, ['--data-dir', dir, '--fsync', 'always', '--seal-after', String(sealAfter)]);
  await postTransfers(runtime.url, 10, 2);
  const perSecond = await postTransfers(runtime.url, LEDGER_MESSAGES, 4);
  const running = diskBytes(dir);
  await runtime.stop();
  return { perSecond, running, stopped: diskBytes(dir) };
}

// Rounds alternate between the layouts, so that the machine's drift falls on both alike;
// throughput is each layout's median round.
const plainRounds: Awaited<ReturnType<typeof ledgerRun>>[] = [];
const sealedRounds: Awaited<ReturnType<typeof ledgerRun>>[] = [];
for (let round = 0; round < LEDGER_ROUNDS; round++) {
  plainRounds.push(await ledgerRun(`ledger-plain-${round}`, 0));
  sealedRounds.push(await ledgerRun(`ledger-sealed-${round}`, DEFAULT_SEAL_AFTER_BYTES));
}
const medianRound = (rounds: typeof plainRounds) => ({
  ...rounds[0]!,
  perSecond: percentile(
    rounds.map((r) => r.perSecond),
    50,
  ),
});
const plainLedger = medianRound(plainRounds);
const sealedLedger = medianRound(sealedRounds);
console.log(
  `  rounds, messages/s: plain ${plainRounds.map((r) => r.perSecond.toFixed(1)).join(', ')}; sealed ${sealedRounds.map((r) => r.perSecond.toFixed(1)).join(', ')}`,
);
const ledgerMessages = LEDGER_MESSAGES + 10;
const stateKB = Math.round(plainLedger.stopped / ledgerMessages / 1000);
console.log(`accounts ledger (10,000 accounts, a ${stateKB} KB state), ${ledgerMessages} transfers over HTTP, --fsync always:`);
console.log(`  plain: ${perMessage(plainLedger.stopped, ledgerMessages)}, ${plainLedger.perSecond.toFixed(1)} messages/s`);
console.log(
  `  sealed as it runs (--seal-after ${DEFAULT_SEAL_AFTER_BYTES}): ${perMessage(sealedLedger.running, ledgerMessages)} while running (chain.ndjson holds up to --seal-after), ${perMessage(sealedLedger.stopped, ledgerMessages)} once stopped, ${sealedLedger.perSecond.toFixed(1)} messages/s`,
);
console.log(
  `= ledger disk bytes: ${perMessage(sealedLedger.stopped, ledgerMessages)} once stopped, ${pct(sealedLedger.stopped, plainLedger.stopped)} of the canonical bytes (goal <= 1 %, <= 1.3 KB); ${perMessage(sealedLedger.running, ledgerMessages)} while running`,
);
console.log(`= ledger POST / throughput, --fsync always: ${(sealedLedger.perSecond / plainLedger.perSecond).toFixed(2)}x the plain layout (goal >= 1x)`);

// ── 2. and 3.: chains written in process as the runtime writes them ────────────────────

const echo = await buildFixture('echo');
const { hash: ECHO_HASH } = await loadComponent(echo, { maxMemoryMiB: 64 });

async function writeChain(
  name: string,
  stateOf: (n: number) => string,
  pairs: number,
  sealAfterBytes: number,
  fsync: 'always' | 'never' = 'never',
): Promise<{ dir: string; perSecond: number }> {
  const dir = path.join(scratch, name);
  const { store } = await openFileStore(dir, { componentHash: ECHO_HASH, fsync, onWarning: () => {}, sealAfterBytes });
  const chain = new Chain(store);
  await chain.commitStart(ECHO_HASH, { state: '{}', sends: [], journal: undefined });
  const started = performance.now();
  let last: Promise<void> = Promise.resolve();
  for (let n = 0; n < pairs; n++) {
    const state = stateOf(n);
    last = chain.commitTransition(state, { state, sends: [], journal: undefined }).durable;
    // A few groups in flight at once, as concurrent requests make them.
    if (n % 4 === 3) await last;
  }
  await last;
  const perSecond = pairs / ((performance.now() - started) / 1000);
  await chain.close();
  return { dir, perSecond };
}

const echoState = (n: number) => JSON.stringify({ n, note: 'x'.repeat(80 - String(n).length) });
const echoPlain = diskBytes((await writeChain('echo-plain', echoState, ECHO_MESSAGES, 0)).dir);
const echoSealed = diskBytes((await writeChain('echo-sealed', echoState, ECHO_MESSAGES, DEFAULT_SEAL_AFTER_BYTES)).dir);
console.log(`echo, 100-byte state, ${ECHO_MESSAGES} messages: plain ${perMessage(echoPlain, ECHO_MESSAGES)}, sealed ${perMessage(echoSealed, ECHO_MESSAGES)}`);
console.log(`= echo disk bytes: ${pct(echoSealed, echoPlain)} of the plain layout's (goal <= 120 %)`);

// The big-state chain: 10,000 balances, two change a message (the echo actor's state is its message).
function bigState(): (n: number) => string {
  const balances = Array.from({ length: 10_000 }, (_, i) => 1_000_000 + ((i * 7919) % 99_991));
  return (n) => {
    balances[(n * 7907) % balances.length]! -= 17;
    balances[(n * 104_729 + 1) % balances.length]! += 17;
    let text = '{"accounts":{';
    for (let i = 0; i < balances.length; i++) text += `${i === 0 ? '' : ','}"a${String(i).padStart(5, '0')}":${balances[i]}`;
    return `${text}},"n":${n}}`;
  };
}
const bigPlain = (await writeChain('big-plain', bigState(), BIG_PAIRS, 0)).dir;
const bigSealed = (await writeChain('big-sealed', bigState(), BIG_PAIRS, DEFAULT_SEAL_AFTER_BYTES)).dir;
/**
 * Read a file in 16 MiB chunks and hash each line (a read-and-hash pass; a file past the
 * largest Buffer is read like any other). Returns the lines' SHA-256s when `keep`.
 */
async function hashLines(file: string, keep: boolean): Promise<string[]> {
  const hashes: string[] = [];
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 16 << 20 }) as AsyncIterable<Buffer>) {
    const bytes = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    let at = 0;
    for (let nl = bytes.indexOf(0x0a); nl !== -1; at = nl + 1, nl = bytes.indexOf(0x0a, at)) {
      const digest = createHash('sha256').update(bytes.subarray(at, nl)).digest();
      if (keep) hashes.push(digest.toString('hex'));
    }
    rest = bytes.subarray(at);
  }
  return hashes;
}
const canonicalBytes = fileSize(path.join(bigPlain, 'chain.ndjson'));
console.log(
  `big-state chain (the same state), ${BIG_PAIRS} pairs: ${canonicalBytes} canonical bytes, ${diskBytes(bigSealed)} on disk sealed (${pct(diskBytes(bigSealed), canonicalBytes)})`,
);

// GET /chain/<hash> of random old entries, sealed against plain.
const hashes = await hashLines(path.join(bigPlain, 'chain.ndjson'), true);
async function entryReads(dir: string): Promise<number> {
  const runtime = await startRuntime(echo, ['--data-dir', dir]);
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const hash = hashes[Math.floor(Math.random() * (hashes.length - 2))]!;
    const started = performance.now();
    const response = await fetch(`${runtime.url}chain/${hash}`);
    await response.arrayBuffer();
    if (i >= 20) times.push(performance.now() - started);
  }
  await runtime.stop();
  return percentile(times, 50);
}
// What the route serves, read from the store (no HTTP): the part compact storage changes.
async function storeReads(dir: string): Promise<number> {
  const { store } = await openFileStore(dir, { componentHash: ECHO_HASH, fsync: 'never', onWarning: () => {} });
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const position = Math.floor(Math.random() * (store.length - 2));
    const t0 = performance.now();
    await store.read(position, position + 1);
    times.push(performance.now() - t0);
  }
  await store.close();
  return percentile(times, 50);
}
const storeSealed = await storeReads(bigSealed);
const storePlain = await storeReads(bigPlain);
console.log(`store read of a random old entry (what GET /chain/<hash> serves): sealed median ${storeSealed.toFixed(2)} ms, plain ${storePlain.toFixed(2)} ms`);
const readSealed = await entryReads(bigSealed);
const readPlain = await entryReads(bigPlain);
console.log(`GET /chain/<hash> of a random old entry: sealed median ${readSealed.toFixed(2)} ms, plain ${readPlain.toFixed(2)} ms`);
console.log(
  `= GET /chain/<hash>, old entry of a sealed big-state chain: median ${readSealed.toFixed(2)} ms over HTTP (${(readSealed / readPlain).toFixed(1)}x plain), ${storeSealed.toFixed(2)} ms of it the store read (goal <= 5 ms)`,
);

// Reopen (every line checked: hashes, links, canonical form) and verify, against reading and hashing the canonical bytes.
// Each measured REOPEN_ROUNDS times, in turn, and the medians compared: a single pass of a
// fraction of a second is at the mercy of a shared machine's moment.
const REOPEN_ROUNDS = Number(process.env.COMPACT_REOPEN_ROUNDS ?? 5);
async function hashPassSeconds(): Promise<number> {
  const t0 = performance.now();
  await hashLines(path.join(bigPlain, 'chain.ndjson'), false);
  return (performance.now() - t0) / 1000;
}
async function reopenSeconds(dir: string): Promise<number> {
  const t0 = performance.now();
  const { store } = await openFileStore(dir, { componentHash: ECHO_HASH, fsync: 'never', onWarning: () => {}, twoThreadsFromBytes: Infinity });
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  return seconds;
}
const hashRounds: number[] = [];
const sealedReopens: number[] = [];
const plainReopens: number[] = [];
for (let round = 0; round < REOPEN_ROUNDS; round++) {
  hashRounds.push(await hashPassSeconds());
  sealedReopens.push(await reopenSeconds(bigSealed));
  plainReopens.push(await reopenSeconds(bigPlain));
}
const hashSeconds = percentile(hashRounds, 50);
const reopenSealed = percentile(sealedReopens, 50);
const reopenPlain = percentile(plainReopens, 50);
console.log(
  `read-and-hash pass over the canonical bytes: median of ${REOPEN_ROUNDS} ${hashSeconds.toFixed(2)} s; reopen (medians) sealed ${reopenSealed.toFixed(2)} s (plain ${reopenPlain.toFixed(2)} s)`,
);
console.log(`= reopen of the sealed big-state chain: ${(reopenSealed / hashSeconds).toFixed(2)}x a read-and-hash pass (goal <= 2x)`);
async function verifySeconds(dir: string): Promise<number> {
  const t0 = performance.now();
  await promisify(execFile)(process.execPath, [CLI, 'verify', echo, dir], { maxBuffer: 1 << 24 });
  return (performance.now() - t0) / 1000;
}
const verifySealed = await verifySeconds(bigSealed);
const verifyPlain = await verifySeconds(bigPlain);
console.log(`verify (replays the echo actor): sealed ${verifySealed.toFixed(2)} s, plain ${verifyPlain.toFixed(2)} s`);
console.log(
  `= verify of the sealed big-state chain: ${(verifySealed / hashSeconds).toFixed(2)}x a read-and-hash pass (goal <= 2x), ${(verifySealed / verifyPlain).toFixed(2)}x the plain chain's`,
);

// Appends of 128 KB states with fsync always, sealing as they go against plain (storage alone, no HTTP, no component).
const appendPairs = Math.min(BIG_PAIRS, 400);
const appendPlain = await writeChain('append-plain', bigState(), appendPairs, 0, 'always');
const appendSealed = await writeChain('append-sealed', bigState(), appendPairs, DEFAULT_SEAL_AFTER_BYTES, 'always');
console.log(`appends of 128 KB-state pairs, fsync always: plain ${appendPlain.perSecond.toFixed(0)}/s, sealing as they go ${appendSealed.perSecond.toFixed(0)}/s`);
console.log(`= append throughput with sealing: ${(appendSealed.perSecond / appendPlain.perSecond).toFixed(2)}x the plain store (goal >= 1x)`);
