/**
 * A runtime composed and started: the component loaded, the port held, the chain opened (or
 * recovered), the actor and its outbox started, the HTTP app served. `createRuntime` is the
 * programmatic API (exported from the package); `actorchain run` parses its flags into the
 * same RunConfig and calls `startRuntime`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Actor } from '../actor/actor.js';
import { recentTraffic } from '../actor/upgrade.js';
import { loadComponent, loadComponentBytes } from '../component/load.js';
import { KeptComponents } from '../chain/components-dir.js';
import { ActorchainError } from '../errors.js';
import { createApp, type NotReadyReason } from '../http/app.js';
import { createLogger } from '../log.js';
import { Metrics } from '../metrics.js';
import { DELIVERIES_FILE, DeliveryRecord, readDeliveryLog } from '../outbox/delivery-record.js';
import { OwedSends, owedInChain } from '../outbox/owed.js';
import { Outbox } from '../outbox/outbox.js';
import { openChain } from '../cli/storage.js';
import { addressUrl, isLoopback, listen } from './listen.js';
import type { RunConfig } from './run-config.js';
import { runtimeConfig, type RuntimeOptions } from './runtime-options.js';
import { stopAccepting, serviceHandle, stopOnce, type Service, type StopOutcome } from './shutdown.js';

/** A started runtime, as createRuntime gives it. */
export interface Runtime {
  /** The base URL it serves, such as http://127.0.0.1:43117/ (POST / is `url` itself). */
  url: string;
  /** The hash of the newest entry on disk (in memory: the newest committed). */
  head(): string;
  /** Stop as SIGTERM stops `actorchain run`: the message in flight finished and flushed, the data dir's lock released. */
  close(): Promise<void>;
  /** Settles when the runtime has stopped: closed (exit code 0), or by itself (1, with the reason). */
  stopped: Promise<StopOutcome>;
}

/** What the CLI holds of a started runtime: the API's handle, and what a signal does to it. */
export type StartedRuntime = Runtime & Service;

/** What the port answers while the runtime starts: 503, come back in a moment. */
function starting(_req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify(new ActorchainError('ACTOR_UNAVAILABLE', 'the runtime is starting; retry in a moment').toJSON());
  res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '1' }).end(body);
}

/**
 * Start a runtime. Options are `actorchain run`'s flags under their camelCase names (checked
 * as the flags are, INVALID_OPTION naming the flag); it resolves once the runtime serves,
 * and rejects with the error `actorchain run` would print.
 */
export function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  return startRuntime(runtimeConfig(options));
}

export async function startRuntime(config: RunConfig): Promise<StartedRuntime> {
  const logger = createLogger(config.logLevel, 1, config.logFormat, config.logDestination);
  const loadOptions = { maxMemoryMiB: config.maxMemoryMiB };
  const component = await (config.componentBytes
    ? loadComponentBytes(config.componentBytes, config.component, loadOptions)
    : loadComponent(config.component, loadOptions));
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
  let checkpointsSigned = () => 0;
  const metrics = new Metrics({
    chainLength: () => chainLength(),
    checkpointsSigned: () => checkpointsSigned(),
    queueDepth: () => actor?.pending ?? 0,
    sendsPending: () => outbox?.pending ?? 0,
    sendsHeld: () => outbox?.held ?? 0,
  });
  // The worker starts (its thread, the component instantiated, a spare) while the chain is
  // checked: it needs no state until the first message.
  const onRestart = (cause: string) => metrics.restarts.inc({ cause });
  const supervisorStarting = Actor.startSupervisor(component, { ...config, onRestart }, log);
  supervisorStarting.catch(() => {}); // (awaited below, or closed if the chain is refused)
  const closeSupervisor = () =>
    supervisorStarting.then(
      (supervisor) => supervisor.close(),
      () => {},
    );
  // The sends still owed are found while the chain is checked: one pass over it.
  const dataDir = config.storage.dataDir;
  let opened;
  let owed: OwedSends;
  let deliveryLog;
  try {
    deliveryLog = dataDir === null ? undefined : await readDeliveryLog(dataDir);
    owed = new OwedSends(deliveryLog?.cursors ?? new Map());
    opened = await openChain(config.storage, component.hash, log, {
      componentPath: component.path,
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
  chainLength = () => chain.durable.length;
  checkpointsSigned = () => chain.notary?.signatures ?? 0;
  let chainFailed = false;
  void failed.then(() => (chainFailed = true));
  try {
    await (config.componentBytes ? kept.keepBytes(component.hash, config.componentBytes) : kept.keepFile(component));
    let owedSends = owed.owed;
    if (owed.unmatched.length > 0) {
      // Ignored, and dropped from the record: at worst a send goes out twice, never zero times.
      log.warn(
        { targets: owed.unmatched },
        `${DELIVERIES_FILE} names deliveries this chain does not record: those lines are ignored and every send to these targets is owed`,
      );
      for (const to of owed.unmatched) deliveryLog!.cursors.delete(to);
      owedSends = await owedInChain(chain, deliveryLog!.cursors);
    }
    const record = dataDir === null ? undefined : await DeliveryRecord.open(dataDir, deliveryLog!, log);
    // Owed sends are checked against today's --allow-send: those it does not allow are held.
    // Deliveries are signed with the key that signs the chain's checkpoints: GET /identity names it.
    const signer = chain.notary && { identity: chain.notary.identity, keyId: chain.notary.verifierKey };
    outbox = new Outbox({
      record,
      metrics,
      logger: log,
      tokens: config.sendTokens,
      signer,
      allowedOrigins: config.allowedSendOrigins,
      attemptTimeoutMs: config.sendTimeoutMs,
    });
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
  const running = actor;
  const sending = outbox;
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

  const stopper = stopOnce(async (exitCode, reason) => {
    // Held long polls answer 503 now: they must not hold the shutdown up.
    chain.endWaits();
    // Stop accepting, let the message in flight finish and be flushed, then close.
    const accepting = stopAccepting(server);
    await running.close(reason);
    await sending.close();
    await accepting.drained();
    log.info({ head: chain.durable.head, length: chain.durable.length, exitCode }, 'actorchain stopped');
  });
  const unready = (): NotReadyReason | undefined => {
    const supervisor = running.supervisor;
    if (supervisor.gaveUp) return 'restart-budget-exhausted';
    if (chainFailed) return 'chain-write-failed';
    if (stopper.stopping) return 'shutting-down';
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
    componentService: { current: () => running.component.hash, read: (hash: string) => kept.read(hash) },
  };
  server.removeListener('request', starting);
  const sink = {
    submit: (canonical: string, key?: string, sender?: string) => running.submit(canonical, key, sender),
    // Checked as run checks a component (world, exports), then applied between two messages.
    upgrade: async (bytes: Buffer) => {
      const warmWith = await recentTraffic(chain);
      const next = await loadComponentBytes(bytes, 'upgrade.wasm', { maxMemoryMiB: config.maxMemoryMiB, offThread: true, warmWith });
      const staged = await kept.stageBytes(next.hash, bytes);
      return running.upgradeLive(next, staged.keep).catch(async (err: unknown) => {
        await staged.discard();
        throw err;
      });
    },
  };
  server.on('request', createApp(chain, sink, httpOptions, log));
  const url = addressUrl(address);
  if (config.token === null && !isLoopback(address.address)) {
    log.warn(
      { address: address.address },
      `listening on ${address.address}, beyond this machine, without --token: anyone who reaches it can post messages. ` + 'Set ACTORCHAIN_TOKEN, or listen on 127.0.0.1',
    );
  }
  log.info({ address: url, head: chain.head, length: chain.length }, `actorchain listening on ${url}`);

  void running.exhausted.then((reason) => {
    log.fatal({ code: reason.code }, `giving up: ${reason.message}`);
    void stopper.stop(1, reason);
  });
  void failed.then((reason) => {
    log.fatal({ code: reason.code }, `stopping: ${reason.message}`);
    void stopper.stop(1, reason);
  });
  return {
    url: `${url}/`,
    ...serviceHandle(() => chain.durable.head, stopper, log),
  };
}
