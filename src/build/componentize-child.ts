// Child process for componentize.ts (and fixtures/build.ts): turns one JavaScript module into a
// component with componentize-js and writes it to a file.
//
//   node dist/src/build/componentize-child.js '<ComponentizeJob as JSON>'
//
// Why a separate process: componentize-js reads the WIT through a WASI component that uses
// the process-wide filesystem of @bytecodealliance/preview2-shim, which has no preopens (so
// `witPath` fails with "os error 44"). The grant of the WIT's directory stays in this process.
// It also keeps the caller's event loop free (a progress display) during the ten seconds.
//
// Wizer is replaced by preinit-child.ts (componentize-js' `wizerBin` option), which takes the
// engine's snapshot the same way on every machine: see preinit.ts. The engine with the WIT
// world's bindings spliced in is kept between builds: see splice-cache.ts.

import { chmod, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as filesystem from '@bytecodealliance/preview2-shim/filesystem';
import { componentize } from '@bytecodealliance/componentize-js';
import { useSpliceCache } from './splice-cache.js';

export interface ComponentizeJob {
  /** Absolute path of the JavaScript module. */
  sourcePath: string;
  /** Absolute path of a WIT file, or of a directory (root package files, plus deps/). */
  witPath: string;
  /** Whether witPath is a directory (granted itself) or a file (its directory is granted). */
  witIsDir: boolean;
  world: string;
  /** WASI features left out of the engine (componentize-js' `disableFeatures`). */
  disableFeatures?: Array<'stdio' | 'random' | 'clocks' | 'http' | 'fetch-event'>;
  /** Where to write the component. */
  outPath: string;
  /** A folder for scratch files, made and removed by the parent (componentize.ts). */
  scratchDir: string;
}

// The package's "types" condition points TypeScript at the browser declarations;
// on Node, _addPreopen takes (guest path, host path).
const addPreopen = filesystem._addPreopen as unknown as (guestPath: string, hostPath: string) => void;

const PREINIT_CHILD = new URL('./preinit-child.js', import.meta.url).href;

const job = JSON.parse(process.argv[2] ?? '') as ComponentizeJob;
const witDir = job.witIsDir ? job.witPath : dirname(job.witPath);
addPreopen(witDir, witDir);
await useSpliceCache();
// componentize-js runs `wizerBin` as a program, with only its own environment variables (no
// PATH): a script that names this Node binary on its first line.
// The launcher's folder is also where the pre-initializer keeps its scratch files.
const wizerBin = join(job.scratchDir, 'preinit.mjs');
await writeFile(
  wizerBin,
  `#!${process.execPath} --no-warnings\nprocess.env.ACTORCHAIN_PREINIT_SCRATCH = ${JSON.stringify(job.scratchDir)};\nawait import(${JSON.stringify(PREINIT_CHILD)});\n`,
);
await chmod(wizerBin, 0o755);
const { component } = await componentize({
  sourcePath: job.sourcePath,
  witPath: job.witPath,
  worldName: job.world,
  disableFeatures: job.disableFeatures,
  wizerBin,
});
await writeFile(job.outPath, component);
