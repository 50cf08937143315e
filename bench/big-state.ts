/**
 * What does a big state cost the runtime? The WAT echo actor (its state is the message)
 * with a 128 KB message of 8,000 accounts, one message at a time. The runtime's own work per
 * message (all but the component's calls) is measured part by part: the body made a
 * canonical message, the worker hop, the new state's canonical text, sealing both entries.
 * Against it: POST / as a client sees it, bare Express parsing and answering the same body,
 * and the component's calls in process. Goal: the runtime's own work <= 1 ms.
 *
 *   node dist/bench/big-state.js [messages]
 */
import { buildFixture } from '../fixtures/build.js';
import { sealCanonical } from '../src/chain/entry.js';
import { loadComponent } from '../src/component/load.js';
import { parseMessage } from '../src/http/request.js';
import { isCanonicalJsonBytes } from '../src/json/canonical-scan.js';
import { componentCost } from './component-cost.js';
import { sequentialLatencies, startBareExpress, startRuntime, type Server } from './servers.js';
import { percentile } from './stats.js';

const messages = Number(process.argv[2] ?? 200);
const GOAL_MS = 1;
const accounts: Record<string, number> = {};
for (let i = 0; i < 8000; i++) accounts[`a${String(i).padStart(5, '0')}`] = 100_000 + i;
const BODY = JSON.stringify({ accounts });
const file = await buildFixture('echo');
const component = await loadComponent(file, { maxMemoryMiB: 64 });

async function median(run: () => unknown): Promise<number> {
  for (let i = 0; i < messages / 10; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < messages; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return percentile(times, 50);
}
async function overHttp(start: () => Promise<Server>): Promise<number> {
  const server = await start();
  try {
    await sequentialLatencies(server.url, BODY, messages / 10);
    return percentile(await sequentialLatencies(server.url, BODY, messages), 50);
  } finally {
    await server.stop();
  }
}

const express = await overHttp(startBareExpress);
const runtime = await overHttp(() => startRuntime(file, ['--in-memory', '--max-body', String(1 << 20)]));

// The runtime gets the body as bytes from the socket: encoding the text here is not its work.
const bodyBytes = Buffer.from(BODY);
const canonical = parseMessage(bodyBytes);
const { calls, hop } = await componentCost(component, canonical, median);
const parse = await median(() => parseMessage(bodyBytes));
// The worker scans the new state's bytes where they lie in the component's memory, as it reads
// them (direct calls; src/component/direct-abi.ts): the same scan, over a copy here.
const stateBytes = Buffer.from(canonical);
const stateCanonical = await median(() => isCanonicalJsonBytes(stateBytes));
const seal = await median(() => sealCanonical(sealCanonical('a'.repeat(64), { message: canonical }).hash, { state: canonical }));

// The hop is a difference of two medians: on a loaded machine it can come out below zero.
const own = parse + Math.max(0, hop) + stateCanonical + seal;
const row = (name: string, ms: number) => console.log(`  ${name.padEnd(58)} ${ms.toFixed(2).padStart(7)} ms`);
console.log(`echo actor, ${(BODY.length / 1024).toFixed(0)} KB message and state, ${messages} messages one at a time, medians:`);
row('POST / as a client sees it, --in-memory', runtime);
row('bare Express, same body (parse it, answer it)', express);
row('component calls (message-contract, handle, state-contract; with the state scan)', calls);
row("runtime's own work (the parts below)", own);
row('  the body made a canonical message', parse);
row('  worker hop (message and state copied both ways; <= 0: lost in noise)', hop);
row("  the new state's bytes found canonical (in the worker, as they are read)", stateCanonical);
row('  both entries sealed (hashing)', seal);
console.log(
  `= 128 KB state: runtime's own work ${own.toFixed(2)} ms per message (goal <= ${GOAL_MS} ms: ${own <= GOAL_MS ? 'met' : 'NOT met'}); POST / ${runtime.toFixed(2)} ms, ${(runtime / express).toFixed(2)}x bare Express's ${express.toFixed(2)} ms`,
);
