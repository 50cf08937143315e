import { type Command, Option } from 'commander';
import { buildActor, type BuildStage } from '../build/build-actor.js';
import { checkBuild } from '../build/check-build.js';
import { ActorchainError } from '../errors.js';
import { displayPath } from '../build/display-path.js';
import { StepProgress } from './progress.js';

const STEP_LABELS: Record<BuildStage, string> = {
  bundling: 'bundling',
  'type-checking': 'type-checking',
  loading: 'loading the module',
  componentizing: 'componentizing (about five seconds)',
};

function size(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * An option stored under a name of its own: `--check <component>` and `--no-check` would both be
 * `check` to commander, and the second given would overwrite the first.
 */
class OptionNamed extends Option {
  readonly #attribute: string;
  constructor(flags: string, description: string, attribute: string) {
    super(flags, description);
    this.#attribute = attribute;
  }
  override attributeName(): string {
    return this.#attribute;
  }
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('bundle a JavaScript or TypeScript actor module and turn it into a component (componentize-js); the same sources give the same bytes')
    .argument('[source]', 'the module exporting `actor` (.js, .mjs, .ts, .mts)')
    .option('-o, --out <file>', "where to write the component (default: the source's name with .wasm, beside it)")
    .option('--check <component>', 'rebuild <component> and compare hashes (exit 1 if they differ): from the source given, or else from the one its build record names')
    .addOption(new OptionNamed('--no-check', 'skip the TypeScript type check', 'typeCheck'))
    .action(async (source: string | undefined, raw: { out?: string; check?: string; typeCheck?: boolean }) => {
      const progress = new StepProgress();
      const onStage = (s: BuildStage) => progress.step(STEP_LABELS[s]);
      const started = performance.now();
      const stop = stopOnSignals();
      try {
        if (raw.check !== undefined) {
          if (raw.out !== undefined) throw new ActorchainError('INVALID_OPTION', 'build --check <component> takes no --out: it writes nothing');
          const checked = await checkBuild(raw.check, { source, typeCheck: raw.typeCheck !== false, onStage, signal: stop.signal }).finally(() => progress.done());
          process.stdout.write(`reproduced ${displayPath(raw.check)} from ${displayPath(checked.sourcePath)}: sha256 ${checked.sha256}\n`);
          return;
        }
        if (source === undefined) throw new ActorchainError('INVALID_OPTION', 'build needs the actor source (or --check <component>)');
        const result = await buildActor({ source, out: raw.out, check: raw.typeCheck !== false, onStage, signal: stop.signal }).finally(() => progress.done());
        const path = displayPath(result.outPath);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          result.reused ? `${path} (${size(result.bytes)}) is up to date: same bundle and options\n` : `built ${path} (${size(result.bytes)}) in ${seconds} s\n`,
        );
      } finally {
        stop.settle();
      }
    });
}

/**
 * Ctrl-C or SIGTERM during a build: the build is stopped (componentize-js' process, the type
 * check) and removes its files; then this process ends by that signal, as a shell expects of it.
 */
function stopOnSignals(): { signal: AbortSignal; settle(): void } {
  const abort = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const handler = () => {
      received = name;
      abort.abort();
    };
    process.once(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: abort.signal,
    settle: () => {
      for (const [name, handler] of handlers) process.removeListener(name, handler);
      if (received !== undefined) process.kill(process.pid, received);
    },
  };
}
