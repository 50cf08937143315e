/**
 * `run`'s storage options and the chain they open: durable in a data dir (the default) or
 * in memory.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { Chain } from '../chain/chain.js';
import type { Send } from '../chain/entry.js';
import type { FsyncMode } from '../chain/file-store.js';
import { MemoryStore } from '../chain/memory-store.js';
import { openFileStore } from '../chain/recovery.js';
import { ActorchainError } from '../errors.js';
import type { OptionChecker } from './options.js';
import { Progress } from './progress.js';

export interface StorageConfig {
  /** Absolute path of the data dir; null keeps the chain in memory. */
  dataDir: string | null;
  fsync: FsyncMode;
}

export interface RawStorageOptions {
  dataDir?: string;
  inMemory?: boolean;
  fsync: string;
}

/** `./<component name>.actorchain`: each component gets its own dir by default. */
export function defaultDataDir(component: string): string {
  return path.resolve(`${path.basename(component, '.wasm')}.actorchain`);
}

/** Each problem goes to `o`, to be reported with those of the other options. */
export function storageConfig(component: string, raw: RawStorageOptions, o: OptionChecker): StorageConfig {
  o.check(() => {
    if (raw.inMemory && raw.dataDir !== undefined) {
      throw new ActorchainError('INVALID_OPTION', '--in-memory and --data-dir exclude each other; give one');
    }
  });
  const fsync = o.check(() => {
    if (raw.fsync !== 'always' && raw.fsync !== 'never') {
      throw new ActorchainError('INVALID_OPTION', `--fsync must be always or never (got ${JSON.stringify(raw.fsync)})`);
    }
    return raw.fsync;
  });
  return { dataDir: raw.inMemory ? null : path.resolve(raw.dataDir ?? defaultDataDir(component)), fsync };
}

export interface OpenedChain {
  chain: Chain;
  /** Settles when the store can no longer make entries durable (never, in memory). */
  failed: Promise<ActorchainError>;
}

export interface OpenChainHooks {
  /** Hears how long each fsync took. */
  onSync?: (seconds: number) => void;
  /** Hears each state entry with sends of an existing chain, in chain order. */
  onSends?: (stateHash: string, sends: Send[]) => void;
}

/** Open (recovering it if need be) the chain the runtime will append to. */
export async function openChain(
  config: StorageConfig,
  componentHash: string,
  log: Logger,
  { onSync, onSends }: OpenChainHooks = {},
): Promise<OpenedChain> {
  if (config.dataDir === null) {
    log.info({ store: 'memory' }, 'chain kept in memory: nothing is written, the history ends with the process');
    return { chain: new Chain(new MemoryStore()), failed: new Promise(() => {}) };
  }
  const progress = new Progress('checking chain.ndjson', 'bytes');
  const started = performance.now();
  const { store, state, recovered, checkedLines, checkThreads, keys } = await openFileStore(config.dataDir, {
    componentHash,
    onSends,
    fsync: config.fsync,
    onWarning: (message, details) => log.warn(details, message),
    onProgress: progress.update,
    onSync,
  })
    .catch((err: unknown) => {
      if (!(err instanceof ActorchainError) || (err.code !== 'CHAIN_CORRUPT' && err.code !== 'CHAIN_COMPONENT_MISMATCH')) throw err;
      const advice = `${config.dataDir} was left untouched: restore its chain.ndjson from a copy, or give another --data-dir`;
      throw new ActorchainError(err.code, `${err.message}. ${advice}`);
    })
    .finally(() => progress.done());
  log.info(
    { dataDir: config.dataDir, fsync: config.fsync, entries: recovered, linesChecked: checkedLines, checkThreads, ms: Math.round(performance.now() - started) },
    recovered > 0 ? `chain resumed from ${config.dataDir}` : `new chain in ${config.dataDir}`,
  );
  return { chain: new Chain(store, state, keys), failed: store.failed };
}
