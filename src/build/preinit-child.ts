// The pre-initializer (preinit.ts) behind Wizer's command line, for componentize-js' `wizerBin`:
//
//   <wizerBin> --allow-wasi --init-func <name> --dir=<host> --mapdir=<guest>::<host>
//              --inherit-env=true -o=<out> <in>        (the engine's arguments on stdin)
//
// The host directories get fixed guest names, and the arguments on stdin name them that way,
// so that the build's temporary paths never reach the snapshot.

import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preinitialize } from './preinit.js';
import { GuestExit } from './preinit-wasi.js';

interface WizerArgs {
  initFunc: string;
  dirs: string[];
  mapDirs: Array<[guest: string, host: string]>;
  inheritEnv: boolean;
  out: string;
  input: string;
}

const VALUED = new Set(['--init-func', '-f', '--dir', '--mapdir', '-o', '--inherit-env', '--inherit-stdio', '--keep-init-func', '-r', '--rename-func']);

function parseArgs(argv: string[]): WizerArgs {
  const parsed: WizerArgs = { initFunc: 'wizer.initialize', dirs: [], mapDirs: [], inheritEnv: false, out: '', input: '' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const [flag, value] = arg.startsWith('-') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : VALUED.has(arg) ? [arg, argv[++i] ?? ''] : [arg, ''];
    if (flag === '--init-func' || flag === '-f') parsed.initFunc = value;
    else if (flag === '--dir') parsed.dirs.push(value);
    else if (flag === '--mapdir') {
      const [guest, host] = value.split('::');
      parsed.mapDirs.push([guest!, host!]);
    } else if (flag === '--inherit-env') parsed.inheritEnv = value === 'true';
    else if (flag === '-o') parsed.out = value;
    else if (!flag.startsWith('-')) parsed.input = flag;
  }
  if (!parsed.out || !parsed.input) throw new Error('usage: preinit-child [wizer options] -o=<out> <input>');
  return parsed;
}

const args = parseArgs(process.argv.slice(2));
// Host paths renamed, longest first so that a path inside another is renamed whole.
const renames: Array<[host: string, fixed: string]> = [
  ...args.dirs.map((host, i): [string, string] => [host, `/preinit-dir-${i}`]),
  ...args.mapDirs.map(([, host], i): [string, string] => [host, `/preinit-host-${i}`]),
].sort((a, b) => b[0].length - a[0].length);
const preopens: Record<string, string> = {};
args.dirs.forEach((host, i) => (preopens[`/preinit-dir-${i}`] = host));
for (const [guest, host] of args.mapDirs) preopens[guest] = host;

let stdinText = readFileSync(0, 'utf8');
for (const [host, fixed] of renames) stdinText = stdinText.split(host).join(fixed);

// Scratch files go in the folder of the build that launched this (componentize-child.ts sets
// ACTORCHAIN_PREINIT_SCRATCH), which removes it even when this process is killed. That variable
// is this program's, not the engine's: the snapshot takes in the environment it is given.
const { ACTORCHAIN_PREINIT_SCRATCH: scratchBase, ...hostEnv } = process.env;
const scratch = await mkdtemp(join(scratchBase ?? tmpdir(), 'actorchain-preinit-'));
try {
  const stdinPath = join(scratch, 'stdin');
  writeFileSync(stdinPath, stdinText);
  const stdinFd = openSync(stdinPath, 'r');
  try {
    const env = args.inheritEnv ? (Object.fromEntries(Object.entries(hostEnv).filter(([, v]) => v !== undefined)) as Record<string, string>) : {};
    const output = await preinitialize(readFileSync(args.input), { initFunc: args.initFunc, preopens, env, stdinFd });
    writeFileSync(args.out, output);
  } finally {
    closeSync(stdinFd);
  }
} catch (err) {
  process.stderr.write(err instanceof GuestExit ? `Error: the \`${args.initFunc}\` function exited with status ${err.status}\n` : `Error: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await rm(scratch, { recursive: true, force: true });
}
