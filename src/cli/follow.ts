/**
 * `actorchain verify <component> <url> --follow`: replay what the runtime holds, then every
 * group it commits, until it diverges or forks (exit 1) or the user stops it (exit 0).
 */
import { createServer, type Server } from 'node:http';
import { Registry } from 'prom-client';
import type { ReplayComponents } from '../verify/component-source.js';
import type { ActorchainError } from '../errors.js';
import { FollowStatus } from '../verify/follow-status.js';
import { startFollowing } from '../verify/run-follow.js';
import type { ListenAddress } from './options.js';
import { listen } from '../runtime/listen.js';

/** `GET /metrics` with the follower's status, for a scraper watching a long-running follow. */
async function serveMetrics(status: FollowStatus, address: ListenAddress): Promise<Server> {
  const registry = new Registry();
  status.register(registry);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"only GET /metrics is served here"}}');
    }
  });
  const { address: host, port, family } = await listen(server, address);
  process.stderr.write(`actorchain: metrics on http://${family === 'IPv6' ? `[${host}]` : host}:${port}/metrics\n`);
  return server;
}

export async function verifyFollow(components: ReplayComponents, url: string, timeoutMs: number, metrics?: ListenAddress, key?: string): Promise<void> {
  const status = new FollowStatus();
  const metricsServer = metrics && (await serveMetrics(status, metrics));
  const live = process.stdout.isTTY;
  const following = startFollowing(components, {
    url,
    sendGroups: false,
    timeoutMs,
    key,
    onEvent: (event) => {
      status.apply(event);
      if (event.kind === 'verified') {
        const behind = event.lagEntries > 0 ? `, ${event.lagEntries} behind` : '';
        const line = `verified ${event.entries} entries, head ${event.head}, length ${event.length}${behind}`;
        // On a terminal one line that keeps up; in a pipe or a log a line per batch.
        process.stdout.write(live ? `\r\x1b[K${line} (${status.verified} this session)` : `${line}\n`);
      } else if (event.kind === 'retry') {
        process.stderr.write(`${live ? '\n' : ''}actorchain: ${url} does not answer (${event.reason}); retrying in ${event.delayMs} ms (attempt ${event.attempt})\n`);
      } else if (event.kind === 'checkpoint') {
        if (!live) process.stdout.write(`checkpoint of ${event.size} entries: signature and root checked\n`);
      } else if (event.kind === 'reconnected') {
        process.stderr.write(`actorchain: ${url} answers again after ${event.attempts} failed attempts; following on\n`);
      }
    },
  });
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
  const outcome = await Promise.race([following.stopped, signalled]);
  await following.stop();
  metricsServer?.closeAllConnections();
  metricsServer?.close();
  if (live) process.stdout.write('\n');
  if (typeof outcome !== 'string') throw outcome satisfies ActorchainError;
  process.stdout.write(
    `stopped following (${outcome}): verified ${status.verified} entries, head ${status.head ?? 'none'}, length ${status.length}, ` + `${status.reconnects} reconnects\n`,
  );
}
