import type { Command } from 'commander';
import { upgradeDataDir } from '../actor/upgrade.js';
import { ActorchainError } from '../errors.js';

export function registerUpgrade(program: Command): void {
  program
    .command('upgrade')
    .description("switch a stopped runtime's chain to another component, keeping its history (an upgrade entry and the state the new component takes over)")
    .argument('<dataDir>', "the stopped runtime's data dir")
    .argument('<component>', 'the new component (.wasm); its migrate, if it exports one, converts the state')
    .option('--dry-run', 'check that the new component can take over the state, and change nothing')
    .option('--max-memory <MiB>', "bound on the component's linear memory", '256')
    .action(async (dataDir: string, component: string, raw: { dryRun?: boolean; maxMemory: string }) => {
      const maxMemoryMiB = Number(raw.maxMemory);
      if (!Number.isInteger(maxMemoryMiB) || maxMemoryMiB < 1 || maxMemoryMiB > 65536) {
        throw new ActorchainError('INVALID_OPTION', `--max-memory must be an integer from 1 to 65536 (MiB), not ${raw.maxMemory}`);
      }
      const result = await upgradeDataDir(dataDir, component, {
        maxMemoryMiB,
        dryRun: raw.dryRun === true,
        onWarning: (message) => process.stderr.write(`actorchain: warning: ${message}\n`),
      });
      process.stdout.write(`${JSON.stringify({ 'dry-run': raw.dryRun === true, ...result }, null, 2)}\n`);
    });
}
