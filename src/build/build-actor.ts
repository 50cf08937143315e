/**
 * `actorchain build`'s pipeline, from an actor's source to a component:
 *
 *   source ──bundle──► one ES module ──type-check (TS)──► inputs ──► reuse the output
 *                                                           │         if its record has them
 *                                                           ▼
 *                  load in Node (probe) ──► componentize-js ──► out.wasm + out.wasm.build.json
 *
 * Every refusal happens before componentize-js, which is the slow step (about five seconds on two cores).
 * The same inputs give the same bytes (see preinit.ts), so `checkBuild` (check-build.ts)
 * rebuilds from the source a record names, or the one given, and compares.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ActorchainError } from '../errors.js';
import { bundle, toSourcePositions, type Bundle } from './bundle.js';
import { displayPath } from './display-path.js';
import { ACTOR_WIT, ACTOR_WORLD, componentizeVersion, DISABLED_FEATURES, MIGRATE_WIT, MIGRATE_WORLD, runComponentize } from './componentize.js';
import { withMigrationExport } from './migration-export.js';
import { probe } from './probe.js';
import { actorchainVersion, type BuildInputs, reusableOutput, sha256, writeRecord } from './record.js';
import { isTypeScript, typecheck } from './typecheck.js';

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
}

function defaultOutPath(sourcePath: string): string {
  return join(dirname(sourcePath), `${basename(sourcePath, extname(sourcePath))}.wasm`);
}

export function existingSource(sourcePath: string, given: string, hint: string): void {
  if (!existsSync(sourcePath) || !statSync(sourcePath).isFile()) {
    throw new ActorchainError('BUILD_SOURCE_NOT_FOUND', `${given} does not exist (or is not a file): ${hint}`);
  }
}

/** Bundle (and type-check) the source: everything but the slow step. */
export async function prepare(sourcePath: string, check: boolean, stage: (s: BuildStage) => void): Promise<Prepared> {
  stage('bundling');
  const bundledAs = await bundle(sourcePath);
  const { code, migration } = withMigrationExport(bundledAs.code, displayPath(sourcePath));
  const bundled = { ...bundledAs, code };
  if (check && isTypeScript(sourcePath)) {
    stage('type-checking');
    await typecheck(sourcePath);
  }
  const [wit, world] = migration ? [MIGRATE_WIT, MIGRATE_WORLD] : [ACTOR_WIT, ACTOR_WORLD];
  const inputs: BuildInputs = {
    actorchain: actorchainVersion(),
    componentizeJs: componentizeVersion(),
    bundleSha256: sha256(bundled.code),
    options: { world, disableFeatures: DISABLED_FEATURES, witSha256: sha256(await readFile(wit)) },
  };
  return { sourcePath, bundled, inputs, wit };
}

/** Load the bundle in Node, then componentize it into a file of its own (beside `near`); returns its bytes. */
export async function componentizeBundle(
  { sourcePath, bundled, inputs, wit }: Prepared,
  near: string,
  stage: (s: BuildStage) => void,
): Promise<{ partial: string; component: Buffer }> {
  const workDir = await mkdtemp(join(tmpdir(), 'actorchain-build-'));
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
      await runComponentize({ sourcePath: modulePath, witPath: wit, witIsDir: false, world: inputs.options.world, disableFeatures: DISABLED_FEATURES, outPath: partial });
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

export async function buildActor(options: BuildOptions): Promise<BuildResult> {
  const sourcePath = resolve(options.source);
  existingSource(sourcePath, options.source, "give the path of the actor's .js or .ts module");
  const outPath = resolve(options.out ?? defaultOutPath(sourcePath));
  const stage = options.onStage ?? (() => {});

  const prepared = await prepare(sourcePath, options.check !== false, stage);
  const reusedBytes = await reusableOutput(outPath, prepared.inputs);
  if (reusedBytes !== undefined) return { outPath, bytes: reusedBytes, reused: true, inputs: prepared.bundled.inputs };

  const { partial, component } = await componentizeBundle(prepared, outPath, stage);
  try {
    await rename(partial, outPath);
  } finally {
    await rm(partial, { force: true });
  }
  await writeRecord(outPath, sourcePath, prepared.inputs, component);
  return { outPath, bytes: component.length, reused: false, inputs: prepared.bundled.inputs };
}
