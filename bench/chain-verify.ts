/**
 * How fast is a long chain opened and checked? For echo-actor chains of N entries (default
 * 300k and 1M), measures against a baseline pass that reads the file and hashes every line,
 * in the same run:
 *  - reopen: what `run` does on start (check the file, build the index), from the checkpoint
 *    a clean stop leaves, from one a kill leaves at worst (20,000 entries behind), and
 *    without one (every line checked);
 *  - start-up: `actorchain run` on the data dir, from spawn to listening, with the checkpoint
 *    and without it;
 *  - verify: hashes, links and the replay, through the real CLI.
 * Goals: reopen of 300k <= 2x the baseline; start-up with 1M <= 2 s; verify >= 200,000 entries/s.
 *
 *   node dist/bench/chain-verify.js [entries ...]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixture } from '../fixtures/build.js';
import { Chain } from '../src/chain/chain.js';
import { CHAIN_FILE } from '../src/chain/chain-file.js';
import { CHECKPOINT_FILE, CHECKPOINT_HASHES_FILE } from '../src/chain/checkpoint.js';
import { CHECKPOINT_AFTER_LINES } from '../src/chain/checkpoint-keeper.js';
import { openFileStore } from '../src/chain/recovery.js';
import { loadComponent } from '../src/component/load.js';
import { sha256Hex } from '../src/json/canonical.js';
import { startRuntime } from './servers.js';

const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [300_000, 1_000_000];
const VERIFY_GOAL = 200_000;
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const fmt = (n: number) => n.toLocaleString('en-US');

const componentFile = await buildFixture('echo');
const component = await loadComponent(componentFile, { maxMemoryMiB: 64 });
const options = { componentHash: component.hash, fsync: 'never' as const, onWarning: () => {} };

/** Commit through Chain + FileStore directly: what the runtime writes for the echo actor, whose state is the message. */
async function generate(dir: string, entries: number): Promise<void> {
  const { store } = await openFileStore(dir, options);
  const chain = new Chain(store);
  await chain.commitStart(component.hash, { state: '{}', sends: [], journal: undefined });
  for (let i = 0; chain.length < entries; i++) {
    const canonical = `{"greeting":"hello, chain","n":${i}}`;
    const { durable } = chain.commitTransition(canonical, { state: canonical, sends: [], journal: undefined });
    if (i % 1000 === 0) await durable;
  }
  await chain.close();
}

/** The baseline: read chain.ndjson in 1 MiB chunks and hash every line, nothing else. */
async function readAndHash(file: string): Promise<number> {
  const started = performance.now();
  const handle = await open(file, 'r');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let carry = Buffer.alloc(0);
  for (let position = 0; ;) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const buffer = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let start = 0;
    for (let nl = buffer.indexOf(0x0a); nl !== -1; nl = buffer.indexOf(0x0a, start)) {
      sha256Hex(buffer.toString('utf8', start, nl));
      start = nl + 1;
    }
    carry = Buffer.from(buffer.subarray(start));
  }
  await handle.close();
  return performance.now() - started;
}

async function reopen(dir: string): Promise<{ ms: number; checkedLines: number; indexMiB: number }> {
  const started = performance.now();
  const { store, checkedLines } = await openFileStore(dir, options);
  const ms = performance.now() - started;
  const indexMiB = store.indexBytes / 2 ** 20;
  await store.close();
  return { ms, checkedLines, indexMiB };
}

/**
 * Run `measure` with the data dir's checkpoint rewritten to cover all but the last `behind`
 * entries (as a runtime killed just before its next checkpoint leaves it), then put it back.
 */
async function withCheckpointBehind<T>(dir: string, behind: number, measure: () => Promise<T>): Promise<T> {
  const headerFile = path.join(dir, CHECKPOINT_FILE);
  const saved = readFileSync(headerFile);
  const header = JSON.parse(saved.toString('utf8')) as Record<string, unknown>;
  const entries = (header.entries as number) - behind;
  const chain = readFileSync(path.join(dir, CHAIN_FILE));
  let bytes = 0;
  for (let line = 0; line < entries; line++) bytes = chain.indexOf(0x0a, bytes) + 1;
  const hashes = readFileSync(path.join(dir, CHECKPOINT_HASHES_FILE)).subarray(0, entries * 32);
  const behindHeader = { ...header, entries, bytes, 'chain-sha256': sha256Hex(chain.subarray(0, bytes)), 'hashes-sha256': sha256Hex(hashes) };
  writeFileSync(headerFile, `${JSON.stringify(behindHeader)}\n`);
  try {
    return await measure();
  } finally {
    writeFileSync(headerFile, saved);
  }
}

for (const entries of sizes) {
  const dir = mkdtempSync(path.join(tmpdir(), 'actorchain-bench-verify-'));
  try {
    let started = performance.now();
    await generate(dir, entries);
    const file = path.join(dir, CHAIN_FILE);
    console.log(`\n${fmt(entries)} entries (${(statSync(file).size / 2 ** 20).toFixed(1)} MiB), generated in ${(performance.now() - started).toFixed(0)} ms`);

    // Alternate so that drift hits the baseline and the reopens alike; keep the best of two.
    const checkpoint = path.join(dir, CHECKPOINT_FILE);
    const best = { baseline: Infinity, warm: Infinity, cold: Infinity };
    for (let round = 0; round < 2; round++) {
      best.baseline = Math.min(best.baseline, await readAndHash(file));
      best.warm = Math.min(best.warm, (await reopen(dir)).ms);
      renameSync(checkpoint, `${checkpoint}.aside`);
      const cold = await reopen(dir);
      best.cold = Math.min(best.cold, cold.ms);
      renameSync(`${checkpoint}.aside`, checkpoint);
      if (round === 0) console.log(`  index in memory: ${cold.indexMiB.toFixed(1)} MiB`);
    }
    // What a kill leaves at worst: the checkpoint one interval (20,000 entries) behind the end.
    const afterKill = await withCheckpointBehind(dir, CHECKPOINT_AFTER_LINES, () => reopen(dir));
    console.log(`  read and hash every line (baseline):  ${best.baseline.toFixed(0)} ms`);
    console.log(`  reopen from the checkpoint:           ${best.warm.toFixed(0)} ms (${(best.warm / best.baseline).toFixed(2)}x baseline)`);
    console.log(`  reopen checking every line:           ${best.cold.toFixed(0)} ms (${(best.cold / best.baseline).toFixed(2)}x baseline)`);
    console.log(
      `  reopen after a kill (${fmt(afterKill.checkedLines)} lines past the checkpoint, the most one leaves): ${afterKill.ms.toFixed(0)} ms (${(afterKill.ms / best.baseline).toFixed(2)}x baseline)`,
    );

    // The chain was written here without the runtime's tree files: the first start builds
    // tree.hashes from every line (once: what a chain from before the tree costs), later ones read it.
    const first = await startRuntime(componentFile, ['--data-dir', dir]);
    await first.stop();
    console.log(`  first start, the Merkle tree built:   ${first.startMs.toFixed(0)} ms`);
    const runtime = await startRuntime(componentFile, ['--data-dir', dir]);
    await runtime.stop();
    console.log(`  start-up (spawn to listening):        ${runtime.startMs.toFixed(0)} ms`);
    // A chain copied without its checkpoint, or written by a version without one.
    renameSync(checkpoint, `${checkpoint}.aside`);
    const uncheckpointed = await startRuntime(componentFile, ['--data-dir', dir]);
    await uncheckpointed.stop();
    renameSync(`${checkpoint}.aside`, checkpoint);
    console.log(`  start-up without a checkpoint:        ${uncheckpointed.startMs.toFixed(0)} ms`);

    started = performance.now();
    const output = execFileSync(process.execPath, [CLI, 'verify', componentFile, dir], { encoding: 'utf8' }).trim();
    const wallMs = performance.now() - started;
    const reported = Number(/\(([\d,]+) entries\/s\)/.exec(output)![1]!.replace(/,/g, ''));
    console.log(`  verify: ${output} (${wallMs.toFixed(0)} ms wall, component load included)`);
    console.log(
      `= ${fmt(entries)} entries: reopen ${best.warm.toFixed(0)} ms (${(best.warm / best.baseline).toFixed(2)}x read-and-hash), ` +
        `${best.cold.toFixed(0)} ms without checkpoint (${(best.cold / best.baseline).toFixed(2)}x), ${afterKill.ms.toFixed(0)} ms after a kill (${(afterKill.ms / best.baseline).toFixed(2)}x); start-up ${runtime.startMs.toFixed(0)} ms (${uncheckpointed.startMs.toFixed(0)} ms without checkpoint); ` +
        `verify ${fmt(reported)} entries/s (${(reported / VERIFY_GOAL).toFixed(2)}x the goal of ${fmt(VERIFY_GOAL)})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
