/**
 * `actorchain mirror <component> <url> --data-dir <dir>`: a read-only replica that verifies
 * before it keeps anything. It follows the primary as verify --follow does, appends to its
 * own chain.ndjson only the groups whose replay matched (byte for byte the primary's lines),
 * and serves the read API over that copy. It never applies a message nor dispatches a send.
 *
 * Its data dir is opened as run opens one (lock, every line re-checked, a torn tail cut), and
 * its chain replayed again before following resumes, so `run` can later take the same dir over.
 * At a divergence or a fork it stops, keeping exactly what it had verified: the evidence.
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import express from 'express';
import type { CommittedState } from '../chain/chain.js';
import { CHAIN_FILE } from '../chain/chain-file.js';
import { payloadText, type EntryGroup } from '../chain/check.js';
import type { StateData } from '../chain/entry.js';
import { keepComponent } from '../chain/components-dir.js';
import { loadComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import { createApp } from '../http/app.js';
import { canonicalJson } from '../json/canonical.js';
import { createLogger, type LogLevel } from '../log.js';
import { Metrics } from '../metrics.js';
import { FollowStatus } from '../verify/follow-status.js';
import { startFollowing } from '../verify/run-follow.js';
import { integerOption, logLevelOption, MAX_TIMER_MS, OptionChecker, parseListen, readTokenOption, useReadToken, type ListenAddress } from './options.js';
import { DEFAULT_LISTEN, listen, SHUTDOWN_GRACE_MS, STOP_SIGNALS } from './run.js';
import { IDENTITY_FILE, openChain, storageConfig, type StorageConfig } from './storage.js';
import { createHash } from 'node:crypto';
import type { TreeService } from '../http/tlog-routes.js';
import { cosign } from '../tlog/checkpoint.js';
import { loadIdentity, loadOrCreateIdentity, witnessVerifierKey, type Identity } from '../tlog/keys.js';
import { addSignatureLines, parseNote } from '../tlog/note.js';

export interface MirrorConfig {
  component: string;
  primary: string;
  listen: ListenAddress;
  timeoutMs: number;
  maxMemoryMiB: number;
  logLevel: LogLevel;
  storage: StorageConfig;
  /** Cosign every checkpoint verified (C2SP tlog-cosignature), with this name. */
  witness: string | undefined;
  /** The primary's verifier key, for a chain whose genesis records none. */
  key: string | undefined;
}

interface RawMirrorOptions {
  dataDir?: string;
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

export function registerMirror(program: Command): void {
  program
    .command('mirror')
    .description('keep a verified, read-only copy of a running runtime\'s chain and serve its read API')
    .argument('<component>', "the component the primary's chain started with (.wasm; its genesis names it); those it upgrades to are fetched by hash and kept in the data dir")
    .argument('<url>', 'the primary runtime, e.g. http://10.0.0.5:8080')
    .option('--data-dir <dir>', 'where the verified copy (chain.ndjson) is kept; required')
    .option('--listen <host:port>', 'address to serve the read API on; port 0 picks a free port', DEFAULT_LISTEN)
    .option('--fsync <mode>', 'always: an entry is served only once it is on disk; never: leave syncing to the OS', 'always')
    .option('--timeout <ms>', 'how long a replay may make no progress, and a request to the primary may take beyond its long poll', '5000')
    .option('--max-memory <MiB>', "bound on the component's linear memory (as given to run)", '256')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .option('--witness', "be a witness: cosign (C2SP tlog-cosignature/v1) each of the primary's checkpoints once every entry it signs is replayed here; GET /checkpoint serves it with the cosignature")
    .option('--witness-name <name>', "the name the witness cosigns under (default: actorchain-witness/<first 16 hex digits of its key's SHA-256>)")
    .option('--key-file <path>', "the witness's Ed25519 key (PKCS#8 PEM; default: <data dir>/identity.key, created at the first start)")
    .option('--key <verifier key>', "the primary's verifier key, for a chain whose genesis records none")
    .addOption(readTokenOption())
    .action(async (component: string, primary: string, raw: RawMirrorOptions) => {
      useReadToken(raw.token);
      await mirror(mirrorConfig(component, primary, raw));
    });
}

function mirrorConfig(component: string, primary: string, raw: RawMirrorOptions): MirrorConfig {
  const o = new OptionChecker();
  o.check(() => {
    if (!/^https?:\/\//i.test(primary)) throw new ActorchainError('INVALID_OPTION', `the primary must be an http:// or https:// URL (got ${JSON.stringify(primary)})`);
  });
  o.check(() => {
    if (raw.dataDir === undefined) throw new ActorchainError('INVALID_OPTION', '--data-dir is required: the mirror keeps its verified copy there');
  });
  const config: MirrorConfig = {
    component,
    primary,
    listen: o.check(() => parseListen(raw.listen)),
    timeoutMs: o.check(() => integerOption('--timeout', raw.timeout, 1, MAX_TIMER_MS)),
    maxMemoryMiB: o.check(() => integerOption('--max-memory', raw.maxMemory, 1, 65536)),
    logLevel: o.check(() => logLevelOption(raw.logLevel)),
    storage: storageConfig(component, { dataDir: raw.dataDir, fsync: raw.fsync, keyFile: raw.keyFile }, o),
    witness: undefined,
    key: raw.key,
  };
  if (raw.witness === true) config.witness = raw.witnessName ?? '';
  else o.check(() => {
    if (raw.witnessName !== undefined || raw.keyFile !== undefined) throw new ActorchainError('INVALID_OPTION', '--witness-name and --key-file are for a witness: add --witness');
  });
  o.done();
  return Object.freeze(config);
}

interface Witness {
  name: string;
  identity: Identity;
  verifierKey: string;
}

function witnessOf(config: MirrorConfig): Witness {
  const identity = config.storage.keyFile !== undefined ? loadIdentity(config.storage.keyFile) : loadOrCreateIdentity(path.join(config.storage.dataDir!, IDENTITY_FILE)).identity;
  const name = config.witness || `actorchain-witness/${createHash('sha256').update(identity.publicKeyBytes).digest('hex').slice(0, 16)}`;
  return { name, identity, verifierKey: witnessVerifierKey(name, identity.publicKeyBytes) };
}

/** The state a verified state entry records, as the durable view shows it. */
function stateOf(group: EntryGroup): CommittedState {
  const entry = group[1];
  const value = (entry.data as StateData).state;
  return { value, canonical: payloadText(entry) ?? canonicalJson(value) };
}

export async function mirror(config: MirrorConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  const component = await loadComponent(config.component, { maxMemoryMiB: config.maxMemoryMiB });
  const log = logger.child({ actor: component.hash.slice(0, 12), primary: config.primary });
  // The copy may have followed its primary through upgrades: the component given is checked
  // against its genesis by the replay that resumes it, not against the one in use.
  const { chain, failed } = await openChain(config.storage, undefined, log, { copy: true });
  // Components are kept by hash like a runtime's: the one given once the replay has matched it
  // to the genesis, every one fetched from the primary after an upgrade as it is fetched (see
  // `keepIn`), so a restart, or verify <data dir>, finds them all here.
  let kept: Promise<void> | undefined;
  const keepGiven = () => {
    if (kept !== undefined || config.storage.dataDir === null) return;
    kept = keepComponent(config.storage.dataDir, component).catch((err: Error) => log.warn(`could not keep the component in ${config.storage.dataDir}: ${err.message}`));
  };
  const witness = config.witness === undefined ? undefined : witnessOf(config);
  if (witness) log.info({ witness: witness.name, key: witness.verifierKey }, 'a witness: cosigning every checkpoint verified');
  /** The primary's checkpoints verified here (cosigned by a witness), oldest first; served once the copy holds what they sign. */
  const checkpoints: Array<{ size: number; note: string }> = [];
  /** The primary's verifier key, as the follower checked its checkpoints with it. */
  let primaryKey = config.key;
  const status = new FollowStatus();
  const metrics = new Metrics({ chainLength: () => chain.length, queueDepth: () => 0, sendsPending: () => 0 });
  status.register(metrics.registry);

  const refusal = () =>
    new ActorchainError('READ_ONLY_MIRROR', `this is a read-only mirror of ${config.primary}: it takes no messages; POST them to ${config.primary}`);
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Ready while the primary answers and nothing it holds is missing here.
  app.get('/readyz', (_req, res) => {
    res.status(status.caughtUp ? 200 : 503).json({ ready: status.caughtUp, length: status.length, lagEntries: status.lagEntries, lagSeconds: status.lagSeconds });
  });
  // The probes above take the place of the runtime's: a mirror is ready when caught up.
  const treeService: TreeService = {
    tree: chain.tree,
    durableSize: () => chain.durableLength,
    identity: () => {
      const genesis = chain.hashAt(0);
      if (genesis === undefined) return undefined;
      const identity: Record<string, string | boolean> = { genesis };
      if (primaryKey !== undefined) Object.assign(identity, { origin: primaryKey.slice(0, primaryKey.indexOf('+')), key: primaryKey });
      // A witness names its own key; the primary's stays beside it.
      if (witness) Object.assign(identity, { key: witness.verifierKey, witness: witness.name, ...(primaryKey ? { 'primary-key': primaryKey } : {}) });
      return identity;
    },
    checkpoint: () => {
      const held = chain.durableLength;
      return checkpoints.findLast((checkpoint) => checkpoint.size <= held)?.note;
    },
  };
  const httpOptions = { maxBodyBytes: 0, durable: true, metrics, token: null, tokenReads: false, unready: () => undefined, treeService };
  app.use(createApp(chain, { refusal }, httpOptions, log));
  const server = createServer(app);

  let serving = false;
  // The read API needs a chain to show: a new mirror serves once it holds genesis and init.
  const serve = () => {
    if (serving) return;
    serving = true;
    listen(server, config.listen).then(
      (address) => {
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        const { head, length } = chain.durable;
        log.info({ address: `http://${host}:${address.port}`, head, length }, `actorchain listening on http://${host}:${address.port} (mirror of ${config.primary})`);
      },
      (err: ActorchainError) => void stop(1, err),
    );
  };

  let appended: Promise<void> = Promise.resolve();
  // The components the primary upgrades to are fetched from it by hash (and checked).
  const dataDir = config.storage.dataDir ?? undefined;
  const sources = { files: {}, dataDir, url: config.primary, keepIn: dataDir, maxMemoryMiB: config.maxMemoryMiB };
  const following = startFollowing({ given: component, sources }, {
    url: config.primary,
    localFile: chain.length > 0 ? path.join(config.storage.dataDir!, CHAIN_FILE) : undefined,
    sendGroups: true,
    timeoutMs: config.timeoutMs,
    key: config.key,
    onEvent: (event) => {
      status.apply(event);
      if (event.kind === 'resumed' || event.kind === 'verified') keepGiven();
      switch (event.kind) {
        case 'resumed':
          log.info({ head: event.head, length: event.length }, 'own chain replayed; following the primary from its head');
          break;
        case 'verified':
          // Appended in order without waiting for each: the store shares syncs among them.
          for (const group of event.groups!) {
            appended = chain.appendCopy(group, stateOf(group));
            // A failed write is reported once, through `failed`.
            appended.catch(() => {});
          }
          void appended.then(serve, () => {});
          log.debug({ head: event.head, length: event.length, lagEntries: event.lagEntries }, 'verified and kept');
          break;
        case 'checkpoint': {
          const note = witness ? addSignatureLines(event.note, [cosign(parseNote(event.note).text, witness.name, witness.identity, Math.floor(Date.now() / 1000))]) : event.note;
          checkpoints.push({ size: event.size, note });
          primaryKey = event.key;
          // Only the newest few are worth keeping: each is consistent with the ones before.
          if (checkpoints.length > 16) checkpoints.shift();
          log.debug({ size: event.size }, witness ? 'checkpoint verified and cosigned' : 'checkpoint verified');
          break;
        }
        case 'retry':
          log.warn({ attempt: event.attempt, delayMs: event.delayMs }, `the primary does not answer (${event.reason}); retrying`);
          break;
        case 'reconnected':
          log.info({ attempts: event.attempts }, 'the primary answers again');
          break;
      }
    },
  });
  if (chain.length > 0) serve();

  let stopping = false;
  const stop = async (exitCode: number, reason?: ActorchainError): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (reason) log.fatal({ code: reason.code }, `stopping: ${reason.message}`);
    await following.stop();
    chain.endWaits();
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    // Groups verified before the stop are kept; nothing after a divergence ever reached the chain.
    await appended.catch(() => {});
    await kept;
    await chain.close().catch(() => {});
    if (server.listening) await Promise.race([closed, sleep(SHUTDOWN_GRACE_MS)]);
    server.closeAllConnections();
    log.info({ head: status.head, length: chain.length, verified: status.verified, reconnects: status.reconnects, exitCode }, 'actorchain mirror stopped');
    process.exit(exitCode);
  };
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      log.info({ signal }, 'shutting down');
      void stop(0);
    });
  }
  void following.stopped.then((reason) => stop(1, reason));
  void failed.then((reason) => stop(1, reason));
}
