/**
 * `actorchain dev <actor.ts|js>`: the author's loop. Builds the actor, serves it, watches the
 * files it is bundled from, and on every save rebuilds it and upgrades the running actor live,
 * as POST /upgrade does: one chain, whose history goes on through every version.
 *
 *   save ─► build ─┬─ error: printed; the last good version keeps serving
 *                  └─ ok: upgraded between two messages (an upgrade entry, then the state the
 *                         new code takes over: its migrate's, or carried over, checked by its
 *                         state-contract); messages after it are applied by the new code
 *                         └─ refused (state-contract, migrate traps): printed with the reason;
 *                            the last good version keeps serving
 *
 * In memory unless --data-dir is given. There, a chain an earlier session left running another
 * component is upgraded offline at the start (actorchain upgrade). Only when the new code cannot
 * take its state over is the old way taken: the chain is moved aside into
 * <data-dir>/replaced/<time>/ (never deleted) and its messages replayed through the new code into
 * a new chain, those it refuses reported and skipped.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { Command } from 'commander';
import { recentTraffic } from '../actor/upgrade.js';
import { buildActor } from '../build/build-actor.js';
import { displayPath } from '../build/display-path.js';
import { KeptComponents } from '../chain/components-dir.js';
import { loadComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import { createLogger, defaultLogFormat, type LogFormat, type LogLevel } from '../log.js';
import { DEFAULT_LISTEN, isLoopback, listen } from '../runtime/listen.js';
import { startFirstVersion, stopVersion, type Serving, type VersionContext } from './dev-version.js';
import { logFormatOption, logLevelOption, OptionChecker, parseListen, type ListenAddress } from './options.js';

interface DevConfig {
  source: string;
  out: string | undefined;
  check: boolean;
  listen: ListenAddress;
  dataDir: string | null;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

const REBUILD_DEBOUNCE_MS = 100;

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('build an actor, serve it, and on every save rebuild it and upgrade the running actor to the new code (its history goes on)')
    .argument('<source>', 'the module exporting `actor` (.js, .mjs, .ts, .mts)')
    .option('-o, --out <file>', "where to write the component (default: the source's name with .wasm, beside it)")
    .option('--no-check', 'skip the TypeScript type check')
    .option('--listen <host:port>', `address to listen on, as run takes it (default ${DEFAULT_LISTEN})`, DEFAULT_LISTEN)
    .option('--data-dir <dir>', 'keep the chain in this data dir (default: in memory); a chain the new code cannot take over is moved into <dir>/replaced/')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (debug shows every refusal with its reason)', 'debug')
    .option('--log-format <format>', 'json or pretty (default: pretty on a terminal, json otherwise)')
    .action(async (source: string, raw: { out?: string; check: boolean; listen: string; dataDir?: string; logLevel: string; logFormat?: string }) => {
      const o = new OptionChecker();
      const config: DevConfig = {
        source,
        out: raw.out,
        check: raw.check,
        listen: o.check(() => parseListen(raw.listen)),
        dataDir: raw.dataDir === undefined ? null : path.resolve(raw.dataDir),
        logLevel: o.check(() => logLevelOption(raw.logLevel)),
        logFormat: o.check(() => (raw.logFormat === undefined ? defaultLogFormat() : logFormatOption(raw.logFormat))),
      };
      o.done();
      await dev(config);
    });
}

function starting(_req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify(new ActorchainError('ACTOR_UNAVAILABLE', 'the actor is being built; retry in a moment').toJSON());
  res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '1' }).end(body);
}

export async function dev(config: DevConfig): Promise<void> {
  const log = createLogger(config.logLevel, 1, config.logFormat);
  const server = createServer(starting);
  const address = await listen(server, config.listen);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  if (!isLoopback(address.address))
    log.warn({ address: address.address }, `listening on ${address.address}, beyond this machine: dev has no --token, anyone who reaches it can post messages`);
  let handler: RequestListener = starting;
  server.removeAllListeners('request');
  server.on('request', (req, res) => handler(req, res));

  let serving: Serving | undefined;
  const kept = new KeptComponents(config.dataDir);
  const context: VersionContext = { dataDir: config.dataDir, log, kept };
  let watchers: FSWatcher[] = [];
  let watched: string[] = [path.resolve(config.source)];
  let building = false;
  let again = false;
  /** The build under way, stopped at shutdown; and the rebuild it is part of, waited for. */
  let buildAbort: AbortController | undefined;
  let lastRebuild: Promise<void> = Promise.resolve();
  let stopping = false;

  const rebuild = (): Promise<void> => {
    if (stopping) return lastRebuild;
    if (building) {
      again = true;
      return lastRebuild;
    }
    return (lastRebuild = rebuildOnce());
  };
  const rebuildOnce = async (): Promise<void> => {
    building = true;
    try {
      const started = performance.now();
      let built;
      try {
        buildAbort = new AbortController();
        built = await buildActor({ source: config.source, out: config.out, check: config.check, signal: buildAbort.signal });
      } catch (err) {
        if (stopping) return;
        if (!(err instanceof ActorchainError)) throw err;
        for (const problem of err.all) log.error({ code: problem.code }, `build failed: ${problem.message}`);
        log.info(serving ? 'the last good version keeps serving; save again to retry' : 'nothing serves yet; save again to retry');
        return;
      }
      if (stopping) return;
      watched = built.inputs.length > 0 ? built.inputs : watched;
      // While a version serves, the new one is transpiled beside it, not in its way.
      const warmWith = serving === undefined ? undefined : await recentTraffic(serving.actor.chain);
      const component = await loadComponent(built.outPath, { maxMemoryMiB: 256, offThread: serving !== undefined, warmWith });
      if (serving?.component.hash === component.hash) return void log.info('no change to the component');
      log.info({ ms: Math.round(performance.now() - started) }, `built ${displayPath(built.outPath)}`);
      if (serving) {
        // Upgraded live, between two messages: the chain, the address and the actor stay.
        const actorLog = log.child({ actor: component.hash.slice(0, 12) });
        try {
          const upgraded = await serving.actor.upgradeLive(component, () => kept.keepFile(component));
          serving.component = component;
          actorLog.info(
            { upgrade: upgraded.upgrade, head: upgraded.head, state: upgraded.state.value },
            `upgraded to the new code: ${displayPath(built.outPath)} (${component.hash.slice(0, 12)})`,
          );
        } catch (err) {
          if (!(err instanceof ActorchainError)) throw err;
          const why = err.reason ?? err.detail;
          actorLog.error({ code: err.code, ...(why === undefined ? {} : { reason: why }) }, `upgrade refused: ${err.message}`);
          log.info('the last good version keeps serving; save again to retry');
          return;
        }
      } else {
        serving = await startFirstVersion(context, component, built.outPath);
      }
      handler = serving.app;
      log.info(
        { url, head: serving.actor.chain.head, length: serving.actor.chain.length },
        `serving ${displayPath(config.source)} on ${url} (watching ${watched.length} file${watched.length === 1 ? '' : 's'})`,
      );
    } finally {
      building = false;
      if (!stopping) {
        watch_();
        if (again) {
          again = false;
          void rebuild();
        }
      }
    }
  };

  /** Watch the files the last build bundled (again after each build: an editor may replace a file). */
  const watch_ = () => {
    for (const w of watchers) w.close();
    let timer: NodeJS.Timeout | undefined;
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void rebuild(), REBUILD_DEBOUNCE_MS);
    };
    watchers = watched.filter((file) => existsSync(file)).map((file) => watch(file, changed));
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // A build under way is stopped (its componentize-js process with it), then the actor.
      stopping = true;
      buildAbort?.abort();
      for (const w of watchers) w.close();
      server.close();
      server.closeAllConnections();
      void lastRebuild
        .catch(() => {})
        .then(() => (serving ? stopVersion(serving) : undefined))
        .finally(() => process.exit(0));
    });
  }
  await rebuild();
}
