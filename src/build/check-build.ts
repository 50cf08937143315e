/**
 * `actorchain build --check <component>`: rebuild a component and compare hashes, never from
 * the cache and never over the component. Two forms:
 *
 *   build --check <component>            the source is the one its record (<component>.build.json) names
 *   build <source> --check <component>   the source given: for a component with no record beside
 *                                        it, such as one fetched from GET /component
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ActorchainError } from '../errors.js';
import { componentizeChecked, existingSource, prepare, type BuildStage } from './build-actor.js';
import { displayPath } from './display-path.js';
import { type BuildRecord, readRecord, sameInputs, sha256 } from './record.js';

export interface CheckOptions {
  /** The source to rebuild; default: the one the component's build record names. */
  source?: string;
  /** Type-check a TypeScript source given (default true; the record's form never does: it was checked when built). */
  typeCheck?: boolean;
  onStage?: (stage: BuildStage) => void;
  /** Stops the rebuild (componentize-js' process and the type check end, and the check rejects). */
  signal?: AbortSignal;
}

export interface CheckResult {
  sourcePath: string;
  sha256: string;
}

async function recordedSource(component: string, componentPath: string): Promise<{ record: BuildRecord; sourcePath: string }> {
  const record = await readRecord(componentPath);
  if (record === undefined) {
    throw new ActorchainError(
      'BUILD_RECORD_NOT_FOUND',
      `${component}.build.json is missing or is not a build record: build --check rebuilds from the record that build writes beside the component; ` +
        `for a component without one (fetched from GET /component), give its source: actorchain build <source> --check ${component}`,
    );
  }
  const sourcePath = resolve(dirname(componentPath), record.source);
  existingSource(sourcePath, displayPath(sourcePath), `the record beside ${component} names it as the source`);
  return { record, sourcePath };
}

/**
 * Rebuild `component` from its recorded source, or from `options.source`, and compare hashes.
 * Throws BUILD_NOT_REPRODUCED, naming both, when they differ (with why, where a record tells).
 */
export async function checkBuild(component: string, options: CheckOptions = {}): Promise<CheckResult> {
  const componentPath = resolve(component);
  let bytes: Buffer;
  try {
    bytes = await readFile(componentPath);
  } catch {
    throw new ActorchainError('COMPONENT_NOT_FOUND', `${component} cannot be read: give the component to check`);
  }
  let record: BuildRecord | undefined;
  let sourcePath: string;
  if (options.source === undefined) ({ record, sourcePath } = await recordedSource(component, componentPath));
  else {
    sourcePath = resolve(options.source);
    existingSource(sourcePath, options.source, "give the path of the actor's .js or .ts module");
    record = await readRecord(componentPath);
  }

  const stage = options.onStage ?? (() => {});
  const prepared = await prepare(sourcePath, options.source !== undefined && options.typeCheck !== false, stage);
  const { partial, component: rebuilt } = await componentizeChecked(prepared, join(tmpdir(), 'actorchain-check'), stage, options.signal);
  await rm(partial, { force: true });

  const expected = sha256(bytes);
  const actual = sha256(rebuilt);
  if (actual === expected) return { sourcePath, sha256: actual };
  const why: string[] = [];
  if (record === undefined) {
    why.push(
      `it has no build record to say why; this rebuild is by actorchain ${prepared.inputs.actorchain} with componentize-js ${prepared.inputs.componentizeJs}, and another version, or other sources, give other bytes`,
    );
  } else {
    if (record.componentSha256 !== expected)
      why.push(`${component} is not the component its record describes (sha256 ${record.componentSha256}): it changed after the build`);
    if (record.bundleSha256 !== prepared.inputs.bundleSha256) why.push('the sources (or what they import) changed since that build');
    if (!sameInputs({ ...record, bundleSha256: prepared.inputs.bundleSha256 }, prepared.inputs)) {
      why.push(
        `it was built by actorchain ${record.actorchain} with componentize-js ${record.componentizeJs}, rebuilt by ${prepared.inputs.actorchain} with ${prepared.inputs.componentizeJs}`,
      );
    }
  }
  throw new ActorchainError(
    'BUILD_NOT_REPRODUCED',
    `rebuilding ${displayPath(sourcePath)} gives sha256 ${actual}, but ${component} has sha256 ${expected}${why.length > 0 ? `: ${why.join('; ')}` : ''}`,
  );
}
