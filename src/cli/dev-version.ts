/**
 * One version of the actor `actorchain dev` serves (dev.ts): its chain, actor, outbox and app.
 * A version starts on the data dir's chain (or in memory), with a history replayed through it
 * when the chain it replaces could not be taken over; the first one takes over the chain an
 * earlier session left, upgraded offline, or replaces it.
 */
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import path from 'node:path';
import type { Logger } from 'pino';
import { Actor } from '../actor/actor.js';
import { upgradeDataDir } from '../actor/upgrade.js';
import { displayPath } from '../build/display-path.js';
import type { KeptComponents } from '../chain/components-dir.js';
import type { Send } from '../chain/entry.js';
import type { LoadedComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import { createApp } from '../http/app.js';
import { canonicalJson } from '../json/canonical.js';
import { Metrics } from '../metrics.js';
import { Outbox } from '../outbox/outbox.js';
import { openChain } from './storage.js';

/** A message of the history: its canonical text, and its idempotency key and sender, if it had them. */
interface HistoryMessage {
  canonical: string;
  key: string | undefined;
  sender: string | undefined;
}

function historyMessage(data: { message?: unknown; 'idempotency-key'?: unknown; sender?: unknown }): HistoryMessage {
  const { 'idempotency-key': key, sender } = data;
  return { canonical: canonicalJson(data.message), key: typeof key === 'string' ? key : undefined, sender: typeof sender === 'string' ? sender : undefined };
}

/** Sends made while the history is replayed were delivered when it was first applied: held back. */
class ReplayOutbox extends Outbox {
  replaying = true;
  override post(entry: string, sends: readonly Send[]): void {
    if (!this.replaying) super.post(entry, sends);
  }
}

/** One version of the actor, serving. */
export interface Serving {
  component: LoadedComponent;
  actor: Actor;
  outbox: ReplayOutbox;
  app: RequestListener;
}

/** What every version shares: where its chain is kept, the log, the components kept for GET /component. */
export interface VersionContext {
  dataDir: string | null;
  log: Logger;
  kept: KeptComponents;
}

const ACTOR_OPTIONS = { timeoutMs: 5000, initTimeoutMs: 30_000, maxQueue: 1024, maxRestarts: 5, restartWindowMs: 60_000 };

/** Start a version: a fresh chain for `component`, the history applied to it. */
export async function startVersion(context: VersionContext, component: LoadedComponent, history: HistoryMessage[]): Promise<Serving> {
  const { dataDir, log, kept } = context;
  const actorLog = log.child({ actor: component.hash.slice(0, 12) });
  const metrics = new Metrics({ chainLength: () => 0, queueDepth: () => 0, sendsPending: () => 0 });
  const { chain } = await openChain({ dataDir, fsync: 'always' }, component.hash, actorLog);
  const outbox = new ReplayOutbox({ metrics, logger: actorLog, allowedOrigins: [] });
  const actor = await Actor.start(component, chain, { ...ACTOR_OPTIONS, outbox, allowedSendOrigins: [] }, actorLog);
  let applied = 0;
  for (const [i, { canonical, key, sender }] of history.entries()) {
    try {
      await actor.submit(canonical, key, sender);
      applied += 1;
    } catch (err) {
      if (!(err instanceof ActorchainError)) throw err;
      const why = err.reason ?? err.detail;
      actorLog.warn(
        { code: err.code, ...(why === undefined ? {} : { reason: why }) },
        `history: message ${i + 1} ${canonical} is refused by the new code and skipped: ${err.message}`,
      );
    }
  }
  outbox.replaying = false;
  if (history.length > 0)
    actorLog.info({ applied, skipped: history.length - applied }, `history replayed through the new code: ${applied} of ${history.length} messages applied`);
  await kept.keepFile(component);
  const componentService = { current: () => actor.component.hash, read: (hash: string) => kept.read(hash) };
  const app = createApp(
    chain,
    actor,
    { maxBodyBytes: 2 ** 20, durable: dataDir !== null, metrics, token: null, tokenReads: false, unready: () => actor.supervisor.unready, componentService },
    actorLog,
  );
  return { component, actor, outbox, app };
}

/**
 * The first version: a new chain, or the data dir's resumed. A chain that runs another
 * component (an earlier session's) is upgraded to this one offline; only when the new code
 * cannot take its state over is it replaced, its messages replayed through the new code.
 */
export async function startFirstVersion(context: VersionContext, component: LoadedComponent, file: string): Promise<Serving> {
  const { dataDir, log } = context;
  try {
    return await startVersion(context, component, []);
  } catch (err) {
    if (!(err instanceof ActorchainError) || err.code !== 'CHAIN_COMPONENT_MISMATCH' || dataDir === null) throw err;
  }
  try {
    const upgraded = await upgradeDataDir(dataDir, file, { maxMemoryMiB: 256, dryRun: false, onWarning: (message) => log.warn(message) });
    log.info({ upgrade: upgraded.upgrade, from: upgraded.from }, "the data dir's chain ran another component: upgraded to this one, its history kept");
    return await startVersion(context, component, []);
  } catch (err) {
    if (!(err instanceof ActorchainError) || !err.code.startsWith('UPGRADE_')) throw err;
    const aside = await moveAside(dataDir);
    const history = await messagesFromFile(path.join(aside, 'chain.ndjson'));
    log.warn(
      { code: err.code },
      `${err.message}: so the chain is replaced instead; its ${history.length} messages are replayed through this code (the old chain is kept in ${displayPath(aside)})`,
    );
    return startVersion(context, component, history);
  }
}

/** Stop a version: its actor, then its outbox. */
export async function stopVersion(version: Serving): Promise<void> {
  await version.actor.close();
  await version.outbox.close();
}

/** Move a data dir's files (not its lock, nor earlier replaced chains) into <dataDir>/replaced/<time>/. */
async function moveAside(dataDir: string): Promise<string> {
  const aside = path.join(dataDir, 'replaced', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(aside, { recursive: true });
  for (const name of await readdir(dataDir)) {
    if (name === 'replaced' || name === 'lock') continue;
    await rename(path.join(dataDir, name), path.join(aside, name));
  }
  return aside;
}

/** The messages of a chain.ndjson file, in order. */
async function messagesFromFile(file: string): Promise<HistoryMessage[]> {
  const messages: HistoryMessage[] = [];
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line === '') continue;
    const { data } = JSON.parse(line) as { data: Record<string, unknown> };
    if ('message' in data) messages.push(historyMessage(data));
  }
  return messages;
}
