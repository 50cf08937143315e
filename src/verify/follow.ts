/**
 * Following a live runtime (verify --follow, mirror): replay what it holds, then keep asking
 * `GET /chain?after=<last entry>&wait=<s>` and replay each group as it is committed.
 *
 *   [local chain.ndjson] ──replay──┐
 *                                  ▼
 *   GET /chain?after=A ──check──► replay ──► event 'verified' (head, length, groups)
 *        ▲      │ 404: A unknown there            │
 *        │      └──────────────► CHAIN_FORKED     │
 *        └────────────── after = last entry ◄─────┘
 *
 * The runtime's word is taken for nothing: every entry is re-hashed and re-linked by one
 * ChainChecker that carries on from the last verified entry, and every group is replayed.
 * A runtime that does not answer (refused, reset, timed out, 5xx) is asked again with
 * back-off; one that answers that the entry verified here is not in its chain has forked.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ChainFileReader } from '../chain/chain-file.js';
import type { ChainPage } from '../chain/chain.js';
import type { CheckedEntry, EntryGroup } from '../chain/check.js';
import { componentNamed } from '../chain/checked-entry.js';
import { ActorchainError } from '../errors.js';
import type { FollowEvent, FollowWorkerData } from '../protocol.js';
import { ChainPages, endpoint, fetchJson, HttpGetError, readHeaders } from './http-source.js';
import { startGroupReplay } from './replay-group.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { leafHash, MerkleTree } from '../tlog/merkle.js';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;
/** How often to ask a runtime that answers a long poll at once with nothing (one from before long polls). */
const POLL_INTERVAL_MS = 1000;

/** What the worker was handed, less its heartbeat, plus where events go. */
export interface FollowOptions extends Omit<FollowWorkerData, 'heartbeat'> {
  post: (event: FollowEvent) => void;
  /** Hears when each group's replay starts and ends (the watchdog's heartbeat). */
  onReplay: (first: CheckedEntry, replaying: boolean) => void;
}

/** Runs until the runtime's chain diverges, forks or breaks (thrown); a caller stops it by ending the worker. */
export async function follow(options: FollowOptions): Promise<never> {
  const preloaded = options.spec && options.componentHash ? { hash: options.componentHash, spec: options.spec } : undefined;
  const replayGroup = startGroupReplay(options.components, 'entry', preloaded);
  let last: CheckedEntry | undefined;
  // The tree of the entries verified here: every checkpoint the runtime signs must sign its root.
  const tree = new MerkleTree();
  let key = options.key;
  let checkpointSize = 0;
  /** The component the entries verified here have put in use. */
  let inUse: string | undefined;

  const replay = async (group: EntryGroup) => {
    options.onReplay(group[0], true);
    await replayGroup(group);
    options.onReplay(group[0], false);
    for (const entry of group) {
      if (entry.position === 0) key ??= (entry.data as { key?: string }).key;
      tree.append(leafHash(entry.text));
    }
    last = group[1];
    inUse = componentNamed(group) ?? inUse;
  };

  /**
   * The runtime's newest checkpoint, once it covers no more than what was verified here: its
   * signature must verify with the chain's key and its root be the root of those entries.
   * Any checkpoint that passes is consistent with every earlier one (all sign this one tree).
   */
  const checkCheckpoint = async (): Promise<void> => {
    if (key === undefined) return;
    const response = await fetch(endpoint(options.url, 'checkpoint'), { signal: AbortSignal.timeout(options.requestTimeoutMs), headers: readHeaders() }).catch(
      () => undefined,
    );
    // A runtime from before checkpoints, or one that does not answer now: asked again next time.
    if (response === undefined || !response.ok) return;
    const note = await response.text();
    const { checkpoint } = openCheckpoint(note, key);
    if (checkpoint.size > tree.size || checkpoint.size <= checkpointSize) return;
    if (!tree.root(checkpoint.size).equals(checkpoint.rootHash)) {
      throw new ActorchainError(
        'CHAIN_EQUIVOCATED',
        `${options.url} signed a checkpoint of ${checkpoint.size} entries whose root is not the root of the ${checkpoint.size} entries verified here: it has signed another history. The signed note:\n${note}`,
      );
    }
    checkpointSize = checkpoint.size;
    options.post({ kind: 'checkpoint', note, size: checkpoint.size, key });
  };

  if (options.localFile !== undefined) {
    // The mirror's own copy, re-checked and replayed so the replay stands where it ends.
    const reader = new ChainFileReader(options.localFile, { componentHash: options.componentHash });
    for await (const group of reader.groups()) await replay(group);
    if (last) options.post({ kind: 'resumed', head: last.hash, length: last.position + 1, component: inUse! });
  }

  const post = (groups: EntryGroup[], lagEntries: number) => {
    const end = groups.at(-1)![1];
    options.post({
      kind: 'verified',
      entries: groups.length * 2,
      head: end.hash,
      length: end.position + 1,
      lagEntries,
      groups: options.sendGroups ? groups : undefined,
    });
  };

  const pages = new ChainPages(options.url, { componentHash: options.componentHash, after: last });
  let caughtUp = false;
  let failures = 0;

  for (;;) {
    const wait = caughtUp ? options.waitSeconds : 0;
    let page: ChainPage;
    const askedAt = performance.now();
    try {
      page = await fetchJson<ChainPage>(pages.url(pages.cursor?.hash, wait), wait * 1000 + options.requestTimeoutMs);
    } catch (err) {
      if (!(err instanceof HttpGetError)) throw err;
      const fork = pages.forkIn(err);
      if (fork !== undefined) throw await pages.forked(fork, options.requestTimeoutMs);
      if (!err.retry) throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', err.message);
      failures += 1;
      const delayMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
      options.post({ kind: 'retry', attempt: failures, delayMs, reason: err.message });
      await sleep(delayMs);
      continue;
    }
    if (failures > 0) options.post({ kind: 'reconnected', attempts: failures });
    failures = 0;

    const fork = pages.forkIn(page);
    if (fork !== undefined) throw await pages.forked(fork, options.requestTimeoutMs);
    const groups: EntryGroup[] = [];
    try {
      for (const group of pages.groups(page)) {
        await replay(group);
        groups.push(group);
      }
    } catch (err) {
      // The groups before the bad entry were sound: a mirror keeps them as evidence (how far
      // behind it is no longer matters).
      if (groups.length > 0) post(groups, 0);
      throw err;
    }
    if (page.next === null) pages.finish();
    caughtUp = page.next === null;
    if (groups.length === 0) {
      if (caughtUp) await checkCheckpoint();
      if (caughtUp) options.post({ kind: 'idle' });
      // An empty answer long before the wait ended: the runtime does not hold requests, so poll it instead of spinning.
      if (wait > 0 && performance.now() - askedAt < (wait * 1000) / 2) await sleep(POLL_INTERVAL_MS);
      continue;
    }
    let lagEntries = 0;
    if (!caughtUp) {
      // Best effort: the next page says more in a moment anyway.
      const head = await fetchJson<{ length: number }>(endpoint(options.url, 'head'), options.requestTimeoutMs).catch(() => undefined);
      lagEntries = Math.max(0, (head?.length ?? 0) - (last!.position + 1));
    }
    post(groups, lagEntries);
    if (caughtUp) await checkCheckpoint();
  }
}
