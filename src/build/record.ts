/**
 * The build record: beside `<out>.wasm`, `<out>.wasm.build.json` says what went into the
 * component and what came out, so that anyone holding the sources can rebuild it and compare
 * (`build --check`), and so that a build with the same inputs can reuse the output.
 *
 *   {
 *     "actorchain": "0.1.0",            its version (its pre-initializer shapes the snapshot)
 *     "componentizeJs": "0.23.0",
 *     "source": "src/actor.ts",         relative to the record's directory
 *     "bundleSha256": "…",              the bundled module: the sources and what they import
 *     "options": { "world", "disableFeatures", "witSha256" },
 *     "componentSha256": "…"
 *   }
 *
 * Everything but `source` and `componentSha256` is the build's input: equal inputs, equal bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';

export interface BuildInputs {
  actorchain: string;
  componentizeJs: string;
  bundleSha256: string;
  options: { world: string; disableFeatures: readonly string[]; witSha256: string };
}

export interface BuildRecord extends BuildInputs {
  source: string;
  componentSha256: string;
}

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

export const recordPath = (outPath: string): string => `${outPath}.build.json`;

/** This installation's version, the first of a build's inputs. */
export function actorchainVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const inputsOf = (r: BuildInputs): string =>
  JSON.stringify([r.actorchain, r.componentizeJs, r.bundleSha256, r.options.world, r.options.disableFeatures, r.options.witSha256]);

export const sameInputs = (a: BuildInputs, b: BuildInputs): boolean => inputsOf(a) === inputsOf(b);

/** The record beside a component, or undefined when there is none (or it is not one). */
export async function readRecord(outPath: string): Promise<BuildRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(recordPath(outPath), 'utf8')) as BuildRecord;
    return typeof record.source === 'string' && typeof record.componentSha256 === 'string' && typeof record.options === 'object' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** The size of the output if it was built from these inputs and is unchanged since, else undefined. */
export async function reusableOutput(outPath: string, inputs: BuildInputs): Promise<number | undefined> {
  const record = await readRecord(outPath);
  if (record === undefined || !sameInputs(record, inputs)) return undefined;
  try {
    const component = await readFile(outPath);
    return sha256(component) === record.componentSha256 ? component.length : undefined;
  } catch {
    return undefined; // no output: build
  }
}

export async function writeRecord(outPath: string, sourcePath: string, inputs: BuildInputs, component: Uint8Array): Promise<void> {
  const record: BuildRecord = {
    actorchain: inputs.actorchain,
    componentizeJs: inputs.componentizeJs,
    source: relative(dirname(outPath), sourcePath).split(sep).join('/'),
    bundleSha256: inputs.bundleSha256,
    options: inputs.options,
    componentSha256: sha256(component),
  };
  await writeFile(recordPath(outPath), `${JSON.stringify(record, null, 2)}\n`);
}
