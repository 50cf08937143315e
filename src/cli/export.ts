import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { openChainBytes } from '../chain/chain-bytes.js';
import { resolveChainFile } from '../chain/chain-file.js';
import { LineChunks } from '../chain/line-source.js';
import { ActorchainError } from '../errors.js';

/**
 * The chain's canonical bytes (a compacted data dir's rebuilt), as they are now, in chunks of
 * whole lines: a line still being written (or torn) is left out.
 */
async function* chainLines(file: string): AsyncGenerator<Buffer> {
  const chain = await openChainBytes(file);
  try {
    const { size } = await chain.stat();
    for await (const { lines } of new LineChunks(chain, 0, size)) if (lines.length > 0) yield lines;
  } finally {
    await chain.close();
  }
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a data dir's chain as canonical NDJSON (a compacted one's too): one entry's canonical bytes a line, what a plain chain.ndjson holds")
    .argument('<data-dir>', 'the data dir (or a chain .ndjson file)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (source: string, options: { output?: string }) => {
      if (/^https?:\/\//i.test(source)) {
        throw new ActorchainError(
          'CHAIN_SOURCE_UNREADABLE',
          `export reads a data dir or a chain .ndjson file, not a URL (${source}); a runtime's chain is at ${source.replace(/\/$/, '')}/chain (GET /chain pages), and actorchain mirror keeps a copy of it in a data dir`,
        );
      }
      const file = await resolveChainFile(source);
      try {
        await pipeline(chainLines(file), options.output === undefined ? process.stdout : createWriteStream(options.output));
      } catch (err) {
        if (err instanceof ActorchainError) throw err;
        // A reader that stops early (| head) is not an error.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot export ${file}: ${(err as Error).message}`, { cause: err });
      }
    });
}
