import type { Command } from 'commander';
import type { GenesisData, StateData, UpgradeData } from '../chain/entry.js';
import path from 'node:path';
import { resolveChainFile } from '../chain/chain-file.js';
import { ActorchainError } from '../errors.js';
import { readDeliveryLog } from '../outbox/delivery-record.js';
import { OwedSends } from '../outbox/owed.js';
import { endpoint, getJson, readHeaders } from '../verify/http-source.js';
import { isUrl, openSource } from '../verify/source.js';
import { readTokenOption, useReadToken } from './options.js';
import { Progress } from './progress.js';

/** An upgrade entry: where it stands, its hash, and the component it switched to. */
export interface UpgradeSummary {
  position: number;
  hash: string;
  'component-hash': string;
}

export interface ChainSummary {
  head: string;
  length: number;
  /** The component the chain runs now: its last upgrade's, or else its genesis'. */
  'component-hash': string;
  /** The component the chain started with (its genesis names it). */
  'genesis-component-hash': string;
  /** Each upgrade, in chain order (a data dir or file only: a runtime's chain is not read whole for it). */
  upgrades?: UpgradeSummary[];
  state: unknown;
  /** Sends committed and not yet delivered or given up. */
  'pending-sends': number;
}

/**
 * Read the whole file (checking hashes and links on the way) for its first and last
 * entries, and count the sends that deliveries.ndjson beside it does not mark done.
 */
async function inspectFile(source: string): Promise<ChainSummary> {
  const progress = new Progress('reading', 'bytes');
  const chain = await openSource(source, { onProgress: progress.update });
  const owed = new OwedSends((await readDeliveryLog(path.dirname(await resolveChainFile(source)))).cursors);
  let summary: Omit<ChainSummary, 'pending-sends'> | undefined;
  let genesis = '';
  const upgrades: UpgradeSummary[] = [];
  try {
    for await (const [first, state] of chain.groups()) {
      if (first.kind === 'genesis') genesis = (first.data as GenesisData)['component-hash'];
      if (first.kind === 'upgrade')
        upgrades.push({ position: first.position, hash: first.hash, 'component-hash': (first.data as UpgradeData).upgrade['component-hash'] });
      const data = state.data as StateData;
      owed.add(state.hash, data.sends);
      summary = {
        head: state.hash,
        length: state.position + 1,
        'component-hash': upgrades.at(-1)?.['component-hash'] ?? genesis,
        'genesis-component-hash': genesis,
        upgrades,
        state: data.state,
      };
    }
  } finally {
    progress.done();
  }
  if (!summary) throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${source} holds no whole entries yet`);
  if (chain.tail) process.stderr.write(`actorchain: warning: ${chain.tail.bytes} bytes from line ${chain.tail.line} are not part of the chain: ${chain.tail.reason}\n`);
  return { ...summary, 'pending-sends': owed.owed.length };
}

const CONSISTENT_READ_TRIES = 20;

/** The runtime's own count, from GET /metrics. */
async function pendingSends(base: string): Promise<number> {
  const url = endpoint(base, 'metrics');
  const text = await fetch(url, { headers: readHeaders() }).then(
    (response) => response.text(),
    () => '',
  );
  const pending = /^actorchain_sends_pending (\d+)$/m.exec(text)?.[1];
  if (pending === undefined) throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${url.href} does not report actorchain_sends_pending`);
  return Number(pending);
}

/**
 * The hash of the component a runtime runs now: the ETag of HEAD /component (the bytes are not
 * fetched). A runtime from before components were served (404) runs its genesis' component.
 */
async function currentComponent(base: string, genesis: string): Promise<string> {
  const url = endpoint(base, 'component');
  const response = await fetch(url, { method: 'HEAD', headers: readHeaders() }).catch((err: Error) => {
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot reach ${url.href}: ${err.message}`);
  });
  if (response.status === 404) return genesis;
  const hash = /^"([0-9a-f]{64})"$/.exec(response.headers.get('etag') ?? '')?.[1];
  if (!response.ok || hash === undefined)
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `HEAD ${url.pathname} answered ${response.status} without the component's hash`);
  return hash;
}

/** Ask a running runtime. HEAD can move between requests: retry until /head and /state agree. */
async function inspectUrl(base: string): Promise<ChainSummary> {
  const page = await getJson<{ entries: Array<{ data: GenesisData }> }>(endpoint(base, 'chain?limit=1'));
  const genesis = page.entries[0]?.data['component-hash'];
  if (genesis === undefined) throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${base} serves an empty chain`);
  for (let tries = 0; tries < CONSISTENT_READ_TRIES; tries++) {
    const { head, length } = await getJson<{ head: string; length: number }>(endpoint(base, 'head'));
    // Read between two reads of the head: an upgrade in between moves the head, and the reads are tried again.
    const current = await currentComponent(base, genesis);
    const { head: stateHead, state } = await getJson<{ head: string; state: unknown }>(endpoint(base, 'state'));
    if (head === stateHead) {
      return { head, length, 'component-hash': current, 'genesis-component-hash': genesis, state, 'pending-sends': await pendingSends(base) };
    }
  }
  throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `HEAD of ${base} moved during each of ${CONSISTENT_READ_TRIES} reads; try again when it is quieter`);
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description(
      "print a chain's head, length, the component it runs now (and its genesis', and its upgrades for a data dir or file), current state and pending sends as JSON",
    )
    .argument('<source>', 'a data dir (or chain .ndjson file), or the URL of a running runtime')
    .addOption(readTokenOption())
    .action(async (source: string, raw: { token?: string }) => {
      useReadToken(raw.token);
      const summary = isUrl(source) ? await inspectUrl(source) : await inspectFile(source);
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });
}
