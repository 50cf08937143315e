/**
 * `actorchain verify <component> <url> --follow`: replay what the runtime holds, then every
 * group it commits, until it diverges or forks (exit 1) or the user stops it (exit 0).
 */
import type { LoadedComponent } from '../component/load.js';
import type { ActorchainError } from '../errors.js';
import { FollowStatus } from '../verify/follow-status.js';
import { startFollowing } from '../verify/run-follow.js';

export async function verifyFollow(component: LoadedComponent, url: string, timeoutMs: number): Promise<void> {
  const status = new FollowStatus();
  const live = process.stdout.isTTY;
  const following = startFollowing(component, {
    url,
    sendGroups: false,
    timeoutMs,
    onEvent: (event) => {
      status.apply(event);
      if (event.kind === 'verified') {
        const behind = event.lagEntries > 0 ? `, ${event.lagEntries} behind` : '';
        const line = `verified ${event.entries} entries, head ${event.head}, length ${event.length}${behind}`;
        // On a terminal one line that keeps up; in a pipe or a log a line per batch.
        process.stdout.write(live ? `\r\x1b[K${line} (${status.verified} this session)` : `${line}\n`);
      } else if (event.kind === 'retry') {
        process.stderr.write(`${live ? '\n' : ''}actorchain: ${url} does not answer (${event.reason}); retrying in ${event.delayMs} ms (attempt ${event.attempt})\n`);
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
  if (live) process.stdout.write('\n');
  if (typeof outcome !== 'string') throw outcome satisfies ActorchainError;
  process.stdout.write(
    `stopped following (${outcome}): verified ${status.verified} entries, head ${status.head ?? 'none'}, length ${status.length}, ` +
      `${status.reconnects} reconnects\n`,
  );
}
