/**
 * What do accountable history's tree and receipts cost? POST / throughput and p99 of the
 * runtime as it runs (every 200 carries a receipt: a leaf hash and tree nodes per entry, a
 * signed checkpoint per group commit, an inclusion proof per answer) against the same build
 * started with ACTORCHAIN_BENCH_WITHOUT_TREE=1 (no tree, no checkpoint, no receipt), or
 * against the build given as ACTORCHAIN_BASELINE_CLI (one from before them): the WAT echo
 * actor, in memory and with `--fsync always`, alternating within each round. Goal: >= 0.95x.
 *
 *   [ACTORCHAIN_BASELINE_CLI=<other build>/dist/src/cli/main.js] node dist/bench/receipts.js [seconds] [rounds] [connections]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixture } from '../fixtures/build.js';
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
let dirs = 0;
for (let round = 0; round < rounds; round++) {
  for (const storage of ['in-memory', 'fsync always'] as const) {
    for (const [name, cli] of [
      ['receipts', CURRENT],
      ['baseline', BASELINE],
    ] as const) {
      const args = storage === 'in-memory' ? ['--in-memory'] : ['--data-dir', path.join(scratch, String(dirs++)), '--fsync', 'always'];
      const server = await startRuntime(echo, args, cli, name === 'baseline' ? BASELINE_ENV : {});
      await load(server.url, BODY, 1, connections); // warm-up: JIT, first worker calls
      const result = await load(server.url, BODY, seconds, connections).finally(() => server.stop());
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
for (const storage of ['in-memory', 'fsync always']) {
  const withReceipts = results.get(`${storage} receipts`)!;
  const baseline = results.get(`${storage} baseline`)!;
  const ratio = median(withReceipts.rps) / median(baseline.rps);
  console.log(
    `= receipts, ${storage}: ${Math.round(median(withReceipts.rps))} vs ${Math.round(median(baseline.rps))} req/s (${ratio.toFixed(2)}x, goal >= 0.95x), p99 ${median(withReceipts.p99)} vs ${median(baseline.p99)} ms`,
  );
}
