/**
 * What one start costs in CPU (user + system, every thread of the process, from the kernel's
 * count of reaped children): most of the test suite's time is processes like these. Each case
 * is a real CLI process: `run` from spawn to its first `200` (then stopped), and `verify` of a
 * small data dir, for the WAT echo actor and the JavaScript counter (componentize-js, 12 MB).
 * Baseline, same run, alternating: `node -e 0`, an empty Node process. Linux only (/proc).
 *
 *   node dist/bench/start-cost.js [rounds]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixture } from '../fixtures/build.js';
import { percentile } from './stats.js';

const rounds = Number(process.argv[2] ?? 5);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-start-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** CPU seconds of this process's reaped children so far (cutime + cstime, in clock ticks of 1/100 s). */
function childrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Spawn, wait for it to exit on its own, and give its CPU. */
async function cpuOf(args: string[]): Promise<number> {
  const before = childrenCpu();
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const code = await exited(child);
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}`);
  return childrenCpu() - before;
}

/** `run` from spawn to the first 200 of POST /, then SIGTERM; its CPU up to its exit. */
async function runCpu(component: string, dataDir: string, message: object): Promise<number> {
  const before = childrenCpu();
  const child = spawn(process.execPath, [CLI, 'run', component, '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-format', 'json'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const done = exited(child);
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /"address":"([^"]+)"/.exec(seen);
      if (match && seen.includes('actorchain listening')) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(`run ${component} exited before listening`)));
  });
  child.stdout!.resume();
  try {
    const answer = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    if (answer.status !== 200) throw new Error(`POST / to ${component}: ${answer.status} ${await answer.text()}`);
    await answer.arrayBuffer();
  } finally {
    child.kill('SIGTERM');
    await done;
  }
  return childrenCpu() - before;
}

const actors = [
  { name: 'echo (WAT)', component: await buildFixture('echo'), message: { greeting: 'hello' } },
  { name: 'counter (JS)', component: await buildFixture('counter'), message: { add: 1 } },
];
const samples = new Map<string, number[]>();
const add = (name: string, cpu: number) => samples.set(name, [...(samples.get(name) ?? []), cpu]);

// One data dir an actor, made by a first run (not counted), for verify to read.
const dirs = new Map<string, string>();
for (const actor of actors) {
  const dir = path.join(scratch, actor.name.replace(/\W+/g, '-'));
  await runCpu(actor.component, dir, actor.message);
  dirs.set(actor.name, dir);
}

for (let round = 0; round < rounds; round++) {
  add('node -e 0 (floor)', await cpuOf(['-e', '0']));
  add('verify --help', await cpuOf([CLI, 'verify', '--help']));
  for (const actor of actors) {
    add(`run ${actor.name} to its first 200`, await runCpu(actor.component, path.join(scratch, `run-${round}-${actor.name.replace(/\W+/g, '-')}`), actor.message));
    add(`verify ${actor.name}`, await cpuOf([CLI, 'verify', actor.component, dirs.get(actor.name)!]));
  }
}

const floor = percentile(samples.get('node -e 0 (floor)')!, 50);
console.log(`\nCPU of each process (user + system, all threads), median of ${rounds} rounds, alternating:`);
for (const [name, values] of samples) {
  const median = percentile(values, 50);
  console.log(
    `= ${name.padEnd(34)} ${median.toFixed(2)} s  ${(median / floor).toFixed(1)}x the floor  (min ${Math.min(...values).toFixed(2)}, max ${Math.max(...values).toFixed(2)})`,
  );
}
