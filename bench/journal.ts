/**
 * What do the journal and the fresh-instance rule cost? Sequential POST / latency of the
 * real runtime (--in-memory, one message at a time), median and p90 over N messages:
 *  - accepted messages: the WAT echo actor (`faults` without a marker; nothing to journal),
 *    and the componentize-js `observer` reading the clock 0 and 10 more times in handle;
 *  - refused messages (message-contract says no, so the next message needs a fresh
 *    instance): back to back (bound by instantiation), and GAP_MS apart (the spare instance
 *    and the standby worker are ready by then), and the accepted message after a refusal;
 * against accepted messages of the same actor sent the same way, in the same run. With
 * ACTORCHAIN_BASELINE_CLI=<another build's dist/src/cli/main.js>, the accepted rows are run
 * through that build too (interleaved) and the ratio printed: the journal's cost.
 *
 *   node dist/bench/journal.js [messages]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildFixture } from '../fixtures/build.js';

const messages = Number(process.argv[2] ?? 400);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const BASELINE = process.env.ACTORCHAIN_BASELINE_CLI;

async function start(cli: string, component: string): Promise<{ url: string; stop: () => Promise<unknown> }> {
  const child = spawn(process.execPath, [cli, 'run', component, '--listen', '127.0.0.1:0', '--in-memory'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    // The default log level: the listening line carries the address; the rest is dropped as it comes.
    createInterface({ input: child.stdout }).on('line', (line) => {
      const address = /"address":"([^"]+)"/.exec(line)?.[1];
      if (address) resolve(`${address}/`);
    });
    void exited.then(() => reject(new Error(`${cli} run ${component} exited`)));
  });
  return { url, stop: () => (child.kill('SIGTERM'), exited) };
}

async function post(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return response.status;
}

/** Median and p90 latency in ms of `count` sequential POSTs of `body`, `gapMs` apart. */
async function latency(url: string, body: unknown, expected: number, gapMs = 0): Promise<{ median: number; p90: number }> {
  const times: number[] = [];
  for (let i = 0; i < count(gapMs); i++) {
    if (gapMs > 0) await sleep(gapMs);
    const started = performance.now();
    const status = await post(url, body);
    times.push(performance.now() - started);
    if (status !== expected) throw new Error(`POST ${JSON.stringify(body)} answered ${status}, not ${expected}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p90: times[Math.floor(times.length * 0.9)]! };
}
const count = (gapMs: number) => (gapMs > 0 ? Math.min(messages, 60) : messages);
/** Long enough for a 12 MB JavaScript component to be instantiated on a loaded machine. */
const GAP_MS = 150;

const fmt = (ms: number) => `${ms >= 1 ? ms.toFixed(2) : ms.toFixed(3)} ms`;
const row = (what: string, r: { median: number; p90: number }, note = '') =>
  console.log(`${what.padEnd(52)} median ${fmt(r.median).padStart(9)}  p90 ${fmt(r.p90).padStart(9)}  ${note}`);

const actors = [
  { name: 'faults' as const, accepted: [{ n: 1 }], refused: { fault: 'message-contract:reject' } },
  { name: 'observer' as const, accepted: [{ add: 1 }, { add: 1, clock: 10 }], refused: { refuse: true } },
];

for (const actor of actors) {
  const component = await buildFixture(actor.name);
  const runtime = await start(CLI, component);
  const baseline = BASELINE === undefined ? undefined : await start(BASELINE, component);
  // Warm up both (JIT, caches, the first spare instance).
  for (const url of [runtime.url, baseline?.url]) if (url) for (let i = 0; i < 50; i++) await post(url, actor.accepted[0]);

  const accepted = await latency(runtime.url, actor.accepted[0], 200);
  for (const body of actor.accepted) {
    const now = await latency(runtime.url, body, 200);
    row(`${actor.name} accepted ${JSON.stringify(body)}`, now);
    if (baseline) {
      const before = await latency(baseline.url, body, 200);
      const again = await latency(runtime.url, body, 200);
      const median = (now.median + again.median) / 2;
      row(`  the same, baseline build`, before, `journal build / baseline: ${(median / before.median).toFixed(3)}x`);
    }
  }
  const backToBack = await latency(runtime.url, actor.refused, 422);
  row(`${actor.name} refused, back to back`, backToBack, `${(backToBack.median / accepted.median).toFixed(2)}x accepted`);
  const acceptedApart = await latency(runtime.url, actor.accepted[0], 200, GAP_MS);
  row(`${actor.name} accepted, ${GAP_MS} ms apart`, acceptedApart);
  const apart = await latency(runtime.url, actor.refused, 422, GAP_MS);
  row(`${actor.name} refused, ${GAP_MS} ms apart`, apart, `${(apart.median / acceptedApart.median).toFixed(2)}x accepted`);
  const times: number[] = [];
  for (let i = 0; i < count(GAP_MS); i++) {
    await post(runtime.url, actor.refused);
    await sleep(GAP_MS);
    const started = performance.now();
    await post(runtime.url, actor.accepted[0]);
    times.push(performance.now() - started);
    await sleep(GAP_MS);
  }
  times.sort((x, y) => x - y);
  const afterRefusal = { median: times[Math.floor(times.length / 2)]!, p90: times[Math.floor(times.length * 0.9)]! };
  row(`${actor.name} accepted after a refusal`, afterRefusal, `${(afterRefusal.median / acceptedApart.median).toFixed(2)}x accepted`);
  await runtime.stop();
  await baseline?.stop();
}
