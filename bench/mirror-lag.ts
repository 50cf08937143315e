/**
 * How soon does a mirror (and a `GET /chain?wait=` long poll) see a pair after the primary's
 * 200? The figures the tests used to assert as wall-clock windows (test/e2e/mirror.test.ts: "each
 * pair on the mirror within a second"; test/e2e/chain-long-poll.test.ts: a held poll "answered at
 * once" on a commit): measured here instead, over many pairs, with the goal printed beside.
 *
 *   node dist/bench/mirror-lag.js [pairs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFixture } from '../fixtures/build.js';
import { getJson, postJson, startMirror, startRuntime } from '../test/support/runtime.js';
import { percentile, summary } from './stats.js';

const pairs = Number(process.argv[2] ?? 50);
const counter = await buildFixture('counter');
const dirs = [mkdtempSync(path.join(tmpdir(), 'actorchain-bench-primary-')), mkdtempSync(path.join(tmpdir(), 'actorchain-bench-mirror-'))];
const primary = await startRuntime(undefined, counter, ['--data-dir', dirs[0]!]);
const mirror = await startMirror(undefined, counter, primary.url, dirs[1]!);

async function headIs(url: string, head: string): Promise<void> {
  while ((await getJson(`${url}/head`)).body.head !== head) await new Promise((resolve) => setTimeout(resolve, 1));
}

try {
  // The mirror: from the primary's 200 to the pair's HEAD on the mirror.
  const lag: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const reply = await postJson(primary.url, { add: 1 });
    const answered = performance.now();
    await headIs(mirror.url, reply.body.head);
    lag.push(performance.now() - answered);
  }
  // A held long poll: from the 200 of the message committed while it waits to its answer.
  const poll: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const { head } = (await getJson(`${primary.url}/head`)).body;
    let polledAt = 0;
    const polled = getJson(`${primary.url}/chain?after=${head}&wait=30`).then(() => (polledAt = performance.now()));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await postJson(primary.url, { add: 1 });
    const answered = performance.now();
    await polled;
    poll.push(Math.max(0, polledAt - answered));
  }
  console.log(`mirror: pair on the mirror after the primary's 200: ${summary(lag)}`);
  console.log(`long poll: held GET /chain answered after the commit's 200: ${summary(poll)}`);
  console.log(
    `= mirror lag p99 ${percentile(lag, 99).toFixed(1)} ms (goal < 1000 ms), long-poll answer p99 ${percentile(poll, 99).toFixed(1)} ms (goal: at once, far from the 30 s wait)`,
  );
} finally {
  await Promise.all([mirror.stop(), primary.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
