/**
 * The chain's rules that are not about one entry's text: which kind of entry may stand at
 * which position (genesis, state, then message/state or upgrade/state pairs), and the error
 * for a chain that runs another component than the one given.
 */
import { ActorchainError } from '../errors.js';
import type { EntryKind } from './entry.js';

export function expectedKind(position: number): EntryKind {
  if (position === 0) return 'genesis';
  return position % 2 === 1 ? 'state' : 'message';
}

/** Whether an entry of `kind` may stand where the chain needs `expected` (an upgrade stands where a message may). */
export function fitsPosition(kind: EntryKind, expected: EntryKind): boolean {
  return kind === expected || (kind === 'upgrade' && expected === 'message');
}

/**
 * CHAIN_COMPONENT_MISMATCH for a chain whose component in use (`named`: the last upgrade's,
 * or the genesis') is not the one given to run it (`run`: the file `givenPath`).
 */
export function componentMismatch(where: string, named: string, given: string, dir = '<data dir>', givenPath = '<new.wasm>'): ActorchainError {
  return new ActorchainError(
    'CHAIN_COMPONENT_MISMATCH',
    `${where}: this chain runs the component with hash ${named}, not the one given (hash ${given}); ` +
      `to keep its history and switch to the new component, run \`actorchain upgrade ${dir} ${givenPath}\` (or POST /upgrade to a running runtime); ` +
      `or start the new component on another data dir`,
  );
}

/**
 * CHAIN_COMPONENT_MISMATCH for a reader (verify, mirror) given a component the genesis does not
 * name: the one given first is the one the chain started with; later ones are found by hash.
 */
export function genesisMismatch(where: string, named: string, given: string): ActorchainError {
  return new ActorchainError(
    'CHAIN_COMPONENT_MISMATCH',
    `${where}: the genesis names the component ${named}, not the one given (hash ${given}); ` +
      `a component given as an argument must be the one the chain started with (the genesis'). ` +
      `The components of its upgrades are found by hash: give them with --component <file> (repeatable), ` +
      `or give no component at all and each is taken from the data dir or fetched from the runtime (GET /component/<hash>)`,
  );
}
