/**
 * A mirror composed and started: a read-only replica that verifies before it keeps anything
 * (see src/cli/mirror.ts). `createMirror` is the programmatic API (exported from the
 * package); `actorchain mirror` parses its flags into the same MirrorConfig and calls
 * `startMirror`.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import path from 'node:path';
import express from 'express';
import type { CommittedState } from '../chain/chain.js';
import { CHAIN_FILE } from '../chain/chain-file.js';
import { payloadText, type EntryGroup } from '../chain/check.js';
import type { StateData } from '../chain/entry.js';
import { ActorchainError } from '../errors.js';
import { createApp } from '../http/app.js';
import type { TreeService } from '../http/tlog-routes.js';
import { canonicalJson } from '../json/canonical.js';
import { createLogger } from '../log.js';
import { Metrics } from '../metrics.js';
import { cosign } from '../tlog/checkpoint.js';
import { loadIdentity, loadOrCreateIdentity, witnessVerifierKey, type Identity } from '../tlog/keys.js';
import { addSignatureLines, parseNote } from '../tlog/note.js';
import { FollowStatus } from '../verify/follow-status.js';
import { startFollowing } from '../verify/run-follow.js';
import { useReadToken } from '../cli/options.js';
import { IDENTITY_FILE, openChain } from '../cli/storage.js';
import { addressUrl, listen } from './listen.js';
import { MirrorComponents } from './mirror-components.js';
import { mirrorOptionsConfig, type MirrorConfig, type MirrorOptions } from './mirror-config.js';
import { stopAccepting, serviceHandle, stopOnce, type Service, type StopOutcome } from './shutdown.js';

/** A started mirror, as createMirror gives it. */
export interface Mirror {
  /** The base URL it serves the read API on, such as http://127.0.0.1:43117/. */
  url: string;
  /** The hash of the newest entry verified and on disk here. */
  head(): string;
  /** Stop as SIGTERM stops `actorchain mirror`: what was verified kept, the data dir's lock released. */
  close(): Promise<void>;
  /** Settles when the mirror has stopped: closed (exit code 0), or by itself (1, with the reason: a divergence, a fork). */
  stopped: Promise<StopOutcome>;
}

/** What the CLI holds of a started mirror: it serves once it holds genesis and init, maybe later. */
export interface StartedMirror extends Service {
  /** Resolves with the base URL once the read API is served (never, if it stops first). */
  listening: Promise<string>;
  head(): string;
  close(): Promise<void>;
}

/**
 * Start a mirror. Options are `actorchain mirror`'s flags under their camelCase names; it
 * resolves once the read API is served (a new mirror: once it holds the primary's genesis
 * and init), and rejects if the mirror stops before (its reason).
 */
export async function createMirror(options: MirrorOptions): Promise<Mirror> {
  const config = mirrorOptionsConfig(options);
  useReadToken(options.token);
  const started = await startMirror(config);
  const url = await Promise.race([
    started.listening,
    started.stopped.then(({ reason }) => {
      throw reason ?? new ActorchainError('ACTOR_UNAVAILABLE', 'the mirror stopped before it served');
    }),
  ]);
  return { url, head: started.head, close: started.close, stopped: started.stopped };
}

interface Witness {
  name: string;
  identity: Identity;
  verifierKey: string;
}

function witnessOf(config: MirrorConfig): Witness {
  const identity =
    config.storage.keyFile !== undefined ? loadIdentity(config.storage.keyFile) : loadOrCreateIdentity(path.join(config.storage.dataDir!, IDENTITY_FILE)).identity;
  const name = config.witness || `actorchain-witness/${createHash('sha256').update(identity.publicKeyBytes).digest('hex').slice(0, 16)}`;
  return { name, identity, verifierKey: witnessVerifierKey(name, identity.publicKeyBytes) };
}

/** The state a verified state entry records, as the durable view shows it. */
function stateOf(group: EntryGroup): CommittedState {
  const entry = group[1];
  const value = (entry.data as StateData).state;
  return { value, canonical: payloadText(entry) ?? canonicalJson(value) };
}

export async function startMirror(config: MirrorConfig): Promise<StartedMirror> {
  const logger = createLogger(config.logLevel, 1, undefined, config.logDestination);
  // Kept by hash in the data dir and served as a runtime's are (mirror-components.ts).
  const components = await MirrorComponents.load(config);
  const given = components.replay.given;
  const log = logger.child({ ...(given ? { actor: given.hash.slice(0, 12) } : {}), primary: config.primary });
  // The copy may have followed its primary through upgrades: the component given is checked
  // against its genesis by the replay that resumes it, not against the one in use.
  const { chain, failed, componentHash } = await openChain(config.storage, undefined, log, { copy: true });
  components.opened(componentHash);
  let witness: Witness | undefined;
  try {
    witness = config.witness === undefined ? undefined : witnessOf(config);
  } catch (err) {
    await chain.close().catch(() => {});
    throw err;
  }
  if (witness) log.info({ witness: witness.name, key: witness.verifierKey }, 'a witness: cosigning every checkpoint verified');
  /** The primary's checkpoints verified here (cosigned by a witness), oldest first; served once the copy holds what they sign. */
  const checkpoints: Array<{ size: number; note: string }> = [];
  /** The primary's verifier key, as the follower checked its checkpoints with it. */
  let primaryKey = config.key;
  const status = new FollowStatus();
  const metrics = new Metrics({ chainLength: () => chain.length, queueDepth: () => 0, sendsPending: () => 0 });
  status.register(metrics.registry);

  const refusal = () => new ActorchainError('READ_ONLY_MIRROR', `this is a read-only mirror of ${config.primary}: it takes no messages; POST them to ${config.primary}`);
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
  const httpOptions = { maxBodyBytes: 0, durable: true, metrics, token: null, tokenReads: false, unready: () => undefined, treeService, componentService: components };
  app.use(createApp(chain, { refusal }, httpOptions, log));
  const server = createServer(app);

  let serving = false;
  let served!: (url: string) => void;
  const listening = new Promise<string>((resolve) => (served = resolve));
  // The read API needs a chain to show: a new mirror serves once it holds genesis and init.
  const serve = () => {
    if (serving) return;
    serving = true;
    listen(server, config.listen).then(
      (address) => {
        const url = addressUrl(address);
        const { head, length } = chain.durable;
        log.info({ address: url, head, length }, `actorchain listening on ${url} (mirror of ${config.primary})`);
        served(`${url}/`);
      },
      (err: ActorchainError) => void stopper.stop(1, err),
    );
  };

  let appended: Promise<void> = Promise.resolve();
  const following = startFollowing(components.replay, {
    url: config.primary,
    localFile: chain.length > 0 ? path.join(config.storage.dataDir!, CHAIN_FILE) : undefined,
    sendGroups: true,
    timeoutMs: config.timeoutMs,
    key: config.key,
    onEvent: (event) => {
      status.apply(event);
      if (event.kind === 'resumed' || event.kind === 'verified') components.keepGiven(log);
      switch (event.kind) {
        case 'resumed':
          components.resumed(event.component);
          log.info({ head: event.head, length: event.length }, 'own chain replayed; following the primary from its head');
          break;
        case 'verified':
          // Appended in order without waiting for each: the store shares syncs among them.
          for (const group of event.groups!) {
            appended = chain.appendCopy(group, stateOf(group));
            // A failed write is reported once, through `failed`.
            appended.catch(() => {});
            components.appending(group, appended);
          }
          void appended.then(serve, () => {});
          log.debug({ head: event.head, length: event.length, lagEntries: event.lagEntries }, 'verified and kept');
          break;
        case 'checkpoint': {
          const note = witness
            ? addSignatureLines(event.note, [cosign(parseNote(event.note).text, witness.name, witness.identity, Math.floor(Date.now() / 1000))])
            : event.note;
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

  const stopper = stopOnce(async (exitCode, reason) => {
    if (reason) log.fatal({ code: reason.code }, `stopping: ${reason.message}`);
    await following.stop();
    chain.endWaits();
    const accepting = stopAccepting(server);
    // Groups verified before the stop are kept; nothing after a divergence ever reached the chain.
    await appended.catch(() => {});
    await components.settled();
    await chain.close().catch(() => {});
    await accepting.drained(server.listening);
    log.info({ head: status.head, length: chain.length, verified: status.verified, reconnects: status.reconnects, exitCode }, 'actorchain mirror stopped');
  });
  void following.stopped.then((reason) => stopper.stop(1, reason));
  void failed.then((reason) => stopper.stop(1, reason));
  return {
    listening,
    ...serviceHandle(() => chain.durable.head, stopper, log),
  };
}
