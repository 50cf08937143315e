#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { ActorchainError } from '../errors.js';

// A reader that went away (`actorchain verify <dir> | head -1`): stop quietly, as a tool that
// SIGPIPE ends does (Node ignores the signal, so a write fails with EPIPE instead), with the
// status a shell gives such a tool: 128 + 13.
const CLOSED_PIPE_STATUS = 141;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(CLOSED_PIPE_STATUS);
    // Another error is for whoever else listens (export's pipeline names it), or thrown as before.
    if (stream.listenerCount('error') === 1) throw err;
  });
}

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('actorchain')
  .description('Run WebAssembly-component actors whose whole history is a verifiable hash chain')
  .version(version)
  // Commander's own complaints are reported below in actorchain's form, with a short usage line.
  .configureOutput({ outputError: () => {} })
  .exitOverride();

/** Each command's module, in the order `--help` lists them. */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  run: async () => (await import('./run.js')).registerRun,
  verify: async () => (await import('./verify.js')).registerVerify,
  export: async () => (await import('./export.js')).registerExport,
  compact: async () => (await import('./compact.js')).registerCompact,
  inspect: async () => (await import('./inspect.js')).registerInspect,
  mirror: async () => (await import('./mirror.js')).registerMirror,
  build: async () => (await import('./build.js')).registerBuild,
  new: async () => (await import('./new.js')).registerNew,
  receipt: async () => (await import('./receipt.js')).registerReceipt,
  dev: async () => (await import('./dev.js')).registerDev,
  upgrade: async () => (await import('./upgrade.js')).registerUpgrade,
  'replay-check': async () => (await import('./replay-check.js')).registerReplayCheck,
};

// Only the command asked for is loaded (`actorchain verify` does not load the HTTP server's
// modules: it starts in about half the time); help, --version and anything else load them all.
const asked = process.argv[2];
const names = asked !== undefined && Object.hasOwn(COMMANDS, asked) ? [asked] : Object.keys(COMMANDS);
for (const register of await Promise.all(names.map((name) => COMMANDS[name]!()))) register(program);

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
