/**
 * How fast does a runaway component stop costing us? Measures, over many repetitions:
 *  - respawn: a fresh worker started and the component instantiated in it;
 *  - serving again: from the moment a timed-out call is answered to the moment the next
 *    message has been answered by the standby worker (goal: under 100 ms; issue 8: 10 ms),
 *    for timeouts 100 ms apart (the standby is ready) and back to back (it is still starting);
 * against the baseline of a normal message (one transition: both contracts and handle).
 *
 * Respawn is also measured for the 12 MB componentize-js counter, for scale.
 *
 *   node dist/bench/restart.js [repetitions]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { buildFixture, type FixtureName } from '../fixtures/build.js';
import type { LoadedComponent } from '../src/component/load.js';
import { loadComponent } from '../src/component/load.js';
import { ActorWorker } from '../src/supervisor/actor-worker-host.js';
import { Supervisor } from '../src/supervisor/supervisor.js';
import { percentile, summary } from './stats.js';

const repetitions = Number(process.argv[2] ?? 100);
const TIMEOUT_MS = 50;
const logger = pino({ level: 'silent' });

const load = async (fixture: FixtureName) => loadComponent(await buildFixture(fixture), { maxMemoryMiB: 64 });
const component = await load('faults');
const supervisor = await Supervisor.start(component, { instantiateTimeoutMs: 10_000, maxRestarts: repetitions * 2, restartWindowMs: 1, allowedOrigins: [] }, logger);

/** One message as the runtime applies it: one transition (both contracts and handle). */
async function message(text: string): Promise<void> {
  await supervisor.apply(text, () => Promise.resolve('{}'), TIMEOUT_MS);
}

const normal: number[] = [];
for (let i = 0; i < repetitions * 10; i++) {
  const start = performance.now();
  await message(`{"n":${i}}`);
  normal.push(performance.now() - start);
}

async function servingAgainAfterTimeouts(gapMs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    await sleep(gapMs);
    await message('{"fault":"handle:spin"}').then(
      () => Promise.reject(new Error('the spin did not time out')),
      (err: Error & { code?: string }) => {
        if (err.code !== 'COMPONENT_TIMEOUT') throw err;
      },
    );
    const timedOut = performance.now();
    await message(`{"after":${i}}`);
    times.push(performance.now() - timedOut);
  }
  return times;
}
const servingAgain = await servingAgainAfterTimeouts(100);
const servingAgainBackToBack = await servingAgainAfterTimeouts(0);
await supervisor.close();

async function respawnTimes(loaded: LoadedComponent): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const start = performance.now();
    const worker = new ActorWorker(loaded, logger, { allowedOrigins: [] }, { current: 0 });
    await worker.ready(10_000);
    times.push(performance.now() - start);
    await worker.terminate();
  }
  return times;
}
const respawn = await respawnTimes(component);
const respawnJs = await respawnTimes(await load('counter'));

console.log(`component: faults (WAT, ${component.imports.wasi.length} WASI imports), --timeout ${TIMEOUT_MS} ms`);
console.log(`normal message (baseline): ${summary(normal)}`);
console.log(`= worker respawn (WAT):      ${summary(respawn)}`);
console.log(`worker respawn (12 MB JS): ${summary(respawnJs)}`);
console.log(`= serving again after a --timeout expiry: ${summary(servingAgain)} (timeouts 100 ms apart)`);
console.log(`serving again after timeout: ${summary(servingAgainBackToBack)} (timeouts back to back)`);
console.log(
  `ratio serving-again / normal message (median): ${(percentile(servingAgain, 50) / percentile(normal, 50)).toFixed(1)}x; ` +
    `goal < 100 ms: ${percentile(servingAgain, 99) < 100 ? 'met at p99' : percentile(servingAgain, 50) < 100 ? 'met at median' : 'NOT met'}`,
);
