/**
 * What does durability cost? POST throughput of the real runtime (echo actor) with
 * `--fsync always` against the baseline `--in-memory`, and `--fsync never` for reference,
 * measured by autocannon in the same run, modes interleaved over the rounds so drift on a
 * shared machine hits all alike. Goal: durable >= 0.8x in-memory.
 *
 *   node dist/bench/durable-throughput.js [seconds per run] [connections] [rounds]
 */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildFixture } from '../fixtures/build.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 64);
const rounds = Number(process.argv[4] ?? 2);
const GOAL = 0.8;
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

const MODES = {
  'in-memory': ['--in-memory'],
  'fsync always': ['--fsync', 'always'],
  'fsync never': ['--fsync', 'never'],
} as const;
type Mode = keyof typeof MODES;

const component = await buildFixture('echo');
const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-durable-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** Start the runtime, wait for its listening line, hand back its URL and a stop function. */
async function start(args: readonly string[], dataDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const storage = args[0] === '--in-memory' ? args : [...args, '--data-dir', dataDir];
  const child = spawn(process.execPath, [CLI, 'run', component, '--listen', '127.0.0.1:0', ...storage], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // The default log level, as a user runs it; the log is read (and dropped) as it comes.
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const address = /"address":"([^"]+)"/.exec(line)?.[1];
      if (address && line.includes('actorchain listening')) resolve(`${address}/`);
    });
    void exited.then(() => reject(new Error('the runtime exited before listening')));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface Result {
  requestsPerSecond: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(url: string): Promise<Result> {
  const args = [AUTOCANNON, '-j', '-c', String(connections), '-d', String(seconds), '-m', 'POST'];
  args.push('-H', 'content-type=application/json', '-b', '{"greeting":"hello","n":[1,2,3]}', url);
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 24 });
  const report = JSON.parse(stdout) as { requests: { average: number }; latency: { p99: number }; non2xx: number; errors: number };
  return { requestsPerSecond: report.requests.average, latencyP99Ms: report.latency.p99, non2xx: report.non2xx, errors: report.errors };
}

const results: Record<Mode, Result[]> = { 'in-memory': [], 'fsync always': [], 'fsync never': [] };
for (let round = 0; round < rounds; round++) {
  for (const mode of Object.keys(MODES) as Mode[]) {
    const runtime = await start(MODES[mode], path.join(scratch, `${mode.replace(' ', '-')}-${round}`));
    try {
      const result = await load(runtime.url);
      results[mode].push(result);
      console.log(
        `round ${round + 1} ${mode.padEnd(12)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s, ` +
          `p99 ${result.latencyP99Ms} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
      );
    } finally {
      await runtime.stop();
    }
  }
}

const mean = (mode: Mode) => results[mode].reduce((sum, r) => sum + r.requestsPerSecond, 0) / results[mode].length;
const baseline = mean('in-memory');
console.log(`\n${connections} connections, ${seconds} s per run, ${rounds} rounds (means):`);
for (const mode of Object.keys(MODES) as Mode[]) {
  console.log(`  ${mode.padEnd(12)} ${mean(mode).toFixed(0).padStart(6)} req/s  ${(mean(mode) / baseline).toFixed(2)}x in-memory`);
}
const ratio = mean('fsync always') / baseline;
console.log(`= durable/in-memory ${ratio.toFixed(2)}x (goal >= ${GOAL}x: ${ratio >= GOAL ? 'met' : 'NOT met'})`);
