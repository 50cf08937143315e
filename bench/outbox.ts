/**
 * What does reliable send cost? Two questions, each against a baseline in the same run:
 *
 * 1. POST / throughput of a sender (counter actor, --fsync always) whose every message sends
 *    (`forward`, delivered to a sink server that answers 200) against the same actor with
 *    messages that send nothing (`add`); rounds interleaved. Also how fast the outbox drains.
 * 2. With the target down, 1,000 sends are committed; then the target (counter, --fsync
 *    always) comes up: the time until its first delivery (the sender's back-off) and until
 *    the whole backlog is applied.
 *
 *   node dist/bench/outbox.js [seconds per run] [connections] [rounds] [backlog]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildFixture } from '../fixtures/build.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 2);
const backlog = Number(process.argv[5] ?? 1000);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

const component = await buildFixture('counter');
const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-outbox-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;

interface Started {
  url: string;
  /** performance.now() when it logged that it listens. */
  listeningAt: number;
  stop: () => Promise<void>;
}

async function start(listen: string): Promise<Started> {
  const dataDir = path.join(scratch, String(dirs++));
  const child = spawn(process.execPath, [CLI, 'run', component, '--listen', listen, '--data-dir', dataDir, '--log-level', 'error'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // --log-level error hides the listening line (and the retries' warnings): poll the port instead.
  const url = `http://${listen}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the runtime exited before listening');
    const up = await fetch(`${url}/head`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await sleep(10);
  }
  return {
    url,
    listeningAt: performance.now(),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

async function load(url: string, body: string, extra: string[] = ['-d', String(seconds)]): Promise<number> {
  const args = [AUTOCANNON, '-j', '-c', String(connections), ...extra, '-m', 'POST', '-H', 'content-type=application/json', '-b', body, url];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 24 });
  const report = JSON.parse(stdout) as { requests: { average: number }; non2xx: number; errors: number };
  if (report.non2xx > 0 || report.errors > 0) throw new Error(`${report.non2xx} non-2xx answers and ${report.errors} errors`);
  return report.requests.average;
}

// 1. Throughput with and without sends.
let sunk = 0;
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    sunk += 1;
    res.end('{}');
  });
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`;
const BODIES = { 'no sends': '{"add":1}', 'one send each': JSON.stringify({ forward: { to: sinkUrl, message: { add: 1 } } }) } as const;
type Kind = keyof typeof BODIES;
const rates: Record<Kind, number[]> = { 'no sends': [], 'one send each': [] };
for (let round = 0; round < rounds; round++) {
  for (const kind of Object.keys(BODIES) as Kind[]) {
    const sender = await start(`127.0.0.1:${await freePort()}`);
    try {
      const rate = await load(`${sender.url}/`, BODIES[kind]);
      rates[kind].push(rate);
      let drain = '';
      if (kind === 'one send each') {
        const pending = await metric(sender.url, 'actorchain_sends_pending');
        const started = performance.now();
        while ((await metric(sender.url, 'actorchain_sends_pending')) > 0) await sleep(20);
        drain = `, ${pending} still pending at the end, drained in ${((performance.now() - started) / 1000).toFixed(1)} s`;
      }
      console.log(`round ${round + 1} ${kind.padEnd(13)} ${rate.toFixed(0).padStart(6)} req/s${drain}`);
    } finally {
      await sender.stop();
    }
  }
}
sink.close();
const mean = (kind: Kind) => rates[kind].reduce((sum, r) => sum + r, 0) / rates[kind].length;
console.log(`${connections} connections, ${seconds} s per run, ${rounds} rounds (means), --fsync always:`);
console.log(`  no sends       ${mean('no sends').toFixed(0).padStart(6)} req/s`);
console.log(
  `  one send each  ${mean('one send each').toFixed(0).padStart(6)} req/s  ${(mean('one send each') / mean('no sends')).toFixed(2)}x (${sunk} delivered to the sink)`,
);

// 2. A backlog of sends to a target that was down.
const targetPort = await freePort();
const target = `http://127.0.0.1:${targetPort}/`;
const sender = await start(`127.0.0.1:${await freePort()}`);
const committedAt = performance.now();
await load(`${sender.url}/`, JSON.stringify({ forward: { to: target, message: { add: 1 } } }), ['-a', String(backlog)]);
const downMs = performance.now() - committedAt;
const receiver = await start(`127.0.0.1:${targetPort}`);
let firstAt = 0;
for (;;) {
  const { length } = (await (await fetch(`${receiver.url}/head`)).json()) as { length: number };
  if (firstAt === 0 && length > 2) firstAt = performance.now();
  if (length >= 2 + 2 * backlog) break;
  await sleep(10);
}
const doneAt = performance.now();
await Promise.all([sender.stop(), receiver.stop()]);
console.log(`\nbacklog of ${backlog} sends, target down for ${(downMs / 1000).toFixed(1)} s while they were committed:`);
console.log(`  target up -> first applied  ${((firstAt - receiver.listeningAt) / 1000).toFixed(2)} s (the sender's back-off)`);
console.log(`  first -> all ${backlog} applied  ${((doneAt - firstAt) / 1000).toFixed(2)} s (${(backlog / ((doneAt - firstAt) / 1000)).toFixed(0)} deliveries/s)`);
console.log(`  target up -> all applied    ${((doneAt - receiver.listeningAt) / 1000).toFixed(2)} s`);
