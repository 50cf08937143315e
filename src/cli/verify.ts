import type { Command } from 'commander';
import { ActorchainError } from '../errors.js';
import { isUrl } from '../verify/source.js';
import { replayComponents, VERIFY_DEFAULTS, verifyChain } from '../verify/verify-chain.js';
import { integerOption, MAX_TIMER_MS, OptionChecker, parseListen, readTokenOption, useReadToken } from './options.js';
import { Progress } from './progress.js';

interface VerifyRawOptions {
  maxMemory: string;
  timeout: string;
  follow?: boolean;
  metrics?: string;
  token?: string;
  key?: string;
  component: string[];
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check every hash and link of a chain, then replay it with the component and compare every state and send')
    .argument(
      '[component]',
      "the component the chain's genesis names (.wasm); without it, the components the chain names are taken by hash from --component, the data dir or the runtime",
    )
    .argument('[source]', 'a data dir, a chain .ndjson file, or the URL of a running runtime')
    .option(
      '--component <file>',
      'a component the chain names (genesis or upgrade), matched by hash; repeatable',
      (file: string, files: string[]) => [...files, file],
      [] as string[],
    )
    .option('--max-memory <MiB>', "bound on the component's linear memory (as given to run)", String(VERIFY_DEFAULTS.maxMemoryMiB))
    .option('--timeout <ms>', 'how long the replay may make no progress (a component stuck on an entry) before verify stops it', String(VERIFY_DEFAULTS.timeoutMs))
    .option('--follow', 'with a runtime URL: after the chain, keep replaying every new entry until stopped (SIGINT or SIGTERM)')
    .option('--metrics <host:port>', 'with --follow: serve GET /metrics (entries verified, lag, reconnects) on this address')
    .option('--key <verifier key>', "the chain's verifier key, to check the checkpoints of a chain whose genesis records none (made before keys)")
    .addOption(readTokenOption())
    .action(async (first: string | undefined, second: string | undefined, raw: VerifyRawOptions) => {
      useReadToken(raw.token);
      // verify <source>, or verify <component.wasm> <source> as before upgrades.
      const [componentFile, source] = second === undefined ? [undefined, first] : [first, second];
      const o = new OptionChecker();
      if (source === undefined) {
        o.check(() => {
          throw new ActorchainError('INVALID_OPTION', 'verify needs a source: a data dir, a chain .ndjson file, or the URL of a running runtime');
        });
      }
      const maxMemoryMiB = o.check(() => integerOption('--max-memory', raw.maxMemory, 1, 65536));
      const timeoutMs = o.check(() => integerOption('--timeout', raw.timeout, 1, MAX_TIMER_MS));
      if (raw.follow && source !== undefined && !isUrl(source)) {
        o.check(() => {
          throw new ActorchainError('INVALID_OPTION', `--follow needs the URL of a running runtime (got ${source}); a file does not grow under verify`);
        });
      }
      const metrics = raw.metrics === undefined ? undefined : o.check(() => parseListen(raw.metrics!));
      if (raw.metrics !== undefined && !raw.follow) {
        o.check(() => {
          throw new ActorchainError('INVALID_OPTION', '--metrics goes with --follow: a one-off verify ends before anything could scrape it');
        });
      }
      o.done();
      if (source === undefined) return;
      const given = { component: componentFile, components: raw.component, maxMemoryMiB };
      // --follow serves metrics: its modules (prom-client, the HTTP server's) are loaded only for it.
      if (raw.follow) return (await import('./follow.js')).verifyFollow(await replayComponents(source, given), source, timeoutMs, metrics, raw.key);
      const progress = new Progress('verifying', isUrl(source) ? 'entries' : 'bytes');
      const { summary, checkpoint } = await verifyChain(source, { ...given, timeoutMs, key: raw.key, onProgress: progress.update }).finally(() => progress.done());
      if (summary.tail) {
        process.stderr.write(
          `actorchain: warning: not part of the chain, not verified: ${summary.tail.bytes} bytes from line ${summary.tail.line}: ${summary.tail.reason}\n`,
        );
      }
      const seconds = summary.elapsedMs / 1000;
      const rate = Math.round(summary.entries / seconds).toLocaleString('en-US');
      process.stdout.write(`verified ${summary.entries} entries, head ${summary.head}, in ${seconds.toFixed(2)} s (${rate} entries/s)\n`);
      process.stdout.write(`${checkpoint}\n`);
    });
}
