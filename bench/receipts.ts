/**
 * What do accountable history's tree and receipts cost? POST / throughput and p99 of the
 * runtime as it runs (every 200 carries a receipt: a leaf hash and tree nodes per entry, a
 * signed checkpoint per group commit, an inclusion proof per answer) against the same build
 * started with ACTORCHAIN_BENCH_WITHOUT_TREE=1 (no tree, no checkpoint, no receipt), or
 * against the build given as ACTORCHAIN_BASELINE_CLI (one from before them): the WAT echo
 * actor, in memory and with `--fsync always`, alternating within each round. Goal: >= 0.95x.
 *
 * It also prints the floor of that goal: what the issue's own rules cost an answer (one Ed25519
 * signature per group commit, shared by the answers of the group, counted from the runtime's
 * actorchain_checkpoints_signed_total; two RFC 6962 leaves, one per entry, with the parents they
 * complete; the inclusion proof), each timed here in process, against what 0.95x allows a
 * request to grow by when the thread doing the work is the one that limits throughput:
 * (1 / 0.95 - 1) / the baseline's requests a second. The receipt's JSON, the larger answer and
 * the garbage are not counted: a floor.
 *
 *   [ACTORCHAIN_BASELINE_CLI=<other build>/dist/src/cli/main.js] node dist/bench/receipts.js [seconds] [rounds] [connections]
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixture } from '../fixtures/build.js';
import { leafHash, MerkleTree } from '../src/tlog/merkle.js';
import { load, startRuntime } from './servers.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const connections = Number(process.argv[4] ?? 32);
const CURRENT = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const BASELINE = process.env.ACTORCHAIN_BASELINE_CLI ?? CURRENT;
const BASELINE_ENV = process.env.ACTORCHAIN_BASELINE_CLI === undefined ? { ACTORCHAIN_BENCH_WITHOUT_TREE: '1' } : {};
console.log(`baseline: ${process.env.ACTORCHAIN_BASELINE_CLI ?? 'this build without its tree (ACTORCHAIN_BENCH_WITHOUT_TREE=1)'}`);
const echo = await buildFixture('echo');
const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-receipts-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const BODY = '{"greeting":"hello","n":[1,2,3]}';

const results = new Map<string, { rps: number[]; p99: number[] }>();
/** Answers per signed checkpoint in each receipts run, by storage. */
const answersPerSignature = new Map<string, number[]>();

/** Messages committed and checkpoints signed so far, from the runtime's GET /metrics. */
async function counts(url: string): Promise<{ committed: number; signed: number }> {
  const text = await (await fetch(new URL('metrics', url))).text();
  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { committed: value('actorchain_messages_total{outcome="committed"}'), signed: value('actorchain_checkpoints_signed_total') };
}

let dirs = 0;
for (let round = 0; round < rounds; round++) {
  for (const storage of ['in-memory', 'fsync always'] as const) {
    for (const [name, cli] of [
      ['receipts', CURRENT],
      ['baseline', BASELINE],
    ] as const) {
      const args = storage === 'in-memory' ? ['--in-memory'] : ['--data-dir', path.join(scratch, String(dirs++)), '--fsync', 'always'];
      const server = await startRuntime(echo, args, cli, name === 'baseline' ? BASELINE_ENV : {});
      let result;
      try {
        await load(server.url, BODY, 1, connections); // warm-up: JIT, first worker calls
        const before = name === 'receipts' ? await counts(server.url) : undefined;
        result = await load(server.url, BODY, seconds, connections);
        if (before) {
          const after = await counts(server.url);
          const perSignature = (after.committed - before.committed) / (after.signed - before.signed);
          answersPerSignature.set(storage, [...(answersPerSignature.get(storage) ?? []), perSignature]);
        }
      } finally {
        await server.stop();
      }
      const key = `${storage} ${name}`;
      const row = results.get(key) ?? { rps: [], p99: [] };
      row.rps.push(result.requestsPerSecond);
      row.p99.push(result.latencyP99Ms);
      results.set(key, row);
      console.log(`round ${round + 1} ${key}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.latencyP99Ms} ms`);
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Microseconds a call of `work`: the median of five timed batches of `n`, after one untimed. */
function microseconds(n: number, work: () => unknown): number {
  const batches: number[] = [];
  for (let batch = 0; batch < 6; batch++) {
    const started = performance.now();
    for (let i = 0; i < n; i++) work();
    if (batch > 0) batches.push(((performance.now() - started) * 1000) / n);
  }
  return median(batches);
}
const { privateKey } = generateKeyPairSync('ed25519');
const note = Buffer.from(`actorchain/0123456789abcdef\n1000000\n${Buffer.alloc(32, 7).toString('base64')}\n`);
const signUs = microseconds(2_000, () => sign(null, note, privateKey));
// An answer's share of the tree, in a tree of 100,000 leaves and growing, `group` answers a
// checkpoint: its two entries' leaf hashes appended (with the parents they complete), then the
// inclusion proof of each state entry in the tree the group's checkpoint signs.
const entry = `{"data":${BODY},"parent":"${'0'.repeat(64)}"}`;
const tree = new MerkleTree();
while (tree.size < 100_000) tree.append(leafHash(entry));
function treeMicroseconds(group: number): number {
  const size = Math.max(1, Math.round(group));
  return (
    microseconds(2_000, () => {
      const first = tree.size;
      for (let i = 0; i < 2 * size; i++) tree.append(leafHash(entry));
      for (let i = 0; i < size; i++) tree.inclusionProofBase64(first + 2 * i + 1, tree.size);
    }) / size
  );
}
for (const storage of ['in-memory', 'fsync always']) {
  const withReceipts = results.get(`${storage} receipts`)!;
  const baseline = results.get(`${storage} baseline`)!;
  const ratio = median(withReceipts.rps) / median(baseline.rps);
  console.log(
    `= receipts, ${storage}: ${Math.round(median(withReceipts.rps))} vs ${Math.round(median(baseline.rps))} req/s (${ratio.toFixed(2)}x, goal >= 0.95x), p99 ${median(withReceipts.p99)} vs ${median(baseline.p99)} ms`,
  );
  const perSignature = median(answersPerSignature.get(storage)!);
  const treeUs = treeMicroseconds(perSignature);
  const floorUs = signUs / perSignature + treeUs;
  const budgetUs = ((1 / 0.95 - 1) * 1e6) / median(baseline.rps);
  console.log(
    `= receipts' floor, ${storage}: a signature (${signUs.toFixed(1)} µs) per ${perSignature.toFixed(1)} answers, two leaves and a proof (${treeUs.toFixed(2)} µs) ` +
      `= ${floorUs.toFixed(1)} µs an answer, against ${budgetUs.toFixed(1)} µs that 0.95x allows (${(floorUs / budgetUs).toFixed(2)}x it)`,
  );
}
