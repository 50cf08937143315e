/**
 * Where does a request's CPU go? The CPU time of each thread of the server (Linux:
 * /proc/<pid>/task/<tid>/stat) over a load, per request: the main thread, which serves HTTP
 * and commits (the bottleneck when both cores are busy), and the rest (the actor's thread,
 * V8's helpers, libuv's pool): which thread a change moved work from or to, which throughput
 * alone does not say. On a shared machine both move with the machine's pace (a slow hour
 * made bare Express's 120 µs 190 µs), so compare within a round, against bare Express's main
 * thread in the same round. Against bare Express and the fsync floor, alternating:
 * the WAT echo actor in memory and with --fsync always, with its tree and receipts and without
 * (ACTORCHAIN_BENCH_WITHOUT_TREE=1).
 *
 *   node dist/bench/cpu-per-request.js [seconds] [rounds] [connections]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFixture } from '../fixtures/build.js';
import { load, startBareExpress, startFsyncFloor, startRuntime, type Server } from './servers.js';

const seconds = Number(process.argv[2] ?? 4);
const rounds = Number(process.argv[3] ?? 2);
const connections = Number(process.argv[4] ?? 32);
if (process.platform !== 'linux') {
  console.log('cpu-per-request reads /proc/<pid>/task: Linux only');
  process.exit(0);
}

/** Clock ticks of CPU (user + system) each thread of `pid` has used, by thread id. */
function threadTicks(pid: number): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return ticks;
}
/** USER_HZ: the unit of /proc's CPU times (100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

const BODY = '{"greeting":"hello","n":[1,2,3]}';
const echo = await buildFixture('echo');
const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-cpu-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const durable = () => ['--data-dir', path.join(scratch, String(dirs++)), '--fsync', 'always'];
const WITHOUT_TREE = { ACTORCHAIN_BENCH_WITHOUT_TREE: '1' };
const MODES: Array<{ name: string; start: () => Promise<Server> }> = [
  { name: 'bare Express', start: () => startBareExpress() },
  { name: 'fsync floor', start: () => startFsyncFloor(path.join(scratch, `floor-${dirs++}.ndjson`)) },
  { name: 'echo, in memory, no tree', start: () => startRuntime(echo, ['--in-memory'], undefined, WITHOUT_TREE) },
  { name: 'echo, in memory', start: () => startRuntime(echo, ['--in-memory']) },
  { name: 'echo, --fsync always, no tree', start: () => startRuntime(echo, durable(), undefined, WITHOUT_TREE) },
  { name: 'echo, --fsync always', start: () => startRuntime(echo, durable()) },
];

interface Sample {
  rps: number;
  main: number;
  others: number;
}
const samples = new Map<string, Sample[]>();
for (let round = 0; round < rounds; round++) {
  for (const mode of MODES) {
    const server = await mode.start();
    try {
      await load(server.url, BODY, 1, connections); // warm-up
      const before = threadTicks(server.pid);
      const result = await load(server.url, BODY, seconds, connections);
      const after = threadTicks(server.pid);
      const requests = result.requestsPerSecond * seconds;
      const micros = (ticks: number) => ((ticks / TICKS_PER_SECOND) * 1e6) / requests;
      let main = 0;
      let others = 0;
      for (const [tid, ticks] of after) {
        const used = ticks - (before.get(tid) ?? 0);
        if (tid === String(server.pid)) main += used;
        else others += used;
      }
      const sample = { rps: result.requestsPerSecond, main: micros(main), others: micros(others) };
      samples.set(mode.name, [...(samples.get(mode.name) ?? []), sample]);
      console.log(
        `round ${round + 1}  ${mode.name.padEnd(30)} ${Math.round(sample.rps)} req/s, CPU a request: main thread ${sample.main.toFixed(0)} µs, other threads ${sample.others.toFixed(0)} µs`,
      );
    } finally {
      await server.stop();
    }
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const of = (name: string) => {
  const rows = samples.get(name)!;
  return { rps: median(rows.map((r) => r.rps)), main: median(rows.map((r) => r.main)), others: median(rows.map((r) => r.others)) };
};
console.log(`\n${connections} connections, ${seconds} s per run, ${rounds} rounds, medians:`);
const express = of('bare Express');
for (const mode of MODES) {
  const m = of(mode.name);
  console.log(
    `= CPU a request, ${mode.name.padEnd(30)} main thread ${m.main.toFixed(0)} µs (${(m.main / express.main).toFixed(2)}x Express's), all threads ${(m.main + m.others).toFixed(0)} µs; ${Math.round(m.rps)} req/s`,
  );
}
for (const storage of ['in memory', '--fsync always']) {
  const withTree = of(`echo, ${storage}`);
  const without = of(`echo, ${storage}, no tree`);
  console.log(
    `= the tree and receipts, ${storage}: +${(withTree.main - without.main).toFixed(1)} µs of the main thread a request, +${(withTree.main + withTree.others - without.main - without.others).toFixed(1)} µs of all threads`,
  );
}
