import type { Command } from 'commander';
import { loadComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import { runReplayCheck } from '../verify/run-replay-check.js';
import { isUrl } from '../verify/source.js';
import { integerOption, MAX_TIMER_MS, OptionChecker, readTokenOption, useReadToken } from './options.js';
import { Progress } from './progress.js';
import { humanReport } from './replay-report.js';

interface ReplayCheckRawOptions {
  last?: string;
  json?: boolean;
  maxMemory: string;
  timeout: string;
  token?: string;
}

export function registerReplayCheck(program: Command): void {
  program
    .command('replay-check')
    .description(
      "run a chain's recorded messages through a new component, from the states they were applied to, and report each message it would answer differently (exit 1 if any)",
    )
    .argument('<component>', 'the new component (.wasm)')
    .argument('<source>', 'a data dir, a chain .ndjson file, or the URL of a running runtime')
    .option('--last <N>', 'run only the last N messages')
    .option('--json', 'print the report as JSON')
    .option('--max-memory <MiB>', "bound on the component's linear memory", '256')
    .option('--timeout <ms>', 'how long the new component may run one message (or the source give nothing) before it is stopped', '5000')
    .addOption(readTokenOption())
    .action(async (componentFile: string, source: string, raw: ReplayCheckRawOptions) => {
      useReadToken(raw.token);
      const o = new OptionChecker();
      const last = raw.last === undefined ? undefined : o.check(() => integerOption('--last', raw.last!, 1));
      const maxMemoryMiB = o.check(() => integerOption('--max-memory', raw.maxMemory, 1, 65536));
      const timeoutMs = o.check(() => integerOption('--timeout', raw.timeout, 1, MAX_TIMER_MS));
      o.done();
      const component = await loadComponent(componentFile, { maxMemoryMiB });
      const progress = new Progress('replay-check', isUrl(source) ? 'entries' : 'bytes');
      const report = await runReplayCheck(component, source, { last, timeoutMs, maxMemoryMiB, onProgress: progress.update }).finally(() => progress.done());
      process.stdout.write(raw.json ? `${JSON.stringify(report, null, 2)}\n` : humanReport(report));
      if (report.differences.length > 0) {
        const first = report.differences[0]!;
        throw new ActorchainError(
          'REPLAY_DIFFERS',
          `the component ${component.hash} answers ${report.differences.length} of the ${report.checked} messages run differently from the chain, the first at position ${first.position} (${first.hash}); see the report above`,
        );
      }
    });
}
