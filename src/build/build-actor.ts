/**
 * `actorchain build`'s pipeline, from an actor's source to a component:
 *
 *   source ──bundle──► one ES module ──► inputs ──► reuse the output if its record has them
 *     │                                       │
 *     │                                       ▼
 *     │            load in Node (probe) ──► componentize-js ──► out.wasm + out.wasm.build.json
 *     └──type-check (TS), on a thread of its own, from the start ──────────┘ (its verdict first)
 *
 * componentize-js is the slow step (about five seconds on two cores). Every other refusal
 * happens before it, but the type check (1-3 s) runs beside it, on another core: a type error
 * stops componentize-js and is the build's refusal, as if the check had come first.
 * The same inputs give the same bytes (see preinit.ts), so `checkBuild` (check-build.ts)
 * rebuilds from the source a record names, or the one given, and compares.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ActorchainError } from '../errors.js';
import { bundle, toSourcePositions, type Bundle } from './bundle.js';
import { displayPath } from './display-path.js';
import { ACTOR_WIT, ACTOR_WORLD, componentizeVersion, DISABLED_FEATURES, MIGRATE_WIT, MIGRATE_WORLD, runComponentize } from './componentize.js';
import { withMigrationExport } from './migration-export.js';
import { buildTempDir, writableOutput } from './writable.js';
import { probe } from './probe.js';
import { actorchainVersion, type BuildInputs, reusableOutput, sha256, writeRecord } from './record.js';
import { isTypeScript, typecheckOffThread, type TypeCheck } from './typecheck.js';

/** The bundled module's file name in the build's work directory. */
const MODULE_NAME = 'actor.js';

export type BuildStage = 'bundling' | 'type-checking' | 'loading' | 'componentizing';

export interface BuildOptions {
  /** The actor module (.js, .mjs, .ts, .mts). */
  source: string;
  /** Where to write the component; default: the source's name with `.wasm`, beside it. */
  out?: string;
  /** Type-check a TypeScript source (default true). */
  check?: boolean;
  /** Called as each stage starts. */
  onStage?: (stage: BuildStage) => void;
  /** Stops the build (dev's next save, a shutdown): componentize-js' process and the type check end, and the build rejects. */
  signal?: AbortSignal;
}

export interface BuildResult {
  outPath: string;
  bytes: number;
  /** True when the previous output was reused (same inputs, unchanged output). */
  reused: boolean;
  /** The source files bundled (absolute paths). */
  inputs: string[];
}

export interface Prepared {
  sourcePath: string;
  bundled: Bundle;
  inputs: BuildInputs;
  /** The WIT file the world is in. */
  wit: string;
  /** The type check (settled at once when there is none to make). */
  typeCheck: TypeCheck;
}

function defaultOutPath(sourcePath: string): string {
  return join(dirname(sourcePath), `${basename(sourcePath, extname(sourcePath))}.wasm`);
}

export function existingSource(sourcePath: string, given: string, hint: string): void {
  if (!existsSync(sourcePath) || !statSync(sourcePath).isFile()) {
    throw new ActorchainError('BUILD_SOURCE_NOT_FOUND', `${given} does not exist (or is not a file): ${hint}`);
  }
}

/** Bundle the source, and start its type check: everything but the slow step. */
export async function prepare(sourcePath: string, check: boolean, stage: (s: BuildStage) => void): Promise<Prepared> {
  const typeCheck = check && isTypeScript(sourcePath) ? typecheckOffThread(sourcePath) : { done: Promise.resolve(), settled: true, stop: () => {} };
  try {
    stage('bundling');
    const bundledAs = await bundle(sourcePath);
    const { code, migration } = withMigrationExport(bundledAs.code, displayPath(sourcePath));
    const bundled = { ...bundledAs, code };
    const [wit, world] = migration ? [MIGRATE_WIT, MIGRATE_WORLD] : [ACTOR_WIT, ACTOR_WORLD];
    const inputs: BuildInputs = {
      actorchain: actorchainVersion(),
      componentizeJs: componentizeVersion(),
      bundleSha256: sha256(bundled.code),
      options: { world, disableFeatures: DISABLED_FEATURES, witSha256: sha256(await readFile(wit)) },
    };
    return { sourcePath, bundled, inputs, wit, typeCheck };
  } catch (err) {
    // A source that does not bundle is refused for that, as before any type check.
    typeCheck.stop();
    throw err;
  }
}

/** The type check's verdict, waited for (and shown as the stage) when it has not come yet. */
export async function typeChecked({ typeCheck }: Prepared, stage: (s: BuildStage) => void): Promise<void> {
  if (!typeCheck.settled) stage('type-checking');
  await typeCheck.done;
}

/** Load the bundle in Node, then componentize it into a file of its own (beside `near`); returns its bytes. */
export async function componentizeBundle(
  { sourcePath, bundled, inputs, wit }: Prepared,
  near: string,
  stage: (s: BuildStage) => void,
  signal?: AbortSignal,
): Promise<{ partial: string; component: Buffer }> {
  const workDir = await buildTempDir('actorchain-build-');
  try {
    const modulePath = join(workDir, MODULE_NAME);
    await writeFile(modulePath, `${bundled.code}//# sourceMappingURL=${MODULE_NAME}.map\n`);
    await writeFile(join(workDir, `${MODULE_NAME}.map`), bundled.map);
    stage('loading');
    const { migrate } = await probe(modulePath, sourcePath);
    if (migrate !== (inputs.options.world === MIGRATE_WORLD)) {
      throw new ActorchainError(
        'BUILD_MISSING_EXPORTS',
        `${displayPath(sourcePath)}: export the migration as \`export function migrate(state) { … }\` or \`export const migration = { migrate(state) { … } }\``,
      );
    }

    stage('componentizing');
    await mkdir(dirname(near), { recursive: true });
    // Written aside: a failed or interrupted build never leaves half a component.
    const partial = `${near}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await runComponentize(
        { sourcePath: modulePath, witPath: wit, witIsDir: false, world: inputs.options.world, disableFeatures: DISABLED_FEATURES, outPath: partial },
        signal,
      );
      return { partial, component: await readFile(partial) };
    } catch (err) {
      await rm(partial, { force: true });
      // The engine reports positions in the bundle, which the user never sees: map them back.
      if (!(err instanceof ActorchainError)) throw err;
      throw new ActorchainError(err.code, toSourcePositions(err.message, MODULE_NAME, bundled.map), { cause: err.cause });
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * componentizeBundle beside the type check. A type error is the refusal whenever it comes:
 * it stops componentize-js, and wins over a failure of componentize-js or of the probe.
 */
export async function componentizeChecked(
  prepared: Prepared,
  near: string,
  stage: (s: BuildStage) => void,
  signal?: AbortSignal,
): Promise<{ partial: string; component: Buffer }> {
  const abort = new AbortController();
  prepared.typeCheck.done.catch(() => abort.abort());
  const stop = () => {
    abort.abort();
    prepared.typeCheck.stop();
  };
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  let built: { partial: string; component: Buffer } | undefined;
  try {
    built = await componentizeBundle(prepared, near, stage, abort.signal);
    await typeChecked(prepared, stage);
    return built;
  } catch (err) {
    if (built !== undefined) await rm(built.partial, { force: true });
    if (signal?.aborted) throw err; // stopped by the caller: no verdict is wanted
    await prepared.typeCheck.done; // a type error is the one to report
    throw err;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

export async function buildActor(options: BuildOptions): Promise<BuildResult> {
  const sourcePath = resolve(options.source);
  existingSource(sourcePath, options.source, "give the path of the actor's .js or .ts module");
  const outPath = resolve(options.out ?? defaultOutPath(sourcePath));
  await writableOutput(outPath);
  const stage = options.onStage ?? (() => {});

  const prepared = await prepare(sourcePath, options.check !== false, stage);
  const reusedBytes = await reusableOutput(outPath, prepared.inputs).catch((err: unknown) => {
    prepared.typeCheck.stop();
    throw err;
  });
  if (reusedBytes !== undefined) {
    await typeChecked(prepared, stage);
    return { outPath, bytes: reusedBytes, reused: true, inputs: prepared.bundled.inputs };
  }

  const { partial, component } = await componentizeChecked(prepared, outPath, stage, options.signal);
  try {
    await rename(partial, outPath);
  } finally {
    await rm(partial, { force: true });
  }
  await writeRecord(outPath, sourcePath, prepared.inputs, component);
  return { outPath, bytes: component.length, reused: false, inputs: prepared.bundled.inputs };
}
