import type { Command } from 'commander';
import { compactDataDir } from '../chain/compact.js';

export function registerCompact(program: Command): void {
  program
    .command('compact')
    .description(
      "seal a stopped runtime's data dir: its whole groups moved into chain.sealed, each state stored as its change (a plain data dir is converted to the compacted layout)",
    )
    .argument('<data-dir>', 'the data dir (its lock is taken: stop the runtime first)')
    .action(async (dir: string) => {
      const done = await compactDataDir(dir, (message) => process.stderr.write(`actorchain: ${message}\n`));
      process.stdout.write(
        `sealed ${done.entries} entries (${done.canonicalBytes} canonical bytes); chain.sealed is ${done.sealedBytes} bytes, and ${done.plainBytes} bytes follow in chain.ndjson\n`,
      );
    });
}
