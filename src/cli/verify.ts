import type { Command } from 'commander';
import { loadComponent } from '../component/load.js';
import { openSource, isUrl } from '../verify/source.js';
import { verifyChain } from '../verify/verify.js';
import { integerOption } from './options.js';
import { Progress } from './progress.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check every hash and link of a chain, then replay it with the component and compare every state and send')
    .argument('<component>', 'the component the chain claims to come from (.wasm)')
    .argument('<source>', 'a data dir, a chain .ndjson file, or the URL of a running runtime')
    .option('--max-memory <MiB>', "bound on the component's linear memory (as given to run)", '256')
    .action(async (componentFile: string, source: string, raw: { maxMemory: string }) => {
      const component = await loadComponent(componentFile, { maxMemoryMiB: integerOption('--max-memory', raw.maxMemory, 1, 65536) });
      if (component.imports.nondeterministic.length > 0) {
        process.stderr.write(
          `actorchain: warning: the component imports ${component.imports.nondeterministic.join(', ')}; ` +
            'a replay that reads them can diverge from the recorded chain\n',
        );
      }
      const progress = new Progress('verifying', isUrl(source) ? 'entries' : 'bytes');
      const chain = await openSource(source, { componentHash: component.hash, onProgress: progress.update });
      const summary = await verifyChain(component, chain).finally(() => progress.done());
      if (summary.tail) {
        process.stderr.write(`actorchain: warning: not part of the chain, not verified: ${summary.tail.bytes} bytes from line ${summary.tail.line}: ${summary.tail.reason}\n`);
      }
      const seconds = summary.elapsedMs / 1000;
      const rate = Math.round(summary.entries / seconds).toLocaleString('en-US');
      process.stdout.write(
        `verified ${summary.entries} entries, head ${summary.head}, in ${seconds.toFixed(2)} s (${rate} entries/s)\n`,
      );
    });
}
