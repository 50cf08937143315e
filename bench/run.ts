/**
 * `npm run bench`: every benchmark in turn (or those named), each measuring against its
 * baseline in the same run, then their result lines (those starting with "= ") together.
 * A few minutes in all; not part of `npm test`.
 *
 *   node dist/bench/run.js [http|breakdown|restart|respawn|chain|big-state|durable|merkle|compact|upgrade|receipts|cpu|start|mirror-lag ...]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Each benchmark: its script, and arguments that keep the whole run short. */
const BENCHMARKS: Record<string, { script: string; args: string[]; question: string }> = {
  http: { script: 'http.js', args: ['5', '2', '32'], question: 'POST / throughput and p99 against bare Express' },
  breakdown: { script: 'breakdown.js', args: ['2000'], question: "one message's cost, stage by stage" },
  restart: { script: 'restart.js', args: ['50'], question: 'time to serve again after a fault' },
  respawn: { script: 'respawn-http.js', args: ['15'], question: '--timeout expiry to the next 200, through HTTP' },
  chain: { script: 'chain-verify.js', args: ['300000', '1000000'], question: 'reopen, start-up and verify of 300k and 1M entries' },
  'big-state': { script: 'big-state.js', args: ['200'], question: "the runtime's own work with a 128 KB state" },
  durable: { script: 'durable-throughput.js', args: ['3', '32', '1'], question: '--fsync always against --in-memory' },
  merkle: { script: 'merkle-proofs.js', args: ['1000000', '2000'], question: 'RFC 6962 tree: appends, proofs and reload at 1M leaves' },
  compact: {
    script: 'compact.js',
    args: [],
    question: 'disk bytes, throughput, reads, reopen of data dirs sealed as they run (200 ledger messages and 500 big-state pairs, not 10,000 and 100,000)',
  },
  upgrade: { script: 'upgrade-pause.js', args: ['4', '2', '32'], question: 'the pause a live POST /upgrade adds to requests under 32 connections (goal <= 50 ms)' },
  receipts: { script: 'receipts.js', args: ['5', '3', '32'], question: 'POST / with the tree and receipts against this build without them' },
  cpu: {
    script: 'cpu-per-request.js',
    args: ['4', '2', '32'],
    question: "CPU a request by thread (Linux): the runtime's main thread and the rest against bare Express and the fsync floor",
  },
  start: { script: 'start-cost.js', args: ['5'], question: "one process's CPU: run to its first 200 and verify of a small data dir, against node -e 0" },
  'mirror-lag': { script: 'mirror-lag.js', args: ['50'], question: "a pair on a mirror, and a held long poll's answer, after the primary's 200 (goal < 1 s)" },
};

const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(BENCHMARKS);
const unknown = names.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`no benchmark ${unknown.join(', ')}; pick from: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}

function run(name: string): Promise<string[]> {
  const { script, args, question } = BENCHMARKS[name]!;
  console.log(`\n## ${name}: ${question}\n`);
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const results: string[] = [];
  let buffered = '';
  child.stdout.on('data', (data: Buffer) => {
    process.stdout.write(data);
    buffered += data.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    results.push(...lines.filter((line) => line.startsWith('= ')));
  });
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(results) : reject(new Error(`benchmark ${name} exited with ${code}`)))));
}

const started = performance.now();
const summary: string[] = [];
for (const name of names) summary.push(...(await run(name)).map((line) => `${name.padEnd(10)} ${line.slice(2)}`));
console.log(`\n## summary (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
for (const line of summary) console.log(line);
