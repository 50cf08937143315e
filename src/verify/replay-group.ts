/**
 * The one place where checked groups meet the replayer: verify, verify --follow and mirror
 * all replay through here, so they check exactly the same thing (and a new replayer API is
 * adopted in one spot).
 */
import type { EntryGroup, PositionUnit } from '../chain/check.js';
import type { InstanceSpec } from '../component/calls.js';
import { Replayer } from './replay.js';

/** Replays one group (genesis and init state, or a message and its state); throws CHAIN_DIVERGED. */
export type GroupReplay = (group: EntryGroup) => Promise<void>;

/** A replay of one chain from its genesis, group after group, in chain order. */
export async function startGroupReplay(spec: InstanceSpec, unit: PositionUnit): Promise<GroupReplay> {
  const replayer = await Replayer.start(spec, unit);
  return (group) => replayer.replayGroup(group);
}
