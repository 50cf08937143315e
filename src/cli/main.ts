#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { ActorchainError } from '../errors.js';
import { registerBuild } from './build.js';
import { registerDev } from './dev.js';
import { registerCompact } from './compact.js';
import { registerExport } from './export.js';
import { registerInspect } from './inspect.js';
import { registerMirror } from './mirror.js';
import { registerNew } from './new.js';
import { registerReceipt } from './receipt.js';
import { registerReplayCheck } from './replay-check.js';
import { registerRun } from './run.js';
import { registerUpgrade } from './upgrade.js';
import { registerVerify } from './verify.js';

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('actorchain')
  .description('Run WebAssembly-component actors whose whole history is a verifiable hash chain')
  .version(version)
  // Commander's own complaints are reported below in actorchain's form, with a short usage line.
  .configureOutput({ outputError: () => {} })
  .exitOverride();

registerRun(program);
registerVerify(program);
registerExport(program);
registerCompact(program);
registerInspect(program);
registerMirror(program);
registerBuild(program);
registerNew(program);
registerReceipt(program);
registerDev(program);
registerUpgrade(program);
registerReplayCheck(program);

/** One line of usage for the command the user typed (or the list of commands), and where the rest is. */
function usage(commandName: string | undefined): string {
  const command = program.commands.find((c) => c.name() === commandName);
  if (command === undefined) return `usage: actorchain ${program.commands.map((c) => c.name()).join('|')} ... (actorchain --help for more)\n`;
  return `usage: actorchain ${command.name()} ${command.usage()} (actorchain ${command.name()} --help lists every option)\n`;
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help, --version, or help shown because no command was given: already printed.
    if (err.exitCode === 0 || err.code === 'commander.help') process.exit(err.exitCode);
    process.stderr.write(`actorchain: INVALID_OPTION: ${err.message.replace(/^error: /, '')}\n${usage(process.argv[2])}`);
    process.exit(1);
  }
  if (err instanceof ActorchainError) {
    for (const problem of err.all) process.stderr.write(`actorchain: ${problem.code}: ${problem.message}\n`);
  } else {
    process.stderr.write(`actorchain: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
}
