import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type Server } from 'node:http';
import type { Command } from 'commander';
import { Actor } from '../actor/actor.js';
import { loadComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import { createApp } from '../http/app.js';
import { createLogger, type LogLevel } from '../log.js';
import { Metrics } from '../metrics.js';
import { integerOption, logLevelOption, MAX_TIMER_MS, OptionChecker, parseListen, type ListenAddress } from './options.js';
import { openChain, storageConfig, type RawStorageOptions, type StorageConfig } from './storage.js';

export const DEFAULT_LISTEN = '127.0.0.1:8080';
/** How long, after the last message is answered, connections may take to finish at shutdown. */
const SHUTDOWN_GRACE_MS = 2000;

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
  logLevel: LogLevel;
  storage: StorageConfig;
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
  logLevel: string;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('start the runtime for one actor: load the component, commit genesis and init, serve HTTP')
    .argument('<component>', 'the compiled WebAssembly component (.wasm)')
    .argument('[address]', `HOST:PORT to listen on (same as --listen)`)
    .option('--listen <host:port>', `address to listen on; port 0 picks a free port (default ${DEFAULT_LISTEN})`)
    .option('--timeout <ms>', 'bound on every call into handle and the contracts', '5000')
    .option('--init-timeout <ms>', 'bound on init (and on instantiating the component)', '30000')
    .option('--max-memory <MiB>', "bound on the component's linear memory", '256')
    .option('--max-restarts <n>', 'restarts allowed within --restart-window before the runtime exits', '5')
    .option('--restart-window <s>', 'the window, in seconds, for --max-restarts', '60')
    .option('--max-queue <n>', 'messages that may wait their turn; beyond it POST / answers 503', '1024')
    .option('--max-body <bytes>', 'largest POST body accepted', String(2 ** 20))
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .option('--data-dir <dir>', 'where the chain is kept (default ./<component name>.actorchain)')
    .option('--in-memory', 'keep the chain in memory only: nothing is written, the history ends with the process')
    .option('--fsync <mode>', 'always: a 200 means the message is on disk; never: leave syncing to the OS', 'always')
    .action(async (component: string, address: string | undefined, raw: RawRunOptions) => {
      await run(runConfig(component, address, raw));
    });
}

export function runConfig(component: string, address: string | undefined, raw: RawRunOptions): RunConfig {
  const o = new OptionChecker();
  if (address !== undefined && raw.listen !== undefined && address !== raw.listen) {
    o.check(() => {
      throw new ActorchainError('INVALID_OPTION', `the address is given twice (${address} and --listen ${raw.listen}); give one`);
    });
  }
  const config: RunConfig = {
    component,
    listen: o.check(() => parseListen(raw.listen ?? address ?? DEFAULT_LISTEN)),
    timeoutMs: o.check(() => integerOption('--timeout', raw.timeout, 1, MAX_TIMER_MS)),
    initTimeoutMs: o.check(() => integerOption('--init-timeout', raw.initTimeout, 1, MAX_TIMER_MS)),
    maxMemoryMiB: o.check(() => integerOption('--max-memory', raw.maxMemory, 1, 65536)),
    maxRestarts: o.check(() => integerOption('--max-restarts', raw.maxRestarts, 0)),
    restartWindowMs: o.check(() => integerOption('--restart-window', raw.restartWindow, 1, MAX_TIMER_MS / 1000)) * 1000,
    maxQueue: o.check(() => integerOption('--max-queue', raw.maxQueue, 0)),
    maxBodyBytes: o.check(() => integerOption('--max-body', raw.maxBody, 1)),
    logLevel: o.check(() => logLevelOption(raw.logLevel)),
    storage: storageConfig(component, raw, o),
  };
  o.done();
  return Object.freeze(config);
}

function listen(server: Server, { host, port }: ListenAddress): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new ActorchainError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`)));
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

export async function run(config: RunConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  const component = await loadComponent(config.component, { maxMemoryMiB: config.maxMemoryMiB });
  const log = logger.child({ actor: component.hash.slice(0, 12) });
  log.info({ component: config.component, hash: component.hash, encoding: component.encoding, wasi: component.imports.wasi.length }, 'component loaded');

  const { chain, failed } = await openChain(config.storage, component.hash, log);
  let actor: Actor | undefined;
  const metrics = new Metrics({ chainLength: () => chain.durable.length, queueDepth: () => actor?.pending ?? 0 });
  try {
    actor = await Actor.start(component, chain, { ...config, onRestart: (cause) => metrics.restarts.inc({ cause }) }, log);
  } catch (err) {
    await chain.close();
    throw err;
  }
  const server = createServer(createApp(actor, { maxBodyBytes: config.maxBodyBytes, metrics }, log));
  let address: AddressInfo;
  try {
    address = await listen(server, config.listen);
  } catch (err) {
    await actor.close();
    throw err;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log.info({ address: `http://${host}:${address.port}`, head: chain.head, length: chain.length }, `actorchain listening on http://${host}:${address.port}`);

  let stopping = false;
  const stop = async (exitCode: number, reason?: ActorchainError): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Stop accepting, let the message in flight finish and be flushed, then close. A client
    // still sending a request gets a short grace, not the 300 s request timeout.
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    await actor.close(reason);
    await Promise.race([closed, sleep(SHUTDOWN_GRACE_MS)]);
    server.closeAllConnections();
    log.info({ head: chain.durable.head, length: chain.durable.length, exitCode }, 'actorchain stopped');
    process.exit(exitCode);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutting down');
      void stop(0);
    });
  }
  void actor.supervisor.exhausted.then((reason) => {
    log.fatal({ code: reason.code }, `giving up: ${reason.message}`);
    void stop(1, reason);
  });
  void failed.then((reason) => {
    log.fatal({ code: reason.code }, `stopping: ${reason.message}`);
    void stop(1, reason);
  });
}
