/**
 * verify: the structural checks of the source (hashes, links, kinds, genesis component)
 * and the replay, in one pass over the chain. For a file the structural checks run in a
 * second thread beside the replay (structure-thread.ts), which reads the file with them
 * deferred; the first problem in chain order is reported either way.
 */
import { chainSize } from '../chain/chain-bytes.js';
import { ChainFileReader, type ChainTail } from '../chain/chain-file.js';
import type { CheckedEntry } from '../chain/check.js';
import { ActorchainError } from '../errors.js';
import type { ComponentSources } from './component-source.js';
import { startGroupReplay, type PreloadedComponent } from './replay-group.js';
import type { ChainSource } from './source.js';
import { StructureThread } from './structure-thread.js';
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
  let structure: StructureThread | undefined;
  let groups = source;
  if (source instanceof ChainFileReader) {
    // Both readers stop at the size the file has now: a live runtime may be appending.
    const upTo = await chainSize(source.file);
    structure = new StructureThread({ file: source.file, componentHash: source.options.componentHash, upTo, treeSize });
    groups = new ChainFileReader(source.file, { ...source.options, upTo, deferHashes: true, deferCanonical: true });
  }
  let entries = 0;
  let head: string | undefined;
  // Without a structure thread (a URL: the network is the bottleneck), the tree is built here.
  const tree = new TreeRootBuilder(structure ? undefined : treeSize);
  let treeRoot: string | undefined;
  /** The last position the replay side has reached, and whether it is replaying it. */
  let reached = -1;
  let replaying = false;
  try {
    for await (const group of groups.groups()) {
      const [first, state] = group;
      reached = state.position;
      const problem = structure?.problemBy(reached);
      if (problem) throw problem;
      onReplay(first, true);
      replaying = true;
      await replayGroup(group);
      replaying = false;
      onReplay(first, false);
      entries += 2;
      if (!structure) {
        head = state.hash;
        tree.add(group);
      }
    }
    treeRoot = tree.root;
    if (structure) {
      const outcome = await structure.outcome;
      if (!outcome.ok) throw new ActorchainError(outcome.code, outcome.message);
      head = outcome.head;
      treeRoot = outcome.treeRoot;
    }
  } catch (err) {
    if (!structure) throw err;
    // A structural problem at or before where the replay side stopped comes first in chain
    // order: the replay of a group, or the reading of an entry (the reader's position).
    const at = replaying || !(groups instanceof ChainFileReader) ? reached : groups.position;
    await structure.outcome;
    throw structure.problemBy(at) ?? err;
  } finally {
    await structure?.close();
  }
  if (head === undefined) throw new ActorchainError('CHAIN_CORRUPT', 'the chain has no whole entries: nothing to verify');
  return { entries, head, elapsedMs: performance.now() - started, tail: groups.tail, treeRoot };
}
