import type { Command } from 'commander';
import { compactDataDir } from '../chain/compact.js';

export function registerCompact(program: Command): void {
  program
    .command('compact')
    .description("convert a stopped runtime's data dir to the compacted layout: older entries sealed in chain.sealed, each state stored as its change")
    .argument('<data-dir>', 'the data dir (its lock is taken: stop the runtime first)')
    .action(async (dir: string) => {
      const done = await compactDataDir(dir, (message) => process.stderr.write(`actorchain: ${message}\n`));
      const ratio = done.canonicalBytes === 0 ? 0 : (100 * done.sealedBytes) / done.canonicalBytes;
      process.stdout.write(
        `compacted ${done.entries} entries: ${done.canonicalBytes} canonical bytes in ${done.sealedBytes} (${ratio.toFixed(2)} %); ${done.plainBytes} bytes follow in chain.ndjson\n`,
      );
    });
}
