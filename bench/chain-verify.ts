/**
 * How fast can a long chain be checked? For an N-entry chain of the echo actor (default
 * 100k), measures:
 *  - reopen: what `run` does on start (check every line, build the index);
 *  - verify: hashes, links and the in-process replay, through the real CLI;
 * against the baseline of a structural pass alone (hashes and links, no replay), in the
 * same run. Goal: verify >= 50,000 entries/s.
 *
 *   node dist/bench/chain-verify.js [entries]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixture } from '../fixtures/build.js';
import { Chain } from '../src/chain/chain.js';
import { ChainFileReader, CHAIN_FILE } from '../src/chain/chain-file.js';
import { openFileStore } from '../src/chain/recovery.js';
import { loadComponent } from '../src/component/load.js';
import { canonicalJson } from '../src/json/canonical.js';

const entries = Number(process.argv[2] ?? 100_000);
const GOAL = 50_000;
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

const componentFile = await buildFixture('echo');
const component = await loadComponent(componentFile, { maxMemoryMiB: 64 });
const dir = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-verify-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// Generate: commit through Chain + FileStore directly (what the runtime would write for the
// echo actor, whose state is the message), without syncing.
const options = { componentHash: component.hash, fsync: 'never' as const, onWarning: () => {} };
let started = performance.now();
{
  const { store } = await openFileStore(dir, options);
  const chain = new Chain(store);
  await chain.commitStart(component.hash, { state: '{}', sends: [], journal: undefined });
  for (let i = 0; chain.length < entries; i++) {
    const message = { n: i, greeting: 'hello, chain' };
    const canonical = canonicalJson(message);
    const { durable } = chain.commitTransition(canonical, { state: canonical, sends: [], journal: undefined });
    if (i % 1000 === 0) await durable;
  }
  await chain.close();
}
const fileBytes = statSync(path.join(dir, CHAIN_FILE)).size;
console.log(`generated ${fmt(entries)} entries (${(fileBytes / 2 ** 20).toFixed(1)} MiB) in ${(performance.now() - started).toFixed(0)} ms`);

started = performance.now();
const { store } = await openFileStore(dir, options);
const reopenMs = performance.now() - started;
console.log(
  `reopen:     ${reopenMs.toFixed(0)} ms (${fmt(rate(entries, reopenMs))} entries/s), index ${(store.indexBytes / 2 ** 20).toFixed(1)} MiB ` +
    `(${(store.indexBytes / entries).toFixed(0)} bytes/entry), heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
);
await store.close();

started = performance.now();
const reader = new ChainFileReader(path.join(dir, CHAIN_FILE), { componentHash: component.hash });
for await (const group of reader.groups()) void group;
const structuralMs = performance.now() - started;
console.log(`structural: ${structuralMs.toFixed(0)} ms (${fmt(rate(entries, structuralMs))} entries/s) [baseline: hashes and links only]`);

started = performance.now();
const output = execFileSync(process.execPath, [CLI, 'verify', componentFile, dir], { encoding: 'utf8' }).trim();
const wallMs = performance.now() - started;
const reported = Number(/\(([\d,]+) entries\/s\)/.exec(output)![1]!.replace(/,/g, ''));
console.log(`verify:     ${output}`);
console.log(`            ${wallMs.toFixed(0)} ms wall for the whole command (component load included)`);
console.log(
  `ratios:     verify/structural ${(reported / rate(entries, structuralMs)).toFixed(2)}x, ` +
    `verify/goal ${(reported / GOAL).toFixed(2)}x (goal ${fmt(GOAL)} entries/s: ${reported >= GOAL ? 'met' : 'NOT met'})`,
);
