/**
 * The one place where a checked group meets the replayer: verify, verify --follow and mirror
 * all replay through here, so they check exactly the same thing (and a new replayer API is
 * adopted in one spot).
 */
import type { EntryGroup } from '../chain/check.js';
import type { Replayer } from './replay.js';

/** Replay one group (genesis and init state, or a message and its state); throws CHAIN_DIVERGED. */
export function replayGroup(replayer: Replayer, group: EntryGroup): void {
  const [first, state] = group;
  if (first.kind === 'genesis') replayer.init(state);
  else replayer.transition(first, state);
}
