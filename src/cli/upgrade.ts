import type { Command } from 'commander';
import { upgradeDataDir } from '../actor/upgrade.js';
import { loadComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import { runReplayCheck } from '../verify/run-replay-check.js';
import { integerOption, MAX_TIMER_MS, OptionChecker } from './options.js';
import { Progress } from './progress.js';
import { humanReport } from './replay-report.js';

interface UpgradeRawOptions {
  dryRun?: boolean;
  last?: string;
  maxMemory: string;
  timeout: string;
}

export function registerUpgrade(program: Command): void {
  program
    .command('upgrade')
    .description("switch a stopped runtime's chain to another component, keeping its history (an upgrade entry and the state the new component takes over)")
    .argument('<dataDir>', "the stopped runtime's data dir")
    .argument('<component>', 'the new component (.wasm); its migrate, if it exports one, converts the state')
    .option(
      '--dry-run',
      "check that the new component can take over the state, and run the chain's recorded messages through it as replay-check does (its differences are reported, not refused); change nothing",
    )
    .option('--last <N>', 'with --dry-run: run only the last N recorded messages')
    .option('--max-memory <MiB>', "bound on the component's linear memory", '256')
    .option('--timeout <ms>', 'with --dry-run: how long the new component may run one recorded message before it is stopped', '5000')
    .action(async (dataDir: string, componentFile: string, raw: UpgradeRawOptions) => {
      const o = new OptionChecker();
      const maxMemoryMiB = o.check(() => integerOption('--max-memory', raw.maxMemory, 1, 65536));
      const last = raw.last === undefined ? undefined : o.check(() => integerOption('--last', raw.last!, 1));
      const timeoutMs = o.check(() => integerOption('--timeout', raw.timeout, 1, MAX_TIMER_MS));
      if (raw.last !== undefined && raw.dryRun !== true) {
        o.check(() => {
          throw new ActorchainError('INVALID_OPTION', '--last goes with --dry-run: an upgrade itself runs no recorded message');
        });
      }
      o.done();
      const dryRun = raw.dryRun === true;
      const component = await loadComponent(componentFile, { maxMemoryMiB });
      const result = await upgradeDataDir(dataDir, component, {
        maxMemoryMiB,
        dryRun,
        onWarning: (message) => process.stderr.write(`actorchain: warning: ${message}\n`),
      });
      if (!dryRun) {
        process.stdout.write(`${JSON.stringify({ 'dry-run': false, ...result }, null, 2)}\n`);
        return;
      }
      // The upgrade would be accepted: what the new code would have answered differently is
      // information here (replay-check is the command that fails on it). stdout stays one JSON
      // document; the report in words goes to stderr.
      const progress = new Progress('replay-check', 'bytes');
      const report = await runReplayCheck(component, dataDir, { last, timeoutMs, maxMemoryMiB, onProgress: progress.update }).finally(() => progress.done());
      const verdict =
        report.differences.length === 0
          ? 'upgrade --dry-run: the upgrade would be accepted; nothing was changed'
          : 'upgrade --dry-run: the upgrade would be accepted (the differences above are information: actorchain replay-check is the command that fails on them); nothing was changed';
      process.stderr.write(`${humanReport(report)}${verdict}\n`);
      process.stdout.write(`${JSON.stringify({ 'dry-run': true, ...result, 'replay-check': report }, null, 2)}\n`);
    });
}
