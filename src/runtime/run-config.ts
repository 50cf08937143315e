/**
 * A runtime's configuration, checked once for both ways of starting one: the CLI's flags
 * (`actorchain run`, with their ACTORCHAIN_* variables) and createRuntime's options object,
 * which carries the same options under the flags' camelCase names and is checked by the
 * same code, with the same messages.
 */
import { ActorchainError } from '../errors.js';
import { acceptedSenders, type AcceptedSenders } from '../http/message-signature.js';
import { allowedOrigin } from '../actor/send-policy.js';
import { defaultLogFormat, type LogDestination, type LogFormat, type LogLevel } from '../log.js';
import { envSwitch, integerOption, logFormatOption, logLevelOption, MAX_TIMER_MS, OptionChecker, parseListen, type ListenAddress } from '../cli/options.js';
import { DEFAULT_SEAL_AFTER_BYTES, storageConfig, type RawStorageOptions, type StorageConfig } from '../cli/storage.js';
import { DEFAULT_SEND_TIMEOUT_MS } from '../outbox/delivery.js';
import { DEFAULT_LISTEN } from './listen.js';

/** Well under the usual 1024 file descriptors, leaving room for the outbox's 256 and the files. */
export const DEFAULT_MAX_CONNECTIONS = 512;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Room for a --max-body upload on a slow link; long polls are not bound by it (it covers the request, not the answer). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const ENV_PREFIX = 'ACTORCHAIN_';

/** Each option's default, as its flag would give it. */
export const RUN_DEFAULTS = {
  timeout: '5000',
  initTimeout: '30000',
  maxMemory: '256',
  maxRestarts: '5',
  restartWindow: '60',
  maxQueue: '1024',
  maxBody: String(2 ** 20),
  maxConnections: String(DEFAULT_MAX_CONNECTIONS),
  headersTimeout: String(DEFAULT_HEADERS_TIMEOUT_MS),
  requestTimeout: String(DEFAULT_REQUEST_TIMEOUT_MS),
  maxState: String(16 * 2 ** 20),
  logLevel: 'info',
  fsync: 'always',
  sealAfter: String(DEFAULT_SEAL_AFTER_BYTES),
  sendTimeout: String(DEFAULT_SEND_TIMEOUT_MS),
} as const;

export interface RunConfig {
  /** The component file, or its name in messages when `componentBytes` holds it. */
  component: string;
  /** The component itself (createRuntime given bytes), read from `component` otherwise. */
  componentBytes?: Uint8Array;
  /** Where the log's JSON lines go (createRuntime's logDestination); stdout otherwise. */
  logDestination?: LogDestination;
  listen: ListenAddress;
  timeoutMs: number;
  initTimeoutMs: number;
  maxMemoryMiB: number;
  maxRestarts: number;
  restartWindowMs: number;
  maxQueue: number;
  maxBodyBytes: number;
  /** Connections served at once; beyond it a new connection is closed at once. */
  maxConnections: number;
  /** Bound on receiving a request's headers, and on receiving the whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** The largest state, in bytes of its canonical text, a message may leave (--max-state). */
  maxStateBytes: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  storage: StorageConfig;
  /** The bearer token POST / needs (and, with tokenReads, every route); null: open. */
  token: string | null;
  tokenReads: boolean;
  /** Normalized origins `send` may reach. */
  allowedSendOrigins: string[];
  /** The bearer token each allowed origin's deliveries carry (--send-token), by origin. */
  sendTokens: ReadonlyMap<string, string>;
  /** How long a delivery attempt waits for its target's answer before it is retried (--send-timeout). */
  sendTimeoutMs: number;
  /** The runtimes whose signed deliveries get their own key namespace (--accept-sends-from). */
  acceptedSenders: AcceptedSenders;
}

export interface RawRunOptions extends RawStorageOptions {
  listen?: string;
  timeout: string;
  initTimeout: string;
  maxMemory: string;
  maxRestarts: string;
  restartWindow: string;
  maxQueue: string;
  maxBody: string;
  maxConnections: string;
  headersTimeout: string;
  requestTimeout: string;
  maxState: string;
  logLevel: string;
  logFormat?: string;
  token?: string;
  tokenReads?: boolean;
  allowSend: string[];
  sendToken: string[];
  sendTimeout: string;
  acceptSendsFrom: string[];
}

/** `--max-queue` is also `ACTORCHAIN_MAX_QUEUE`; commander lets a flag win over it. */
export function envName(flag: string): string {
  return ENV_PREFIX + flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase();
}

/**
 * Check every option, reporting all problems together. `source` says where a value came
 * from, so a bad value from the environment is named by its variable.
 */
export function runConfig(component: string, address: string | undefined, raw: RawRunOptions, source: (key: string) => string | undefined = () => undefined): RunConfig {
  const o = new OptionChecker();
  const named = (flagName: string, key: string) => (source(key) === 'env' ? `${envName(flagName)} (${flagName})` : flagName);
  // A positional address is a flag given on the command line: it wins over ACTORCHAIN_LISTEN.
  const listenFlag = source('listen') === 'env' && address !== undefined ? undefined : raw.listen;
  if (address !== undefined && listenFlag !== undefined && address !== listenFlag) {
    o.check(() => {
      throw new ActorchainError('INVALID_OPTION', `the address is given twice (${address} and --listen ${raw.listen}); give one`);
    });
  }
  const token = raw.token ?? null;
  // commander turns a switch on whenever its variable is set, whatever it holds: read the value.
  const switchOption = (key: 'inMemory' | 'tokenReads', flagName: string) =>
    source(key) === 'env' ? o.check(() => envSwitch(envName(flagName), process.env[envName(flagName)] ?? '')) === true : raw[key] === true;
  const tokenReads = switchOption('tokenReads', '--token-reads');
  // --in-memory on the command line wins over ACTORCHAIN_DATA_DIR, and --data-dir over ACTORCHAIN_IN_MEMORY.
  const storage: RawStorageOptions = { ...raw, inMemory: switchOption('inMemory', '--in-memory') };
  if (source('dataDir') === 'env' && source('inMemory') === 'cli') delete storage.dataDir;
  if (source('inMemory') === 'env' && source('dataDir') === 'cli') delete storage.inMemory;
  const allowedSendOrigins = [...new Set(raw.allowSend.map((origin) => o.check(() => allowedOrigin(origin))))];
  const config: RunConfig = {
    component,
    listen: o.check(() => parseListen(listenFlag ?? address ?? DEFAULT_LISTEN)),
    timeoutMs: o.check(() => integerOption(named('--timeout', 'timeout'), raw.timeout, 1, MAX_TIMER_MS)),
    initTimeoutMs: o.check(() => integerOption(named('--init-timeout', 'initTimeout'), raw.initTimeout, 1, MAX_TIMER_MS)),
    maxMemoryMiB: o.check(() => integerOption(named('--max-memory', 'maxMemory'), raw.maxMemory, 1, 65536)),
    maxRestarts: o.check(() => integerOption(named('--max-restarts', 'maxRestarts'), raw.maxRestarts, 0)),
    restartWindowMs: o.check(() => integerOption(named('--restart-window', 'restartWindow'), raw.restartWindow, 1, MAX_TIMER_MS / 1000)) * 1000,
    maxQueue: o.check(() => integerOption(named('--max-queue', 'maxQueue'), raw.maxQueue, 0)),
    maxBodyBytes: o.check(() => integerOption(named('--max-body', 'maxBody'), raw.maxBody, 1)),
    maxConnections: o.check(() => integerOption(named('--max-connections', 'maxConnections'), raw.maxConnections, 1)),
    headersTimeoutMs: o.check(() => integerOption(named('--headers-timeout', 'headersTimeout'), raw.headersTimeout, 1, MAX_TIMER_MS)),
    requestTimeoutMs: o.check(() => integerOption(named('--request-timeout', 'requestTimeout'), raw.requestTimeout, 1, MAX_TIMER_MS)),
    maxStateBytes: o.check(() => integerOption(named('--max-state', 'maxState'), raw.maxState, 1)),
    logLevel: o.check(() => logLevelOption(raw.logLevel)),
    logFormat: o.check(() => (raw.logFormat === undefined ? defaultLogFormat() : logFormatOption(raw.logFormat))),
    storage: storageConfig(component, storage, o),
    token: o.check(() => {
      if (token !== null && token.trim() === '') throw new ActorchainError('INVALID_OPTION', `${named('--token', 'token')} is empty; give a secret or leave it out`);
      return token;
    }),
    tokenReads: o.check(() => {
      if (tokenReads && token === null) throw new ActorchainError('INVALID_OPTION', '--token-reads needs --token (or ACTORCHAIN_TOKEN)');
      return tokenReads;
    }),
    allowedSendOrigins,
    sendTokens: sendTokens(raw.sendToken, allowedSendOrigins, named('--send-token', 'sendToken'), o),
    sendTimeoutMs: o.check(() => integerOption(named('--send-timeout', 'sendTimeout'), raw.sendTimeout, 1, MAX_TIMER_MS)),
    acceptedSenders: o.check(() => {
      try {
        return acceptedSenders(raw.acceptSendsFrom.map((key) => key.trim()));
      } catch (err) {
        throw new ActorchainError(
          'INVALID_OPTION',
          `${named('--accept-sends-from', 'acceptSendsFrom')}: ${(err as Error).message} Give a verifier key (<name>+<key id>+<base64 key>, as GET /identity shows it) or a base64 Ed25519 public key.`,
        );
      }
    }),
  };
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    o.check(() => {
      throw new ActorchainError(
        'INVALID_OPTION',
        `--headers-timeout (${config.headersTimeoutMs}) must not be longer than --request-timeout (${config.requestTimeoutMs})`,
      );
    });
  }
  o.done();
  return Object.freeze(config);
}

/** `--send-token origin=secret` values, each for an origin --allow-send allows, once. */
function sendTokens(values: readonly string[], allowed: readonly string[], name: string, o: OptionChecker): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const value of values) {
    o.check(() => {
      const at = value.indexOf('=');
      const secret = at === -1 ? '' : value.slice(at + 1);
      if (at === -1 || secret.trim() === '') {
        throw new ActorchainError('INVALID_OPTION', `${name} takes origin=secret, as in http://peer:8080=<secret> (got a value without ${at === -1 ? '=' : 'a secret'})`);
      }
      // Sent as a header value: printable ASCII, with nothing around it.
      if (!/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(secret)) {
        throw new ActorchainError('INVALID_OPTION', `${name}: the secret for ${value.slice(0, at)} must be printable ASCII without spaces around it`);
      }
      let origin: string;
      try {
        origin = allowedOrigin(value.slice(0, at));
      } catch {
        throw new ActorchainError('INVALID_OPTION', `${name} takes origin=secret, with an origin http(s)://host[:port] (got ${JSON.stringify(value.slice(0, at))})`);
      }
      if (!allowed.includes(origin)) {
        throw new ActorchainError('INVALID_OPTION', `${name} gives a token for ${origin}, which send may not reach: add --allow-send ${origin}`);
      }
      if (tokens.has(origin) && tokens.get(origin) !== secret) throw new ActorchainError('INVALID_OPTION', `${name} gives two tokens for ${origin}; give one`);
      tokens.set(origin, secret);
    });
  }
  return tokens;
}
