/**
 * Where does one message's time go? Each stage of POST / measured on its own, one message
 * at a time (medians, microseconds), against the whole as a client sees it:
 *  - HTTP: a bare Express server that parses the body and answers it (the floor);
 *  - queue: the mailbox's turn for a message that finds it idle;
 *  - worker hop: a transition through the supervisor, minus the same transition in process;
 *  - component: message-contract, handle and state-contract called in process;
 *  - canonical JSON and hashing: the body parsed and canonicalised, the new state's canonical
 *    text (in the worker), and both entries sealed;
 *  - append: the pair written to chain.ndjson (`--fsync never`), and fsync: the extra for
 *    `--fsync always`;
 * with the WAT echo actor and a small body.
 *
 *   node dist/bench/breakdown.js [messages]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFixture } from '../fixtures/build.js';
import { Mailbox } from '../src/actor/mailbox.js';
import { Chain } from '../src/chain/chain.js';
import { sealCanonical } from '../src/chain/entry.js';
import type { FsyncMode } from '../src/chain/file-store.js';
import { openFileStore } from '../src/chain/recovery.js';
import { loadComponent } from '../src/component/load.js';
import { parseMessage } from '../src/http/request.js';
import { parseCanonical } from '../src/json/canonical.js';
import { componentCost } from './component-cost.js';
import { sequentialLatencies, startBareExpress, startRuntime } from './servers.js';
import { percentile } from './stats.js';

const messages = Number(process.argv[2] ?? 2000);
const BODY = '{"greeting":"hello","n":[1,2,3]}';
const file = await buildFixture('echo');
const component = await loadComponent(file, { maxMemoryMiB: 64 });
const scratch = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-breakdown-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const us = (ms: number) => ms * 1000;
/** Median time of `run`, in microseconds, after a warm-up of a tenth as many runs. */
async function median(run: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < messages / 10; i++) await run(i);
  const times: number[] = [];
  for (let i = 0; i < messages; i++) {
    const start = performance.now();
    await run(i);
    times.push(performance.now() - start);
  }
  return us(percentile(times, 50));
}
async function overHttp(start: () => ReturnType<typeof startBareExpress>): Promise<number> {
  const server = await start();
  try {
    await sequentialLatencies(server.url, BODY, messages / 10);
    return us(percentile(await sequentialLatencies(server.url, BODY, messages), 50));
  } finally {
    await server.stop();
  }
}

const http = await overHttp(startBareExpress);
const totalMemory = await overHttp(() => startRuntime(file, ['--in-memory']));
const totalDurable = await overHttp(() => startRuntime(file, ['--data-dir', path.join(scratch, 'durable'), '--fsync', 'always']));

const mailbox = new Mailbox(100);
const queue = await median(() =>
  mailbox.run(
    async () => {},
    () => {},
  ),
);

const canonical = parseMessage(Buffer.from(BODY));
const { calls, hop } = await componentCost(component, canonical, median);

let parent = 'a'.repeat(64);
const hashing = await median(() => {
  const message = parseMessage(Buffer.from(BODY));
  const state = parseCanonical(message)!.canonical;
  const messageEntry = sealCanonical(parent, { message });
  parent = sealCanonical(messageEntry.hash, { state }).hash;
});

async function appendCost(fsync: FsyncMode): Promise<number> {
  const { store } = await openFileStore(path.join(scratch, `append-${fsync}`), { componentHash: component.hash, fsync, onWarning: () => {} });
  const chain = new Chain(store);
  await chain.commitStart(component.hash, { state: '{}', sends: [], journal: undefined });
  const cost = await median(() => chain.commitTransition(canonical, { state: canonical, sends: [], journal: undefined }).durable);
  await chain.close();
  return cost;
}
const append = await appendCost('never');
const fsync = (await appendCost('always')) - append;

const parts: Array<[string, number]> = [
  ['HTTP (bare Express: parse the body, answer it)', http],
  ['queue (mailbox turn)', queue],
  ['worker hop (supervisor round trip)', hop],
  ['component (message-contract, handle, state-contract)', calls],
  ['canonical JSON and hashing (both entries)', hashing],
];
const sum = parts.reduce((total, [, cost]) => total + cost, 0);
console.log(`one message, echo actor, ${messages} messages one at a time, medians in microseconds:`);
const row = (name: string, cost: number) => console.log(`  ${name.padEnd(55)} ${cost.toFixed(1).padStart(7)}`);
for (const [name, cost] of parts) row(name, cost);
row('sum of the parts', sum);
row('POST / as a client sees it, --in-memory', totalMemory);
row('append (write to chain.ndjson, --fsync never)', append);
row('fsync (what --fsync always adds to the append)', fsync);
row('POST / as a client sees it, --fsync always', totalDurable);
console.log(
  `= one message: ${totalMemory.toFixed(0)} us in memory (${(totalMemory / http).toFixed(2)}x bare Express's ${http.toFixed(0)} us); ` +
    `runtime's own part ${(totalMemory - http).toFixed(0)} us, of which worker hop ${hop.toFixed(0)}, component ${calls.toFixed(0)}, ` +
    `canonical+hash ${hashing.toFixed(0)}; append ${append.toFixed(0)} and fsync ${fsync.toFixed(0)} us more when durable`,
);
