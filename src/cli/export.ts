import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { resolveChainFile } from '../chain/chain-file.js';
import { ActorchainError } from '../errors.js';

/** The bytes up to the last newline: a line still being written (or torn) is left out. */
async function* wholeLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  for await (const chunk of chunks) {
    const end = chunk.lastIndexOf(0x0a) + 1;
    if (end === 0) {
      held.push(chunk);
      continue;
    }
    yield* held;
    yield chunk.subarray(0, end);
    held = [chunk.subarray(end)];
  }
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a data dir's chain to stdout as NDJSON: the same bytes as its chain.ndjson")
    .argument('<data-dir>', 'the data dir (or a chain .ndjson file)')
    .action(async (source: string) => {
      if (/^https?:\/\//i.test(source)) {
        throw new ActorchainError(
          'CHAIN_SOURCE_UNREADABLE',
          `export reads a data dir or a chain .ndjson file, not a URL (${source}); a runtime's chain is at ${source.replace(/\/$/, '')}/chain (GET /chain pages), and actorchain mirror keeps a copy of it in a data dir`,
        );
      }
      const file = await resolveChainFile(source);
      try {
        await pipeline(createReadStream(file), wholeLines, process.stdout);
      } catch (err) {
        // A reader that stops early (| head) is not an error.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot export ${file}: ${(err as Error).message}`, { cause: err });
      }
    });
}
