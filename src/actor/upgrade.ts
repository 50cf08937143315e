/**
 * Switching a chain to another component (`actorchain upgrade`): the new component is
 * loaded and checked like any other, instantiated fresh, given the state the chain ends with
 * (migrate's result, or the state carried over, must pass its state-contract), and only then
 * is the upgrade entry and the state it takes over appended. Any refusal changes nothing.
 *
 *   load (world, exports) ─► fresh instance ─► runMigrate ─► copy to components/<hash>.wasm
 *                                                         ─► append [upgrade, state]
 */
import { Chain } from '../chain/chain.js';
import { keepComponent } from '../chain/components-dir.js';
import { openFileStore } from '../chain/recovery.js';
import { TreeFile } from '../chain/tree-file.js';
import type { StateContent } from '../chain/entry.js';
import { instanceSpec, loadComponent, type LoadedComponent, type WarmInputs } from '../component/load.js';
import { canonicalJson } from '../json/canonical.js';
import { instantiateActor } from '../component/instance.js';
import { Recorder } from '../component/journal.js';
import { ActorchainError } from '../errors.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { WorkerFaultError } from '../supervisor/worker-fault.js';
import { runMigrate, type Verdict } from './transition.js';

/** How many of a live chain's latest messages warm a live upgrade's component (see load-worker.ts). */
const WARM_MESSAGES = 8;

/**
 * What a live upgrade warms the new component's code with: the chain's state and its latest
 * messages (upgrade entries skipped), read back from the end of the durable chain.
 */
export async function recentTraffic(chain: Chain): Promise<WarmInputs> {
  const messages: string[] = [];
  for (let position = chain.durable.length - 2; position >= 2 && messages.length < WARM_MESSAGES; position -= 2) {
    const hash = chain.hashAt(position);
    const bytes = hash === undefined ? undefined : await chain.entryBytes(hash);
    if (bytes === undefined) break;
    const data = (JSON.parse(bytes.toString('utf8')) as { data: { message?: unknown } }).data;
    if ('message' in data) messages.push(canonicalJson(data.message));
  }
  return { state: chain.state.canonical, messages };
}

/** The state `component` takes over from `state` (canonical JSON text), or the refusal. */
export async function migrateState(component: LoadedComponent, state: string): Promise<StateContent> {
  const recorder = new Recorder();
  const instance = await instantiateActor(instanceSpec(component), { log: () => {}, tape: recorder });
  const verdict = runMigrate(instance, state, { journal: () => recorder.take(true) });
  if (verdict.verdict === 'committable') return verdict.content;
  throw upgradeRefusal(verdict, component.hash, instance.migrate !== undefined);
}

/**
 * A live upgrade's migrate and state-contract, on the new component's worker (`supervisor`):
 * the state it takes over from `state`, or why not (nothing was changed).
 */
export async function migrateLive(supervisor: Supervisor, component: LoadedComponent, state: string, timeoutMs: number): Promise<StateContent> {
  let verdict;
  try {
    verdict = await supervisor.call('migrate', [state], timeoutMs);
  } catch (err) {
    if (!(err instanceof WorkerFaultError)) throw err;
    throw new ActorchainError('UPGRADE_MIGRATE_FAILED', `the component ${component.hash} failed during the upgrade (${err.message}); nothing was changed`, {
      cause: err,
    });
  }
  if (verdict.verdict !== 'committable') throw upgradeRefusal(verdict, component.hash, component.migrationExport !== undefined);
  return verdict.content;
}

/** A live upgrade to the component the chain runs already. */
export function sameComponent(hash: string): ActorchainError {
  return new ActorchainError('UPGRADE_REFUSED', `the chain already runs the component ${hash}; nothing was changed`);
}

export function upgradeRefusal(verdict: Exclude<Verdict, { verdict: 'committable' }>, hash: string, migrated: boolean): ActorchainError {
  const nothing = 'nothing was changed';
  switch (verdict.verdict) {
    case 'state-rejected': {
      const why = verdict.reason === undefined ? '' : ` (${verdict.reason})`;
      const what = migrated ? 'the state its migrate returned' : 'the current state, carried over (it has no migrate)';
      return new ActorchainError(
        'UPGRADE_STATE_REJECTED',
        `the state-contract of the component ${hash} refuses ${what}${why}: ${verdict.state.slice(0, 200)}; ${nothing}. Give it a migrate that converts the state`,
        { reason: verdict.reason },
      );
    }
    case 'state-not-json':
      return new ActorchainError('UPGRADE_MIGRATE_FAILED', `migrate of the component ${hash} returned a state that is not JSON; ${nothing}`);
    case 'send-in-migrate':
      return new ActorchainError(
        'UPGRADE_MIGRATE_FAILED',
        `migrate of the component ${hash} called send (to ${verdict.to}), and an upgrade sends nothing; ${nothing}. Send from handle instead`,
      );
    case 'fault':
      return new ActorchainError(
        'UPGRADE_MIGRATE_FAILED',
        `${verdict.fn} of the component ${hash} failed during the upgrade (${verdict.fault}: ${verdict.message}); ${nothing}`,
        verdict.detail === undefined ? undefined : { detail: verdict.detail },
      );
    default:
      return new ActorchainError('UPGRADE_REFUSED', `the component ${hash} refused the upgrade (${verdict.verdict}); ${nothing}`);
  }
}

export interface UpgradeOptions {
  maxMemoryMiB: number;
  /** Check everything, append nothing. */
  dryRun: boolean;
  onWarning?: (message: string) => void;
}

export interface UpgradeResult {
  /** The component the chain ran before, and the one it runs now (or would, on a dry run). */
  from: string;
  to: string;
  /** The upgrade entry's hash and the state entry's (undefined on a dry run). */
  upgrade: string | undefined;
  head: string | undefined;
  state: unknown;
}

/** `actorchain upgrade <data dir> <new.wasm>` on a stopped runtime's data dir (the component's file, or the component loaded). */
export async function upgradeDataDir(dataDir: string, given: string | LoadedComponent, options: UpgradeOptions): Promise<UpgradeResult> {
  const component = typeof given === 'string' ? await loadComponent(given, { maxMemoryMiB: options.maxMemoryMiB }) : given;
  const warn = options.onWarning ?? (() => {});
  const opened = await openFileStore(dataDir, { componentHash: undefined, fsync: 'always', onWarning: (message) => warn(message) });
  const { store, state, keys } = opened;
  let chain: Chain | undefined;
  try {
    if (state === undefined || opened.componentHash === undefined) {
      throw new ActorchainError('UPGRADE_REFUSED', `${dataDir} holds no chain yet: start the new component there with actorchain run instead`);
    }
    if (opened.componentHash === component.hash) {
      throw new ActorchainError('UPGRADE_REFUSED', `the chain in ${dataDir} already runs the component ${component.hash}; nothing was changed`);
    }
    const content = await migrateState(component, state.canonical);
    const result = { from: opened.componentHash, to: component.hash, upgrade: undefined, head: undefined, state: JSON.parse(content.state) as unknown };
    if (options.dryRun) return result;
    await keepComponent(dataDir, component);
    const treeFile = await TreeFile.open(dataDir, store.length, (from, to) => store.read(from, to), warn);
    chain = new Chain(store, state, keys, { tree: treeFile.tree, onDurable: (length) => treeFile.durable(length), onClose: () => treeFile.close() });
    const committed = chain.commitUpgrade(component.hash, content);
    await committed.durable;
    return { ...result, upgrade: committed.messageHash, head: committed.stateHash };
  } finally {
    await (chain ? chain.close() : store.close());
  }
}
