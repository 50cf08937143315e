/**
 * A mirror's components: the one it was given (if any), where its replay finds the others,
 * and what it serves at GET /component and /component/<hash>.
 *
 * They are kept as a runtime keeps them, by hash in the data dir's components/: the one given
 * once the replay has matched it to the genesis, every other as the replay finds it (fetched
 * from the primary by hash, or read from a --component file) and checks it against the hash the
 * chain names (`keepIn`). So a restarted mirror, `verify <mirror data dir>`, `verify <mirror
 * url>` and a mirror of this mirror find them all. Only components the chain names are kept: a
 * hash not found here is one the chain never used. GET /component is the component the last
 * upgrade (or else the genesis) of the copy's durable entries names.
 */
import type { Logger } from 'pino';
import type { EntryGroup } from '../chain/check.js';
import { componentNamed } from '../chain/checked-entry.js';
import { keepComponent, KeptComponents } from '../chain/components-dir.js';
import { loadComponent, loadComponentBytes } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import type { ComponentService } from '../http/component-routes.js';
import { componentFilesByHash, type ReplayComponents } from '../verify/component-source.js';
import type { MirrorConfig } from './mirror-config.js';

export class MirrorComponents implements ComponentService {
  /** What the follow worker is handed: the component given, and where to find the others by hash. */
  readonly replay: ReplayComponents;
  readonly #config: MirrorConfig;
  readonly #kept: KeptComponents;
  /** The component the copy's durable entries run; undefined before it holds a genesis. */
  #inUse: string | undefined;
  #keeping: Promise<void> | undefined;

  private constructor(config: MirrorConfig, replay: ReplayComponents) {
    this.#config = config;
    this.replay = replay;
    this.#kept = new KeptComponents(config.storage.dataDir);
  }

  /** Loads the component given (if any) and hashes the --component files. */
  static async load(config: MirrorConfig): Promise<MirrorComponents> {
    const loadOptions = { maxMemoryMiB: config.maxMemoryMiB };
    const given =
      config.component === undefined
        ? undefined
        : await (config.componentBytes ? loadComponentBytes(config.componentBytes, config.component, loadOptions) : loadComponent(config.component, loadOptions));
    const dataDir = config.storage.dataDir ?? undefined;
    const files = await componentFilesByHash(config.componentFiles);
    // The components the primary's chain names are fetched from it by hash (and checked), unless given or at home.
    return new MirrorComponents(config, { given, sources: { files, dataDir, url: config.primary, keepIn: dataDir, maxMemoryMiB: config.maxMemoryMiB } });
  }

  /** The data dir was opened: the component its chain runs (undefined for a new copy). */
  opened(componentHash: string | undefined): void {
    // An empty name comes from a checkpoint an older mirror wrote: `resumed` says which it is.
    if (componentHash) this.#inUse = componentHash;
  }

  /** The copy's own chain replayed: the component its last upgrade (or its genesis) names. */
  resumed(componentHash: string): void {
    this.#inUse = componentHash;
  }

  /** The replay has matched the genesis (a copy resumed, or a first group verified): keep the component given, once. */
  keepGiven(log: Logger): void {
    const { given } = this.replay;
    const dataDir = this.#config.storage.dataDir;
    if (this.#keeping !== undefined || given === undefined || dataDir === null) return;
    const bytes = this.#config.componentBytes;
    const keeping = bytes ? this.#kept.keepBytes(given.hash, bytes) : keepComponent(dataDir, given);
    this.#keeping = keeping.catch((err: Error) => log.warn(`could not keep the component in ${dataDir}: ${err.message}`));
  }

  /** A verified group is being appended to the copy: once it is durable, the component it names (genesis, upgrade) is in use. */
  appending(group: EntryGroup, durable: Promise<void>): void {
    const named = componentNamed(group);
    // Appends settle in chain order, so the last upgrade durable wins.
    if (named !== undefined)
      durable.then(
        () => void (this.#inUse = named),
        () => {},
      );
  }

  /** Settles once the component given is kept (or could not be). */
  async settled(): Promise<void> {
    await this.#keeping;
  }

  current(): string {
    if (this.#inUse === undefined) throw new ActorchainError('NOT_FOUND', 'this mirror holds no chain yet');
    return this.#inUse;
  }

  async read(hash: string): Promise<Uint8Array | undefined> {
    // The component given is served once it is kept.
    await this.#keeping;
    return this.#kept.read(hash);
  }
}
