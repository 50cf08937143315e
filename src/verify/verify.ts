/**
 * verify: the structural checks of the source (hashes, links, kinds, genesis component)
 * and the replay, in one pass over the chain.
 */
import type { ChainTail } from '../chain/chain-file.js';
import type { CheckedEntry } from '../chain/check.js';
import type { InstanceSpec } from '../component/calls.js';
import { ActorchainError } from '../errors.js';
import { Replayer } from './replay.js';
import type { ChainSource } from './source.js';

export interface VerifySummary {
  entries: number;
  head: string;
  elapsedMs: number;
  /** A torn tail after the last whole group: not part of the chain, not verified. */
  tail: ChainTail | undefined;
}

/**
 * Resolves with a summary when the whole chain replays; throws the first problem otherwise.
 * `onReplay` hears when each group's replay starts and when it is done (the watchdog's heartbeat).
 */
export async function verifyChain(
  spec: InstanceSpec,
  source: ChainSource,
  onReplay: (first: CheckedEntry, replaying: boolean) => void = () => {},
): Promise<VerifySummary> {
  const started = performance.now();
  const replayer = await Replayer.start(spec, source.unit);
  let entries = 0;
  let head: string | undefined;
  for await (const group of source.groups()) {
    const [first, state] = group;
    onReplay(first, true);
    await replayer.replayGroup(group);
    onReplay(first, false);
    entries += 2;
    head = state.hash;
  }
  if (head === undefined) throw new ActorchainError('CHAIN_CORRUPT', 'the chain has no whole entries: nothing to verify');
  return { entries, head, elapsedMs: performance.now() - started, tail: source.tail };
}
