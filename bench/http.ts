/**
 * How close is POST / to the HTTP floor? Throughput and p99 latency of the real runtime
 * against a bare Express server that parses the same JSON body and answers it, with the
 * near-free WAT echo actor and the componentize-js counter, in memory and with
 * `--fsync always`. Modes alternate within each round so drift on a shared machine hits all
 * alike. Goals (echo): in memory >= 0.8x Express, durable >= 0.7x, p99 <= 1.3x Express's; and
 * durable >= 0.9x the fsync floor (Express that answers after a group-committed fdatasync,
 * bench/fsync-floor.ts) with a p99 <= 1.2x the floor's (issue 24).
 *
 *   node dist/bench/http.js [seconds per run] [rounds] [connections]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFixture } from '../fixtures/build.js';
import { load, startBareExpress, startFsyncFloor, startRuntime, type LoadResult, type Server } from './servers.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 2);
const connections = Number(process.argv[4] ?? 32);

const ECHO_BODY = '{"greeting":"hello","n":[1,2,3]}';
const echo = await buildFixture('echo');
const counter = await buildFixture('counter');
const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-http-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

interface Mode {
  name: string;
  body: string;
  start: (round: number) => Promise<Server>;
  goal?: { throughput: number; p99: number };
}
const durable = (name: string, round: number) => ['--data-dir', path.join(scratch, `${name}-${round}`), '--fsync', 'always'];
const MODES: Mode[] = [
  { name: 'bare Express', body: ECHO_BODY, start: () => startBareExpress() },
  { name: 'fsync floor (Express)', body: ECHO_BODY, start: (r) => startFsyncFloor(path.join(scratch, `floor-${r}.ndjson`)) },
  { name: 'echo (WAT), in memory', body: ECHO_BODY, start: () => startRuntime(echo, ['--in-memory']), goal: { throughput: 0.8, p99: 1.3 } },
  { name: 'echo (WAT), --fsync always', body: ECHO_BODY, start: (r) => startRuntime(echo, durable('echo', r)), goal: { throughput: 0.7, p99: 1.3 } },
  { name: 'counter (JS), in memory', body: '{"add":1}', start: () => startRuntime(counter, ['--in-memory']) },
  { name: 'counter (JS), --fsync always', body: '{"add":1}', start: (r) => startRuntime(counter, durable('counter', r)) },
];

const results = new Map<string, LoadResult[]>(MODES.map((m) => [m.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const mode of MODES) {
    const server = await mode.start(round);
    try {
      await load(server.url, mode.body, 1, connections); // warm-up: JIT, first worker calls
      const result = await load(server.url, mode.body, seconds, connections);
      results.get(mode.name)!.push(result);
      console.log(
        `round ${round + 1}  ${mode.name.padEnd(28)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${String(result.latencyP99Ms).padStart(3)} ms` +
          (result.non2xx + result.errors > 0 ? `  non-2xx ${result.non2xx} errors ${result.errors}` : ''),
      );
    } finally {
      await server.stop();
    }
  }
}

const mean = (name: string, pick: (r: LoadResult) => number) => {
  const runs = results.get(name)!;
  return runs.reduce((sum, r) => sum + pick(r), 0) / runs.length;
};
const floorRps = mean('fsync floor (Express)', (r) => r.requestsPerSecond);
const floorP99 = mean('fsync floor (Express)', (r) => r.latencyP99Ms);
const baseRps = mean('bare Express', (r) => r.requestsPerSecond);
const baseP99 = mean('bare Express', (r) => r.latencyP99Ms);
console.log(`\n${connections} connections, ${seconds} s per run, ${rounds} rounds, means:`);
for (const mode of MODES) {
  const rps = mean(mode.name, (r) => r.requestsPerSecond);
  const p99 = mean(mode.name, (r) => r.latencyP99Ms);
  const verdict = mode.goal
    ? `  (goals >= ${mode.goal.throughput}x, <= ${mode.goal.p99}x: ${rps / baseRps >= mode.goal.throughput ? 'met' : 'NOT met'}, ${p99 / baseP99 <= mode.goal.p99 ? 'met' : 'NOT met'})`
    : '';
  console.log(
    `= POST / ${mode.name.padEnd(28)} ${rps.toFixed(0).padStart(6)} req/s ${(rps / baseRps).toFixed(2)}x Express, ` +
      `p99 ${p99.toFixed(1)} ms ${(p99 / baseP99).toFixed(2)}x Express's${verdict}`,
  );
}
// Issue 24: durable writes against the durable floor, not the in-memory one.
const durableEcho = 'echo (WAT), --fsync always';
const durableRps = mean(durableEcho, (r) => r.requestsPerSecond);
const durableP99 = mean(durableEcho, (r) => r.latencyP99Ms);
console.log(
  `= POST / echo --fsync always vs the fsync floor: ${(durableRps / floorRps).toFixed(2)}x its throughput (goal >= 0.9x), ` +
    `p99 ${(durableP99 / floorP99).toFixed(2)}x its p99 (goal <= 1.2x); the floor is ${(floorRps / baseRps).toFixed(2)}x bare Express`,
);
