/**
 * `actorchain build`'s pipeline, from an actor's source to a component:
 *
 *   source ──bundle──► one ES module ──type-check (TS)──► cache key ──► reuse the output
 *                                                              │          if the key matches
 *                                                              ▼
 *                                      load in Node (probe) ──► componentize-js ──► out.wasm
 *
 * Every refusal happens before componentize-js, which is the slow step (about ten seconds).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ActorchainError } from '../errors.js';
import { bundle, toSourcePositions } from './bundle.js';
import { buildKey, recordBuild, reusableOutput } from './cache.js';
import { ACTOR_WIT, ACTOR_WORLD, componentizeVersion, DISABLED_FEATURES, runComponentize } from './componentize.js';
import { probe } from './probe.js';
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
  /** True when the previous output was reused (same bundle and options). */
  reused: boolean;
  /** The source files bundled (absolute paths). */
  inputs: string[];
}

function defaultOutPath(sourcePath: string): string {
  return join(dirname(sourcePath), `${basename(sourcePath, extname(sourcePath))}.wasm`);
}

export async function buildActor(options: BuildOptions): Promise<BuildResult> {
  const sourcePath = resolve(options.source);
  if (!existsSync(sourcePath) || !statSync(sourcePath).isFile()) {
    throw new ActorchainError('BUILD_SOURCE_NOT_FOUND', `${options.source} does not exist (or is not a file): give the path of the actor's .js or .ts module`);
  }
  const outPath = resolve(options.out ?? defaultOutPath(sourcePath));
  const stage = options.onStage ?? (() => {});

  stage('bundling');
  const bundled = await bundle(sourcePath);
  if (options.check !== false && isTypeScript(sourcePath)) {
    stage('type-checking');
    await typecheck(sourcePath);
  }

  const key = buildKey({
    bundle: bundled.code,
    wit: await readFile(ACTOR_WIT, 'utf8'),
    world: ACTOR_WORLD,
    disableFeatures: DISABLED_FEATURES,
    componentizeJs: componentizeVersion(),
  });
  const reusedBytes = await reusableOutput(outPath, key);
  if (reusedBytes !== undefined) return { outPath, bytes: reusedBytes, reused: true, inputs: bundled.inputs };

  const workDir = await mkdtemp(join(tmpdir(), 'actorchain-build-'));
  try {
    const modulePath = join(workDir, MODULE_NAME);
    await writeFile(modulePath, `${bundled.code}//# sourceMappingURL=${MODULE_NAME}.map\n`);
    await writeFile(join(workDir, `${MODULE_NAME}.map`), bundled.map);
    stage('loading');
    await probe(modulePath, sourcePath);

    stage('componentizing');
    await mkdir(dirname(outPath), { recursive: true });
    // Written aside, then renamed: a failed or interrupted build never leaves half a component.
    const partial = `${outPath}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await runComponentize({ sourcePath: modulePath, witPath: ACTOR_WIT, witIsDir: false, world: ACTOR_WORLD, disableFeatures: DISABLED_FEATURES, outPath: partial }).catch(
        (err: unknown) => {
          // The engine reports positions in the bundle, which the user never sees: map them back.
          if (!(err instanceof ActorchainError)) throw err;
          throw new ActorchainError(err.code, toSourcePositions(err.message, MODULE_NAME, bundled.map), { cause: err.cause });
        },
      );
      const component = await readFile(partial);
      await rename(partial, outPath);
      await recordBuild(outPath, key, component);
      return { outPath, bytes: component.length, reused: false, inputs: bundled.inputs };
    } finally {
      await rm(partial, { force: true });
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
