/**
 * Test support for data dirs: temporary dirs, chain.ndjson read as a user would (lines,
 * `sha256sum` per line), and forgeries made the way an attacker would.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import canonicalize from 'canonicalize';
import { buildFixture } from '../../fixtures/build.js';
import { Chain } from '../../src/chain/chain.js';
import type { JournalRecord, Send } from '../../src/chain/entry.js';
import { openFileStore } from '../../src/chain/recovery.js';
import { loadComponent } from '../../src/component/load.js';
import { startInProcess } from './in-process.js';
import { postJson, sha256 } from './runtime.js';

/** A fresh directory under the system's temp dir, removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'actorchain-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const chainFile = (dataDir: string) => path.join(dataDir, 'chain.ndjson');

/** The chain's lines, without their newlines (a torn last line included). */
export function readLines(dataDir: string): string[] {
  const text = readFileSync(chainFile(dataDir), 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export function writeLines(dataDir: string, lines: readonly string[]): void {
  writeFileSync(chainFile(dataDir), lines.map((l) => `${l}\n`).join(''));
}

/**
 * Replace the data of line `index` (0-based) and re-hash and re-link every line after it,
 * so the chain's hashes and links are all sound again: only a replay can tell.
 */
export function forgeAndRelink(lines: readonly string[], index: number, data: unknown): string[] {
  const out = lines.slice(0, index);
  let parent = index === 0 ? null : sha256(out[index - 1]!);
  for (let i = index; i < lines.length; i++) {
    const entry = JSON.parse(lines[i]!) as { data: unknown };
    const line = canonicalize({ data: i === index ? data : entry.data, parent })!;
    out.push(line);
    parent = sha256(line);
  }
  return out;
}

/** A target no runtime listens on: sends to it are recorded, then fail to deliver. */
export const NOWHERE = 'http://127.0.0.1:9';

/**
 * Run the component on `dataDir` (sends to NOWHERE allowed), POST the messages one by one,
 * stop it cleanly. In process (createRuntime): the chain is what matters here, not the CLI.
 */
export async function makeChain(t: TestContext, component: string, dataDir: string, messages: readonly unknown[]): Promise<void> {
  const runtime = await startInProcess(t, component, { dataDir, allowSend: [NOWHERE] });
  for (const message of messages) {
    const reply = await postJson(runtime.url, message);
    if (reply.status !== 200) throw new Error(`POST ${JSON.stringify(message)} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  await runtime.close();
}

/** Pair n of writeEchoChain: the message's canonical text (the echo actor's state too), and a key (with its sender) and sends if any. */
export interface EchoPair {
  message: string;
  key?: string;
  sender?: string;
  sends?: Send[];
  journal?: JournalRecord[];
}

/**
 * A long echo-actor chain in a new data dir, written in process through Chain and the file
 * store as the runtime writes it (posting tens of thousands of messages would take minutes),
 * and closed cleanly (so with a checkpoint from 10,000 entries on).
 */
export async function writeEchoChain(
  t: TestContext,
  pairs: number,
  pair: (n: number) => EchoPair = (n) => ({ message: `{"n":${n}}` }),
): Promise<{ component: string; hash: string; dataDir: string }> {
  const component = await buildFixture('echo');
  const { hash } = await loadComponent(component, { maxMemoryMiB: 64 });
  const dataDir = tempDir(t);
  const { store } = await openFileStore(dataDir, { componentHash: hash, fsync: 'never', onWarning: () => {} });
  const chain = new Chain(store);
  await chain.commitStart(hash, { state: '{}', sends: [], journal: undefined });
  for (let n = 0; n < pairs; n++) {
    const { message, key, sender, sends = [], journal } = pair(n);
    chain.commitTransition(message, { state: message, sends, journal }, key, sender);
  }
  await chain.close();
  return { component, hash, dataDir };
}
