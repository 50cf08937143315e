/**
 * Re-spawn as a client sees it: from the moment the answer to a message that hit --timeout
 * arrives to the moment the next message's `200` arrives, through the real CLI and HTTP, on
 * one kept-alive connection (the WAT faults actor, --timeout 50). Baseline, same run: a plain
 * message's round trip. Each timeout is more than --restart-window after the one before, so
 * every one is a first restart (no back-off), as a runtime that faults now and then sees it.
 * Goal (issue 24): median <= 5 ms, stable from run to run.
 *
 *   node dist/bench/respawn-http.js [timeouts] [storage: in-memory|fsync]
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildFixture } from '../fixtures/build.js';
import { startRuntime } from './servers.js';
import { percentile } from './stats.js';

const runs = Number(process.argv[2] ?? 20);
const storage = process.argv[3] ?? 'in-memory';
const GOAL_MS = 5;
const faults = await buildFixture('faults');
const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-respawn-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const storageArgs = storage === 'fsync' ? ['--data-dir', path.join(scratch, 'data'), '--fsync', 'always'] : ['--in-memory'];
const server = await startRuntime(faults, [...storageArgs, '--timeout', '50', '--max-restarts', '1000', '--restart-window', '1']);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(body: string): Promise<number> {
  const payload = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const request = http.request(server.url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

try {
  const normal: number[] = [];
  for (let i = 0; i < 300; i++) {
    const start = performance.now();
    if ((await post(`{"n":${i}}`)) !== 200) throw new Error('a plain message was not answered 200');
    if (i >= 100) normal.push(performance.now() - start);
  }
  const servingAgain: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < runs; i++) {
    await sleep(1100); // past --restart-window: a first restart, and the standby is ready
    const status = await post('{"fault":"handle:spin"}');
    if (status === 200) throw new Error('the spin did not time out');
    const timedOut = performance.now();
    if ((await post(`{"after":${i}}`)) !== 200) throw new Error('the message after a timeout was not answered 200');
    servingAgain.push(performance.now() - timedOut);
    // The messages after it, while the faulted thread is torn down and the next standby starts.
    for (let j = 0; j < 20; j++) {
      const start = performance.now();
      await post(`{"between":${j}}`);
      after.push(performance.now() - start);
    }
  }
  const median = percentile(servingAgain, 50);
  const normalMedian = percentile(normal, 50);
  console.log(`plain message (baseline): median ${normalMedian.toFixed(2)} ms, p99 ${percentile(normal, 99).toFixed(2)} ms (n=${normal.length})`);
  console.log(`serving again: ${servingAgain.map((t) => t.toFixed(1)).join(' ')}`);
  console.log(
    `the 20 messages after each: median ${percentile(after, 50).toFixed(2)} ms, p99 ${percentile(after, 99).toFixed(2)} ms, slowest ${Math.max(...after).toFixed(2)} ms (n=${after.length})`,
  );
  console.log(
    `= --timeout expiry to the next 200 (${storage}): median ${median.toFixed(2)} ms, p90 ${percentile(servingAgain, 90).toFixed(2)} ms ` +
      `(n=${runs}), ${(median / normalMedian).toFixed(1)}x a plain message; goal median <= ${GOAL_MS} ms: ${median <= GOAL_MS ? 'met' : 'not met'}`,
  );
} finally {
  agent.destroy();
  await server.stop();
}
