/**
 * componentize-js, run in a child process (see componentize-child.ts), against the runtime's
 * WIT (src/wit/actor.wit, world first-actor).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ActorchainError } from '../errors.js';
import type { ComponentizeJob } from './componentize-child.js';
import { buildTempDir } from './writable.js';

export const ACTOR_WIT = fileURLToPath(new URL('../wit/actor.wit', import.meta.url));
export const ACTOR_WORLD = 'first-actor';
/** The world for an actor that also exports `migration` (see src/wit/actor-migrate.wit). */
export const MIGRATE_WIT = fileURLToPath(new URL('../wit/actor-migrate.wit', import.meta.url));
export const MIGRATE_WORLD = 'upgradable-actor';
/**
 * What the sandbox serves stays in: clocks and random numbers (recorded in the chain for
 * replay) and stdio (console.log reaches the runtime's log). Outgoing HTTP is refused by the
 * runtime, so fetch is left out of the engine.
 */
export const DISABLED_FEATURES: NonNullable<ComponentizeJob['disableFeatures']> = ['http', 'fetch-event'];

const CHILD = fileURLToPath(new URL('./componentize-child.js', import.meta.url));

/** componentize-js' version, part of the build cache key. */
export function componentizeVersion(): string {
  const entry = fileURLToPath(import.meta.resolve('@bytecodealliance/componentize-js'));
  return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The error in a child's report of an uncaught exception, without the source excerpt Node prints
 * above it, the stack frames and the Node version line below.
 */
function uncaughtError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const start = lines.findIndex((line) => /^\w*Error\b/.test(line));
  return lines
    .slice(Math.max(0, start))
    .filter((line) => !/^\s+at |^Node\.js v/.test(line))
    .join('\n')
    .trim();
}

/**
 * Run componentize-js on one job; its error output, if it fails, becomes the message. The child's
 * scratch files (the pre-initializer's launcher, its stdin) live in a folder this process makes and
 * removes: a child stopped by `signal` (dev's next edit) or killed leaves nothing behind.
 */
export async function runComponentize(job: Omit<ComponentizeJob, 'scratchDir'>, signal?: AbortSignal): Promise<void> {
  const scratchDir = await buildTempDir('actorchain-componentize-');
  try {
    // --single-threaded-gc: componentize-js' splicer grows its wasm memory to about 490 MB in
    // hundreds of steps, and V8 runs a full GC at each. Done on one thread they cost half as much:
    // a build of an actor took 13 s of CPU and 8.6 s of wall time without it, 7.4 s and 6 s with
    // it (2 cores). The component is the same byte for byte.
    // The child runs in the source's folder: a relative $ACTORCHAIN_CACHE_DIR is given to it as
    // this process reads it, so that both keep their caches in one place. Its TMPDIR is the
    // scratch folder: componentize-js keeps its work (two engines, 22 MB) in os.tmpdir().
    const cache = process.env.ACTORCHAIN_CACHE_DIR;
    await promisify(execFile)(process.execPath, ['--single-threaded-gc', CHILD, JSON.stringify({ ...job, scratchDir })], {
      cwd: dirname(job.sourcePath),
      env: { ...process.env, TMPDIR: scratchDir, ...(cache === undefined ? {} : { ACTORCHAIN_CACHE_DIR: resolve(cache) }) },
      maxBuffer: 64 * 1024 * 1024,
      signal,
    });
  } catch (err) {
    const reason = uncaughtError(String((err as { stderr?: string }).stderr ?? ''));
    throw new ActorchainError('BUILD_COMPONENTIZE_FAILED', `componentize-js failed: ${reason || (err as Error).message}`, { cause: err });
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}
