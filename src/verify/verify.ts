/**
 * verify: the structural checks of the source (hashes, links, kinds, genesis component)
 * and the replay, in one pass over the chain. For a file of 8 MiB or more, hashes and links
 * are checked on a second thread beside the replay, as a reopen checks them
 * (chain/line-hasher.ts); a smaller one is checked as it is read, on this thread, because
 * a thread costs more to start than it saves. The first problem in chain order is reported
 * either way.
 */
import { chainSize } from '../chain/chain-bytes.js';
import { ChainFileReader, type ChainTail } from '../chain/chain-file.js';
import type { CheckedEntry } from '../chain/check.js';
import { hashLines, linksHold, type HashThread, type LineHashes } from '../chain/line-hasher.js';
import { TWO_THREADS_FROM_BYTES } from '../chain/reopen-check.js';
import { ActorchainError } from '../errors.js';
import type { ComponentSources } from './component-source.js';
import { startGroupReplay, type PreloadedComponent } from './replay-group.js';
import type { ChainSource } from './source.js';
import { TreeRootBuilder } from './tree-root.js';

export interface VerifySummary {
  entries: number;
  head: string;
  elapsedMs: number;
  /** A torn tail after the last whole group: not part of the chain, not verified. */
  tail: ChainTail | undefined;
  /** The RFC 6962 root (base64) of the first `treeSize` entries, when asked for and the chain has them. */
  treeRoot?: string;
}

/**
 * Resolves with a summary when the whole chain replays; throws the first problem otherwise.
 * `onReplay` hears when each group's replay starts and when it is done (the watchdog's heartbeat).
 */
export async function verifyChain(
  components: ComponentSources,
  preloaded: PreloadedComponent | undefined,
  source: ChainSource,
  onReplay: (first: CheckedEntry, replaying: boolean) => void = () => {},
  treeSize?: number,
): Promise<VerifySummary> {
  const started = performance.now();
  const replayGroup = startGroupReplay(components, source.unit, preloaded);
  let hashThread: HashThread | undefined;
  let groups = source;
  let upTo: number | undefined;
  if (source instanceof ChainFileReader) {
    // Both threads stop at the size the file has now: a live runtime may be appending.
    upTo = await chainSize(source.file);
    if ((upTo ?? 0) >= TWO_THREADS_FROM_BYTES) {
      hashThread = hashLines({ file: source.file, from: 0, to: upTo ?? 0, firstParent: null, treeSize });
      groups = new ChainFileReader(source.file, { ...source.options, upTo, deferHashes: true });
    } else {
      groups = new ChainFileReader(source.file, { ...source.options, upTo });
    }
  }
  /** A file's first problem, named by a check of every line on this thread (the hash thread only says where a link breaks). */
  const named = () => firstProblem(new ChainFileReader((source as ChainFileReader).file, { componentHash: (source as ChainFileReader).options.componentHash, upTo }));
  /** The broken link the hash thread has reported at or before `position`, if any. */
  const brokenBy = (hashed: LineHashes | undefined, position: number) => hashed?.brokenLink !== undefined && hashed.brokenLink <= position;
  let entries = 0;
  let head: string | undefined;
  // Without a hash thread (a URL: the network is the bottleneck; a small file), the tree is built here.
  const tree = new TreeRootBuilder(hashThread ? undefined : treeSize);
  let treeRoot: string | undefined;
  /** The last position the replay side has reached, and whether it is replaying it. */
  let reached = -1;
  let replaying = false;
  try {
    for await (const group of groups.groups()) {
      const [first, state] = group;
      reached = state.position;
      if (brokenBy(hashThread?.settled, reached)) throw await named();
      onReplay(first, true);
      replaying = true;
      await replayGroup(group);
      replaying = false;
      onReplay(first, false);
      entries += 2;
      if (!hashThread) {
        head = state.hash;
        tree.add(group);
      }
    }
    treeRoot = tree.root;
    if (hashThread && groups instanceof ChainFileReader) {
      const hashed = await hashThread.hashed;
      if (hashed === undefined) throw new ActorchainError('WORKER_CRASHED', 'the hash thread of the check died');
      // A message left without its state must link too.
      if (!linksHold(hashed, groups.position)) throw await named();
      if (entries > 0) head = hashed.hashes.toString('hex', (entries - 1) * 32, entries * 32);
      treeRoot = treeSize !== undefined && treeSize <= entries ? hashed.treeRoot : undefined;
    }
  } catch (err) {
    if (!hashThread || !(err instanceof ActorchainError) || err.code === 'WORKER_CRASHED') throw err;
    // A broken link at or before where the replay side stopped comes first in chain order:
    // the replay of a group, or the reading of an entry (the reader's position).
    const at = replaying || !(groups instanceof ChainFileReader) ? reached : groups.position;
    if (brokenBy(await hashThread.hashed, at)) throw await named();
    throw err;
  } finally {
    await hashThread?.stop();
  }
  if (head === undefined) throw new ActorchainError('CHAIN_CORRUPT', 'the chain has no whole entries: nothing to verify');
  return { entries, head, elapsedMs: performance.now() - started, tail: groups.tail, treeRoot };
}

/** The problem a full check of `reader` finds (there is one: a link breaks). */
async function firstProblem(reader: ChainFileReader): Promise<ActorchainError> {
  try {
    for await (const group of reader.groups()) void group;
  } catch (err) {
    if (err instanceof ActorchainError) return err;
    throw err;
  }
  return new ActorchainError('CHAIN_CORRUPT', `${reader.where(reader.position)} does not name the hash of the entry before it`);
}
