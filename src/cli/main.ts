#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { ActorchainError } from '../errors.js';
import { registerExport } from './export.js';
import { registerInspect } from './inspect.js';
import { registerMirror } from './mirror.js';
import { registerRun } from './run.js';
import { registerVerify } from './verify.js';

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('actorchain')
  .description('Run WebAssembly-component actors whose whole history is a verifiable hash chain')
  .version(version)
  .showHelpAfterError()
  .exitOverride();

registerRun(program);
registerVerify(program);
registerExport(program);
registerInspect(program);
registerMirror(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ActorchainError) {
    process.stderr.write(`actorchain: ${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(`actorchain: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
}
