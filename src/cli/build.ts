import type { Command } from 'commander';
import { buildActor, type BuildStage } from '../build/build-actor.js';
import { displayPath } from '../build/display-path.js';
import { StepProgress } from './progress.js';

const STEP_LABELS: Record<BuildStage, string> = {
  bundling: 'bundling',
  'type-checking': 'type-checking',
  loading: 'loading the module',
  componentizing: 'componentizing (about ten seconds)',
};

function size(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('bundle a JavaScript or TypeScript actor module and turn it into a component (componentize-js)')
    .argument('<source>', 'the module exporting `actor` (.js, .mjs, .ts, .mts)')
    .option('-o, --out <file>', "where to write the component (default: the source's name with .wasm, beside it)")
    .option('--no-check', 'skip the TypeScript type check')
    .action(async (source: string, raw: { out?: string; check: boolean }) => {
      const progress = new StepProgress();
      const started = performance.now();
      const result = await buildActor({ source, out: raw.out, check: raw.check, onStage: (s) => progress.step(STEP_LABELS[s]) }).finally(() =>
        progress.done(),
      );
      const path = displayPath(result.outPath);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        result.reused ? `${path} (${size(result.bytes)}) is up to date: same bundle and options\n` : `built ${path} (${size(result.bytes)}) in ${seconds} s\n`,
      );
    });
}
