/**
 * The one place where checked groups meet the replayer: verify, verify --follow and mirror
 * all replay through here, so they check exactly the same thing (and a new replayer API is
 * adopted in one spot).
 */
import type { EntryGroup, PositionUnit } from '../chain/check.js';
import type { InstanceSpec } from '../component/instance.js';
import { Replayer } from './replay.js';

/** Replays one group (genesis and init state, or a message and its state); throws CHAIN_DIVERGED. */
export type GroupReplay = (group: EntryGroup) => void;

/** A replay of one chain from its genesis, group after group, in chain order. */
export async function startGroupReplay(spec: InstanceSpec, unit: PositionUnit): Promise<GroupReplay> {
  const replayer = await Replayer.start(spec, unit);
  return ([first, state]) => {
    if (first.kind === 'genesis') replayer.init(state);
    else replayer.transition(first, state);
  };
}
