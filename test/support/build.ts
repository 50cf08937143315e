/**
 * Test support for `actorchain build`: componentize-js takes about five seconds a build (more on
 * a loaded machine), so each test file builds its actors once, into a directory shared by
 * its tests and removed when the file ends.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CACHE_DIR } from '../../fixtures/build.js';
import { buildActor } from '../../src/build/build-actor.js';
import { runCli, type CliResult } from './runtime.js';
import { waitFor } from './wait.js';

/** The repository root (tests run from dist/test/). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export const BUILD_TIMEOUT_MS = 300_000;

/** A temporary directory for this test file, removed after its last test. */
export function fileTempDir(prefix = 'actorchain-build-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `actorchain build <args>` run to the end. */
export function build(args: string[], cwd?: string, env?: Record<string, string>): Promise<CliResult> {
  return runCli(['build', ...args], { timeoutMs: BUILD_TIMEOUT_MS, cwd, env });
}

/**
 * Wait until the build `child` runs (`actorchain build` or `dev`, started with TMPDIR=`tmp`) has
 * componentize-js at work: the build's folder for it is in `tmp`. Gives up if `child` exits.
 */
export async function componentizing(tmp: string, child: ChildProcess, output: () => string): Promise<void> {
  await waitFor('the build to start componentize-js', () => readdirSync(tmp).some((f) => f.startsWith('actorchain-componentize-')), {
    timeoutMs: BUILD_TIMEOUT_MS,
    stopIf: () => (child.exitCode === null ? undefined : `exited ${child.exitCode}: ${output()}`),
  });
}

/** A hash of the code that builds an actor (dist/src/build and the SDK it bundles). */
function buildCodeKey(): string {
  const hash = createHash('sha256');
  for (const dir of ['build', 'sdk']) {
    const abs = fileURLToPath(new URL(`../../src/${dir}/`, import.meta.url));
    for (const file of readdirSync(abs)
      .filter((f) => f.endsWith('.js'))
      .sort())
      hash.update(file).update(readFileSync(path.join(abs, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * `source` (a path relative to the repository, or absolute) built in this process (buildActor,
 * what `actorchain build` calls), for tests that need a built actor but do not test the build
 * command itself (those run the CLI, into a fileTempDir). It builds into
 * fixtures/.cache/built-<hash of the build code>/<name>.wasm, where the next run is answered by
 * the build's own reuse (the record beside the output: same bundle, versions and WIT) in a
 * fraction of a second instead of a componentize run. Safe when test files run at once: a
 * finished component is renamed into place, and equal inputs give equal bytes. `name` defaults
 * to the source's path.
 */
export async function builtActor(source: string, name = source.replace(/[\\/]/g, '--')): Promise<string> {
  const dir = path.join(CACHE_DIR, `built-${buildCodeKey()}`);
  mkdirSync(dir, { recursive: true });
  return (await buildActor({ source: path.resolve(REPO, source), out: path.join(dir, `${name}.wasm`) })).outPath;
}
