/**
 * The one place where checked groups meet the replayer: verify, verify --follow and mirror
 * all replay through here, so they check exactly the same thing (and a new replayer API is
 * adopted in one spot).
 */
import type { EntryGroup, PositionUnit } from '../chain/check.js';
import type { InstanceSpec } from '../component/calls.js';
import { componentResolver, type ComponentResolver, type ComponentSources } from './component-source.js';
import { Replayer } from './replay.js';

/** Replays one group (genesis and init state, a message or an upgrade and its state); throws CHAIN_DIVERGED. */
export type GroupReplay = (group: EntryGroup) => Promise<void>;

/** A component already loaded by the caller (verify's first argument), used when the chain names its hash. */
export interface PreloadedComponent {
  hash: string;
  spec: InstanceSpec;
}

/** A replay of one chain from its genesis, group after group, in chain order. */
export function startGroupReplay(sources: ComponentSources, unit: PositionUnit, preloaded?: PreloadedComponent): GroupReplay {
  const found = componentResolver(sources);
  const resolve: ComponentResolver = (hash, where) => (hash === preloaded?.hash ? Promise.resolve(preloaded.spec) : found(hash, where));
  const replayer = new Replayer(resolve, unit);
  return (group) => replayer.replayGroup(group);
}
