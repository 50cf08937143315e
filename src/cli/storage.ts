/**
 * `run`'s storage options and the chain they open: durable in a data dir (the default) or
 * in memory.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { Chain } from '../chain/chain.js';
import type { GenesisData, Send } from '../chain/entry.js';
import { defaultOrigin, Notary } from '../chain/notary.js';
import { TreeFile, writeSignedCheckpoint } from '../chain/tree-file.js';
import { generateIdentity, loadIdentity, loadOrCreateIdentity, verifierKey, type Identity } from '../tlog/keys.js';

/** The runtime's Ed25519 key in a data dir (PKCS#8 PEM, mode 0600), created at the first start. */
export const IDENTITY_FILE = 'identity.key';
import type { FsyncMode } from '../chain/file-store.js';
import { MemoryStore } from '../chain/memory-store.js';
import { openFileStore } from '../chain/recovery.js';
import { ActorchainError } from '../errors.js';
import { integerOption, type OptionChecker } from './options.js';
import { Progress } from './progress.js';

export interface StorageConfig {
  /** Absolute path of the data dir; null keeps the chain in memory. */
  dataDir: string | null;
  fsync: FsyncMode;
  /** The identity key (--key-file); undefined: the data dir's identity.key, or a fresh key in memory. */
  keyFile?: string;
  /** The origin a new chain gets (--origin); undefined: the key's default. */
  origin?: string;
  /** Seal chain.ndjson's start into chain.sealed once it holds this many bytes (--seal-after); 0 or undefined: never. */
  sealAfterBytes?: number;
}

export interface RawStorageOptions {
  dataDir?: string;
  inMemory?: boolean;
  fsync: string;
  keyFile?: string;
  origin?: string;
  /** --seal-after: given by `run` only. */
  sealAfter?: string;
}

/** --seal-after's default: chain.ndjson holds at most about this much of a compacted data dir's chain. */
export const DEFAULT_SEAL_AFTER_BYTES = 4 * 2 ** 20;

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
  const origin = o.check(() => {
    if (raw.origin !== undefined && !isOrigin(raw.origin)) {
      throw new ActorchainError(
        'INVALID_OPTION',
        `--origin must be printable ASCII without spaces or '+' (got ${JSON.stringify(raw.origin)}), such as example.com/my-actor`,
      );
    }
    return raw.origin;
  });
  const sealAfterBytes = o.check(() => (raw.sealAfter === undefined ? undefined : integerOption('--seal-after', raw.sealAfter, 0)));
  return {
    sealAfterBytes,
    dataDir: raw.inMemory ? null : path.resolve(raw.dataDir ?? defaultDataDir(component)),
    fsync,
    keyFile: raw.keyFile === undefined ? undefined : path.resolve(raw.keyFile),
    origin,
  };
}

/** A signed-note key name: non-empty, no spaces, no '+'. */
function isOrigin(name: string): boolean {
  return /^[\x21-\x2a\x2c-\x7e]+$/.test(name);
}

/**
 * The runtime's identity and the chain's origin: a chain whose genesis records a key is
 * signed for under that key's name, and only by that key; an older chain (or a new one)
 * under --origin or the key's default.
 */
async function chainIdentity(config: StorageConfig, genesisKey: string | undefined): Promise<{ identity: Identity; origin: string; created: boolean }> {
  const { identity, created } =
    config.keyFile !== undefined
      ? { identity: loadIdentity(config.keyFile), created: false }
      : config.dataDir !== null
        ? loadOrCreateIdentity(path.join(config.dataDir, IDENTITY_FILE))
        : { identity: generateIdentity(), created: true };
  if (genesisKey === undefined) return { identity, origin: config.origin ?? defaultOrigin(identity), created };
  const origin = genesisKey.slice(0, genesisKey.indexOf('+'));
  const ours = verifierKey(origin, identity.publicKeyBytes);
  if (ours !== genesisKey) {
    const where = config.keyFile ?? path.join(config.dataDir ?? '', IDENTITY_FILE);
    throw new ActorchainError(
      'IDENTITY_KEY_MISMATCH',
      `the chain's genesis names the key ${genesisKey}, but ${where} holds ${ours}; start with --key-file <the key that made this chain>`,
    );
  }
  if (config.origin !== undefined && config.origin !== origin) {
    throw new ActorchainError('INVALID_OPTION', `--origin ${config.origin}: this chain's origin is ${origin}, fixed when it was made; leave --origin out`);
  }
  return { identity, origin, created };
}

export interface OpenedChain {
  chain: Chain;
  /** The component the chain runs (its last upgrade's, or its genesis'); undefined for a new chain or one in memory. */
  componentHash?: string;
  /** Settles when the store can no longer make entries durable (never, in memory). */
  failed: Promise<ActorchainError>;
}

export interface OpenChainHooks {
  /** Hears how long each fsync took. */
  onSync?: (seconds: number) => void;
  /** Hears each state entry with sends of an existing chain, in chain order. */
  onSends?: (stateHash: string, sends: Send[]) => void;
  /** A mirror's copy: its checkpoints are its primary's, so it has no notary. */
  copy?: boolean;
  /** The file the component was read from, named in CHAIN_COMPONENT_MISMATCH's advice. */
  componentPath?: string;
}

/**
 * Benchmarks only: bench/receipts.ts starts the runtime with ACTORCHAIN_BENCH_WITHOUT_TREE=1 to
 * measure, in the same run, what POST / costs without the tree, checkpoints and receipts. Not
 * an option a runtime is meant to run with: such a chain serves no checkpoint and no proof.
 */
const WITHOUT_TREE = process.env.ACTORCHAIN_BENCH_WITHOUT_TREE === '1';

/**
 * Open (recovering it if need be) the chain the runtime will append to. `componentHash`: the
 * component the chain must be running (CHAIN_COMPONENT_MISMATCH otherwise), or undefined for
 * a mirror's copy, which its replay checks against the components the chain names.
 */
export async function openChain(
  config: StorageConfig,
  componentHash: string | undefined,
  log: Logger,
  { onSync, onSends, copy = false, componentPath }: OpenChainHooks = {},
): Promise<OpenedChain> {
  if (config.dataDir === null) {
    log.info({ store: 'memory' }, 'chain kept in memory: nothing is written, the history ends with the process');
    const { identity, origin } = await chainIdentity(config, undefined);
    log.info({ origin, key: verifierKey(origin, identity.publicKeyBytes) }, 'checkpoints signed with a key for this run only');
    if (WITHOUT_TREE) return { chain: new Chain(new MemoryStore(), undefined, undefined, { withoutTree: true }), failed: new Promise(() => {}) };
    return { chain: new Chain(new MemoryStore(), undefined, undefined, { notary: (tree) => new Notary(identity, origin, tree) }), failed: new Promise(() => {}) };
  }
  const progress = new Progress('checking chain.ndjson', 'bytes');
  const started = performance.now();
  const {
    store,
    state,
    recovered,
    checkedLines,
    checkThreads,
    keys,
    componentHash: inUse,
  } = await openFileStore(config.dataDir, {
    componentHash,
    componentPath,
    onSends,
    fsync: config.fsync,
    onWarning: (message, details) => log.warn(details, message),
    onProgress: progress.update,
    onSync,
    sealAfterBytes: config.sealAfterBytes,
    onSealed: (range) => log.info({ entries: range.entries, bytes: range.canonicalBytes, pauseMs: range.pauseMs }, 'sealed the start of chain.ndjson into chain.sealed'),
  })
    .catch((err: unknown) => {
      // A mismatch names the ways forward itself (upgrade, or another data dir).
      if (!(err instanceof ActorchainError) || err.code !== 'CHAIN_CORRUPT') throw err;
      const advice = `${config.dataDir} was left untouched: restore its chain.ndjson from a copy, or give another --data-dir`;
      throw new ActorchainError(err.code, `${err.message}. ${advice}`);
    })
    .finally(() => progress.done());
  log.info(
    { dataDir: config.dataDir, fsync: config.fsync, entries: recovered, linesChecked: checkedLines, checkThreads, ms: Math.round(performance.now() - started) },
    recovered > 0 ? `chain resumed from ${config.dataDir}` : `new chain in ${config.dataDir}`,
  );
  try {
    const [genesis] = store.length > 0 ? await store.read(0, 1) : [];
    const genesisKey = genesis === undefined ? undefined : (JSON.parse(genesis) as { data: GenesisData }).data.key;
    if (WITHOUT_TREE) {
      log.warn('ACTORCHAIN_BENCH_WITHOUT_TREE: no tree, no checkpoints, no receipts (a benchmark baseline)');
      return { chain: new Chain(store, state, keys, { withoutTree: true }), failed: store.failed, componentHash: inUse };
    }
    const signer = copy ? undefined : await chainIdentity(config, genesisKey);
    if (signer?.created) log.info({ file: path.join(config.dataDir, IDENTITY_FILE) }, 'created the runtime identity key');
    const treeFile = await TreeFile.open(
      config.dataDir,
      store.length,
      (from, to) => store.read(from, to),
      (message) => log.warn(message),
    );
    if (signer) log.info({ origin: signer.origin, key: verifierKey(signer.origin, signer.identity.publicKeyBytes), treeSize: treeFile.tree.size }, 'checkpoints signed');
    const chain: Chain = new Chain(store, state, keys, {
      tree: treeFile.tree,
      onDurable: (length) => treeFile.durable(length),
      // The newest checkpoint stays in the data dir, for verify and receipt check to read.
      onClose: async () => {
        await treeFile.close();
        if (chain.durableLength > 0 && chain.notary) await writeSignedCheckpoint(config.dataDir!, chain.notary.checkpoint(chain.durableLength).note).catch(() => {});
      },
      notary: signer && ((tree) => new Notary(signer.identity, signer.origin, tree)),
    });
    return { chain, failed: store.failed, componentHash: inUse };
  } catch (err) {
    await store.close();
    throw err;
  }
}
