/**
 * A mirror's configuration, checked once for `actorchain mirror`'s flags and createMirror's
 * options object (the same options under the flags' camelCase names).
 */
import { ActorchainError } from '../errors.js';
import type { LogDestination, LogLevel } from '../log.js';
import { integerOption, logLevelOption, MAX_TIMER_MS, OptionChecker, parseListen, type ListenAddress } from '../cli/options.js';
import { storageConfig, type StorageConfig } from '../cli/storage.js';
import type { MirrorOptions } from '../../types/index.js';
import { DEFAULT_LISTEN } from './listen.js';
import { checkedLogDestination, checkOptionNames, COMPONENT_BYTES_NAME } from './runtime-options.js';

export interface MirrorConfig {
  /**
   * The component the primary's chain started with: its file, or its name in messages when
   * `componentBytes` holds it; undefined to take the genesis' component by hash, as every
   * later one is (from `componentFiles`, the data dir, or the primary).
   */
  component: string | undefined;
  componentBytes?: Uint8Array;
  /** Component files given with --component, matched by hash to those the chain names. */
  componentFiles: string[];
  primary: string;
  listen: ListenAddress;
  timeoutMs: number;
  maxMemoryMiB: number;
  logLevel: LogLevel;
  /** Where the log's JSON lines go (createMirror's logDestination); stdout otherwise. */
  logDestination?: LogDestination;
  storage: StorageConfig;
  /** Cosign every checkpoint verified (C2SP tlog-cosignature), with this name. */
  witness: string | undefined;
  /** The primary's verifier key, for a chain whose genesis records none. */
  key: string | undefined;
}

export interface RawMirrorOptions {
  dataDir?: string;
  /** --component, repeatable. */
  component?: string[];
  listen: string;
  fsync: string;
  timeout: string;
  maxMemory: string;
  logLevel: string;
  token?: string;
  witness?: boolean;
  witnessName?: string;
  keyFile?: string;
  key?: string;
}

/** Each option's default, as its flag would give it. */
export const MIRROR_DEFAULTS = { listen: DEFAULT_LISTEN, fsync: 'always', timeout: '5000', maxMemory: '256', logLevel: 'info' } as const;

/** `primary` undefined: none was given (`actorchain mirror` with no argument). */
export function mirrorConfig(component: string | undefined, primary: string | undefined, raw: RawMirrorOptions): MirrorConfig {
  const o = new OptionChecker();
  o.check(() => {
    if (primary === undefined)
      throw new ActorchainError('INVALID_OPTION', 'mirror needs the URL of its primary, such as actorchain mirror http://10.0.0.5:8080 --data-dir <dir>');
    if (!/^https?:\/\//i.test(primary)) throw new ActorchainError('INVALID_OPTION', `the primary must be an http:// or https:// URL (got ${JSON.stringify(primary)})`);
  });
  o.check(() => {
    if (raw.dataDir === undefined) throw new ActorchainError('INVALID_OPTION', '--data-dir is required: the mirror keeps its verified copy there');
  });
  const config: MirrorConfig = {
    component,
    componentFiles: raw.component ?? [],
    primary: primary ?? '',
    listen: o.check(() => parseListen(raw.listen)),
    timeoutMs: o.check(() => integerOption('--timeout', raw.timeout, 1, MAX_TIMER_MS)),
    maxMemoryMiB: o.check(() => integerOption('--max-memory', raw.maxMemory, 1, 65536)),
    logLevel: o.check(() => logLevelOption(raw.logLevel)),
    storage: storageConfig(component ?? '', { dataDir: raw.dataDir, fsync: raw.fsync, keyFile: raw.keyFile }, o),
    witness: undefined,
    key: raw.key,
  };
  if (raw.witness === true) config.witness = raw.witnessName ?? '';
  else
    o.check(() => {
      if (raw.witnessName !== undefined || raw.keyFile !== undefined)
        throw new ActorchainError('INVALID_OPTION', '--witness-name and --key-file are for a witness: add --witness');
    });
  o.done();
  return Object.freeze(config);
}

/** createMirror's options are declared once, in the declarations the package ships (types/index.d.ts). */
export type { MirrorOptions };

const MIRROR_OPTIONS = [
  'component',
  'components',
  'primary',
  'dataDir',
  'listen',
  'fsync',
  'timeout',
  'maxMemory',
  'logLevel',
  'logDestination',
  'token',
  'witness',
  'witnessName',
  'keyFile',
  'key',
];

/** createMirror's options checked as the CLI's flags are, into a MirrorConfig. */
export function mirrorOptionsConfig(options: MirrorOptions): MirrorConfig {
  if (typeof options !== 'object' || options === null) throw new ActorchainError('INVALID_OPTION', 'createMirror takes an options object, such as { primary, dataDir }');
  checkOptionNames(options, MIRROR_OPTIONS, 'createMirror');
  const { component } = options;
  const bytes = component instanceof Uint8Array ? component : undefined;
  if (component !== undefined && typeof component !== 'string' && bytes === undefined)
    throw new ActorchainError('INVALID_OPTION', 'component must be the path of a .wasm file or its bytes (a Uint8Array)');
  const { components } = options;
  if (components !== undefined && (!Array.isArray(components) || components.some((file) => typeof file !== 'string')))
    throw new ActorchainError('INVALID_OPTION', 'components must be an array of .wasm file paths');
  const text = (value: number | undefined, fallback: string) => (value === undefined ? fallback : String(value));
  const raw: RawMirrorOptions = {
    dataDir: options.dataDir,
    component: components,
    listen: options.listen ?? MIRROR_DEFAULTS.listen,
    fsync: options.fsync ?? MIRROR_DEFAULTS.fsync,
    timeout: text(options.timeout, MIRROR_DEFAULTS.timeout),
    maxMemory: text(options.maxMemory, MIRROR_DEFAULTS.maxMemory),
    logLevel: options.logLevel ?? MIRROR_DEFAULTS.logLevel,
    token: options.token,
    witness: options.witness,
    witnessName: options.witnessName,
    keyFile: options.keyFile,
    key: options.key,
  };
  const config = mirrorConfig(bytes === undefined ? (component as string | undefined) : COMPONENT_BYTES_NAME, String(options.primary), raw);
  const logDestination = checkedLogDestination(options.logDestination);
  return bytes === undefined && logDestination === undefined ? config : Object.freeze({ ...config, componentBytes: bytes, logDestination });
}
