import type { Command } from 'commander';
import { buildActor, type BuildStage, checkBuild } from '../build/build-actor.js';
import { ActorchainError } from '../errors.js';
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
    .description('bundle a JavaScript or TypeScript actor module and turn it into a component (componentize-js); the same sources give the same bytes')
    .argument('[source]', 'the module exporting `actor` (.js, .mjs, .ts, .mts)')
    .option('-o, --out <file>', "where to write the component (default: the source's name with .wasm, beside it)")
    .option('--check <component>', 'rebuild <component> from the source its build record names and compare hashes (exit 1 if they differ)')
    .option('--no-check', 'skip the TypeScript type check')
    .action(async (source: string | undefined, raw: { out?: string; check?: string | boolean }) => {
      const progress = new StepProgress();
      const onStage = (s: BuildStage) => progress.step(STEP_LABELS[s]);
      const started = performance.now();
      if (typeof raw.check === 'string') {
        if (source !== undefined || raw.out !== undefined) {
          throw new ActorchainError('INVALID_OPTION', 'build --check <component> takes no source and no --out: the source is the one the build record names');
        }
        const checked = await checkBuild(raw.check, onStage).finally(() => progress.done());
        process.stdout.write(`reproduced ${displayPath(raw.check)} from ${displayPath(checked.sourcePath)}: sha256 ${checked.sha256}\n`);
        return;
      }
      if (source === undefined) throw new ActorchainError('INVALID_OPTION', 'build needs the actor source (or --check <component>)');
      const result = await buildActor({ source, out: raw.out, check: raw.check !== false, onStage }).finally(() => progress.done());
      const path = displayPath(result.outPath);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        result.reused ? `${path} (${size(result.bytes)}) is up to date: same bundle and options\n` : `built ${path} (${size(result.bytes)}) in ${seconds} s\n`,
      );
    });
}
