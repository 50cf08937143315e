import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Option, type Command } from 'commander';
import { Actor } from '../actor/actor.js';
import { recentTraffic } from '../actor/upgrade.js';
import { loadComponent, loadComponentBytes } from '../component/load.js';
import { KeptComponents } from '../chain/components-dir.js';
import { ActorchainError } from '../errors.js';
import { createApp, type NotReadyReason } from '../http/app.js';
import { acceptedSenders, type AcceptedSenders } from '../http/message-signature.js';
import { allowedOrigin } from '../actor/send-policy.js';
import { createLogger, defaultLogFormat, type LogFormat, type LogLevel } from '../log.js';
import { Metrics } from '../metrics.js';
import { DELIVERIES_FILE, DeliveryRecord, readDeliveryLog } from '../outbox/delivery-record.js';
import { OwedSends, owedInChain } from '../outbox/owed.js';
import { Outbox } from '../outbox/outbox.js';
import { envSwitch, integerOption, logFormatOption, logLevelOption, MAX_TIMER_MS, OptionChecker, parseListen, type ListenAddress } from './options.js';
import { DEFAULT_SEAL_AFTER_BYTES, openChain, storageConfig, type RawStorageOptions, type StorageConfig } from './storage.js';

export const DEFAULT_LISTEN = '127.0.0.1:8080';
/** Well under the usual 1024 file descriptors, leaving room for the outbox's 256 and the files. */
export const DEFAULT_MAX_CONNECTIONS = 512;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Room for a --max-body upload on a slow link; long polls are not bound by it (it covers the request, not the answer). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** How long, after the last message is answered, connections may take to finish at shutdown. */
export const SHUTDOWN_GRACE_MS = 2000;
const ENV_PREFIX = 'ACTORCHAIN_';

export interface RunConfig {
  component: string;
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
  /** The runtimes whose signed deliveries get their own key namespace (--accept-sends-from). */
  acceptedSenders: AcceptedSenders;
}

interface RawRunOptions extends RawStorageOptions {
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
  acceptSendsFrom: string[];
}

/** `--max-queue` is also `ACTORCHAIN_MAX_QUEUE`; commander lets a flag win over it. */
export function envName(flag: string): string {
  return ENV_PREFIX + flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase();
}

function flag(flags: string, description: string, defaultValue?: string): Option {
  const option = new Option(flags, description).env(envName(flags.split(' ')[0]!));
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** Repeatable, and comma-separated (the form an environment variable can hold). */
function collectOrigins(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').filter((part) => part.trim() !== '')];
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('start the runtime for one actor: load the component, commit genesis and init, serve HTTP')
    .usage('<component.wasm> [HOST:PORT] [options]')
    .argument('<component>', 'the compiled WebAssembly component (.wasm)')
    .argument('[address]', `HOST:PORT to listen on (same as --listen)`)
    .addOption(
      flag(
        '--listen <host:port>',
        `address to listen on; port 0 picks a free port (default ${DEFAULT_LISTEN}). :PORT or 0.0.0.0:PORT listens on every interface, reachable from other machines: set --token then (a warning says so otherwise)`,
      ),
    )
    .addOption(flag('--timeout <ms>', 'bound on every call into handle and the contracts', '5000'))
    .addOption(flag('--init-timeout <ms>', 'bound on init (and on instantiating the component)', '30000'))
    .addOption(flag('--max-memory <MiB>', "bound on the component's linear memory", '256'))
    .addOption(flag('--max-restarts <n>', 'restarts allowed within --restart-window before the runtime exits', '5'))
    .addOption(flag('--restart-window <s>', 'the window, in seconds, for --max-restarts', '60'))
    .addOption(flag('--max-queue <n>', 'messages that may wait their turn; beyond it POST / answers 503', '1024'))
    .addOption(flag('--max-body <bytes>', 'largest POST body accepted (after Content-Encoding is decoded)', String(2 ** 20)))
    .addOption(flag('--max-connections <n>', 'HTTP connections served at once; beyond it a new connection is closed at once', String(DEFAULT_MAX_CONNECTIONS)))
    .addOption(flag('--headers-timeout <ms>', "a client that has not sent a request's headers within this is answered 408 and dropped", String(DEFAULT_HEADERS_TIMEOUT_MS)))
    .addOption(flag('--request-timeout <ms>', 'a client that has not sent a whole request (body included) within this is answered 408 and dropped', String(DEFAULT_REQUEST_TIMEOUT_MS)))
    .addOption(flag('--max-state <bytes>', 'largest state (its canonical JSON) a message may leave; a larger one is refused with 422 STATE_TOO_LARGE', String(16 * 2 ** 20)))
    .addOption(flag('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info'))
    .addOption(flag('--log-format <format>', 'json or pretty (default: pretty on a terminal, json otherwise)'))
    .addOption(flag('--data-dir <dir>', 'where the chain is kept (default ./<component name>.actorchain)'))
    .addOption(flag('--in-memory', 'keep the chain in memory only: nothing is written, the history ends with the process'))
    .addOption(flag('--fsync <mode>', 'always: a 200 means the message is on disk; never: leave syncing to the OS', 'always'))
    .addOption(
      flag(
        '--seal-after <bytes>',
        'once chain.ndjson holds this many bytes, seal them into chain.sealed in the background, each state stored as its change (a new data dir, or one compacted already; 0: never)',
        String(DEFAULT_SEAL_AFTER_BYTES),
      ),
    )
    .addOption(flag('--key-file <path>', "the runtime's Ed25519 identity key (PKCS#8 PEM) that signs checkpoints (default: <data dir>/identity.key, created at the first start; a fresh key per run with --in-memory)"))
    .addOption(flag('--origin <name>', "a new chain's origin, the name its checkpoints are signed under (default: actorchain/<first 16 hex digits of the key's SHA-256>)"))
    .addOption(flag('--token <secret>', 'POST / needs Authorization: Bearer <secret> (prefer the environment variable: flags show in ps)'))
    .addOption(flag('--token-reads', 'the GET routes need the token too'))
    .addOption(
      flag('--allow-send <origin>', 'an origin (http(s)://host[:port]) that send may reach; repeatable or comma-separated')
        .argParser(collectOrigins)
        .default([], 'none'),
    )
    .addOption(
      flag(
        '--send-token <origin=secret>',
        'deliveries to an allowed origin carry Authorization: Bearer <secret> (its receiver runs with --token); repeatable or comma-separated (prefer the environment variable: flags show in ps)',
      )
        .argParser(collectOrigins)
        .default([], 'none'),
    )
    .addOption(
      flag(
        '--accept-sends-from <key>',
        "a runtime whose deliveries are taken as its own: its verifier key (GET /identity's key) or base64 Ed25519 public key. A delivery it signs (RFC 9421) keeps its Idempotency-Key in that runtime's namespace; repeatable or comma-separated",
      )
        .argParser(collectOrigins)
        .default([], 'none'),
    )
    .action(async (component: string, address: string | undefined, raw: RawRunOptions, command: Command) => {
      await run(runConfig(component, address, raw, (key) => command.getOptionValueSource(key)));
    });
}

/**
 * Check every option, reporting all problems together. `source` says where a value came
 * from, so a bad value from the environment is named by its variable.
 */
export function runConfig(
  component: string,
  address: string | undefined,
  raw: RawRunOptions,
  source: (key: string) => string | undefined = () => undefined,
): RunConfig {
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
    restartWindowMs:
      o.check(() => integerOption(named('--restart-window', 'restartWindow'), raw.restartWindow, 1, MAX_TIMER_MS / 1000)) * 1000,
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
    acceptedSenders: o.check(() => {
      try {
        return acceptedSenders(raw.acceptSendsFrom.map((key) => key.trim()));
      } catch (err) {
        throw new ActorchainError('INVALID_OPTION', `${named('--accept-sends-from', 'acceptSendsFrom')}: ${(err as Error).message} Give a verifier key (<name>+<key id>+<base64 key>, as GET /identity shows it) or a base64 Ed25519 public key.`);
      }
    }),
  };
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    o.check(() => {
      throw new ActorchainError('INVALID_OPTION', `--headers-timeout (${config.headersTimeoutMs}) must not be longer than --request-timeout (${config.requestTimeoutMs})`);
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

export function listen(server: Server, { host, port }: ListenAddress): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new ActorchainError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`)));
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** What the port answers while the runtime starts: 503, come back in a moment. */
function starting(_req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify(new ActorchainError('ACTOR_UNAVAILABLE', 'the runtime is starting; retry in a moment').toJSON());
  res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '1' }).end(body);
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped form: reachable from this machine only. */
export function isLoopback(address: string): boolean {
  return /^(127\.|::ffff:127\.)/.test(address) || address === '::1';
}

/**
 * The signals that stop a runtime in order (the message in flight finished, the lock
 * released): SIGHUP and SIGUSR2 too, whose default action would end it on the spot.
 */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const;

export async function run(config: RunConfig): Promise<void> {
  // Taken from the start: a signal during start-up stops the runtime as soon as it is up,
  // rather than by the default action, which would leave the data dir's lock behind.
  let stopOnSignal: ((signal: NodeJS.Signals) => void) | undefined;
  let signalled: NodeJS.Signals | undefined;
  for (const signal of STOP_SIGNALS) process.on(signal, () => (stopOnSignal ? stopOnSignal(signal) : (signalled ??= signal)));
  const logger = createLogger(config.logLevel, 1, config.logFormat);
  const component = await loadComponent(config.component, { maxMemoryMiB: config.maxMemoryMiB });
  const log = logger.child({ actor: component.hash.slice(0, 12) });
  log.info({ component: config.component, hash: component.hash, encoding: component.encoding, wasi: component.imports.wasi.length }, 'component loaded');

  // The port is held before anything is created (a data dir's chain, its genesis and init):
  // a port in use must leave nothing behind. Until the actor is up, every request is 503.
  const server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // How often those timeouts are looked at (Node's default, 30 s, would let a slow client stay that much longer).
      connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
    },
    starting,
  );
  server.maxConnections = config.maxConnections;
  const address = await listen(server, config.listen);

  // The metrics exist before the chain (they time its syncs); the gauges read it once it is open.
  let actor: Actor | undefined;
  let outbox: Outbox | undefined;
  let chainLength = () => 0;
  const metrics = new Metrics({
    chainLength: () => chainLength(),
    queueDepth: () => actor?.pending ?? 0,
    sendsPending: () => outbox?.pending ?? 0,
    sendsHeld: () => outbox?.held ?? 0,
  });
  // The worker starts (its thread, the component instantiated, a spare) while the chain is
  // checked: it needs no state until the first message.
  const onRestart = (cause: string) => metrics.restarts.inc({ cause });
  const supervisorStarting = Actor.startSupervisor(component, { ...config, onRestart }, log);
  supervisorStarting.catch(() => {}); // (awaited below, or closed if the chain is refused)
  const closeSupervisor = () => supervisorStarting.then((supervisor) => supervisor.close(), () => {});
  // The sends still owed are found while the chain is checked: one pass over it.
  const dataDir = config.storage.dataDir;
  let opened;
  let owed: OwedSends;
  let deliveryLog;
  try {
    deliveryLog = dataDir === null ? undefined : await readDeliveryLog(dataDir);
    owed = new OwedSends(deliveryLog?.cursors ?? new Map());
    opened = await openChain(config.storage, component.hash, log, {
      onSync: (seconds) => metrics.fsyncSeconds.observe(seconds),
      onSends: (stateHash, sends) => owed.add(stateHash, sends),
    });
  } catch (err) {
    await closeSupervisor();
    server.close();
    throw err;
  }
  const { chain, failed } = opened;
  // Every component the chain has used stays in the data dir (or memory), named by its hash, and is served by it.
  const kept = new KeptComponents(dataDir);
  await kept.keepFile(component);
  chainLength = () => chain.durable.length;
  let chainFailed = false;
  void failed.then(() => (chainFailed = true));
  try {
    let owedSends = owed.owed;
    if (owed.unmatched.length > 0) {
      // Ignored, and dropped from the record: at worst a send goes out twice, never zero times.
      log.warn({ targets: owed.unmatched }, `${DELIVERIES_FILE} names deliveries this chain does not record: those lines are ignored and every send to these targets is owed`);
      for (const to of owed.unmatched) deliveryLog!.cursors.delete(to);
      owedSends = await owedInChain(chain, deliveryLog!.cursors);
    }
    const record = dataDir === null ? undefined : await DeliveryRecord.open(dataDir, deliveryLog!, log);
    // Owed sends are checked against today's --allow-send: those it does not allow are held.
    // Deliveries are signed with the key that signs the chain's checkpoints: GET /identity names it.
    const signer = chain.notary && { identity: chain.notary.identity, keyId: chain.notary.verifierKey };
    outbox = new Outbox({ record, metrics, logger: log, tokens: config.sendTokens, signer, allowedOrigins: config.allowedSendOrigins });
    outbox.add(owedSends);
    if (outbox.pending > 0) log.info({ sends: outbox.pending }, 'sends committed before the restart and not yet delivered: delivering them');
    const options = {
      ...config,
      outbox,
      onRestart,
      onSendRefused: () => metrics.sends.inc({ outcome: 'not-allowed' }),
    };
    actor = await Actor.start(component, chain, options, log, supervisorStarting);
  } catch (err) {
    if (!actor) await closeSupervisor();
    await outbox?.close();
    await chain.close();
    server.close();
    throw err;
  }
  log.info(
    {
      allowSend: config.allowedSendOrigins,
      sendTokens: [...config.sendTokens.keys()],
      acceptSendsFrom: [...config.acceptedSenders.values()].map((sender) => sender.text),
      token: config.token !== null,
      tokenReads: config.tokenReads,
    },
    config.allowedSendOrigins.length === 0 ? 'send may reach no other runtime (no --allow-send)' : `send may reach ${config.allowedSendOrigins.join(', ')}`,
  );
  let stopping = false;
  const unready = (): NotReadyReason | undefined => {
    const supervisor = actor!.supervisor;
    if (supervisor.gaveUp) return 'restart-budget-exhausted';
    if (chainFailed) return 'chain-write-failed';
    if (stopping) return 'shutting-down';
    return supervisor.unready;
  };
  const httpOptions = {
    maxBodyBytes: config.maxBodyBytes,
    durable: config.storage.dataDir !== null,
    metrics,
    token: config.token,
    tokenReads: config.tokenReads,
    acceptedSenders: config.acceptedSenders,
    unready,
    componentService: { current: () => actor!.component.hash, read: (hash: string) => kept.read(hash) },
  };
  server.removeListener('request', starting);
  const upgradingActor = actor;
  const sink = {
    submit: (canonical: string, key?: string, sender?: string) => upgradingActor.submit(canonical, key, sender),
    // Checked as run checks a component (world, exports), then applied between two messages.
    upgrade: async (bytes: Buffer) => {
      const warmWith = await recentTraffic(chain);
      const next = await loadComponentBytes(bytes, 'upgrade.wasm', { maxMemoryMiB: config.maxMemoryMiB, offThread: true, warmWith });
      const staged = await kept.stageBytes(next.hash, bytes);
      return upgradingActor.upgradeLive(next, staged.keep).catch(async (err: unknown) => {
        await staged.discard();
        throw err;
      });
    },
  };
  server.on('request', createApp(chain, sink, httpOptions, log));
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (config.token === null && !isLoopback(address.address)) {
    log.warn(
      { address: address.address },
      `listening on ${address.address}, beyond this machine, without --token: anyone who reaches it can post messages. ` +
        'Set ACTORCHAIN_TOKEN, or listen on 127.0.0.1',
    );
  }
  log.info({ address: `http://${host}:${address.port}`, head: chain.head, length: chain.length }, `actorchain listening on http://${host}:${address.port}`);

  const stop = async (exitCode: number, reason?: ActorchainError): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Held long polls answer 503 now: they must not hold the shutdown up.
    chain.endWaits();
    // Stop accepting, let the message in flight finish and be flushed, then close. A client
    // still sending a request gets a short grace, not the whole --request-timeout.
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    await actor.close(reason);
    await outbox.close();
    await Promise.race([closed, sleep(SHUTDOWN_GRACE_MS)]);
    server.closeAllConnections();
    log.info({ head: chain.durable.head, length: chain.durable.length, exitCode }, 'actorchain stopped');
    process.exit(exitCode);
  };
  stopOnSignal = (signal) => {
    log.info({ signal }, 'shutting down');
    void stop(0);
  };
  if (signalled !== undefined) stopOnSignal(signalled);
  void actor.exhausted.then((reason) => {
    log.fatal({ code: reason.code }, `giving up: ${reason.message}`);
    void stop(1, reason);
  });
  void failed.then((reason) => {
    log.fatal({ code: reason.code }, `stopping: ${reason.message}`);
    void stop(1, reason);
  });
}
