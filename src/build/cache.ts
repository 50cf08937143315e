/**
 * Reusing the previous output: beside `<out>.wasm`, `<out>.wasm.build.json` records the key of
 * the build that wrote it (a hash of the bundled module, the WIT, the options and
 * componentize-js' version) and the SHA-256 of the component. A build whose key matches, and
 * whose output still has that hash, is not redone.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

export interface BuildKeyInputs {
  bundle: string;
  wit: string;
  world: string;
  disableFeatures: readonly string[];
  componentizeJs: string;
}

interface BuildRecord {
  key: string;
  sha256: string;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

export const buildKey = (inputs: BuildKeyInputs): string => sha256(JSON.stringify(inputs));

export const recordPath = (outPath: string): string => `${outPath}.build.json`;

/** The size of the output if it was built with this key and is unchanged since, else undefined. */
export async function reusableOutput(outPath: string, key: string): Promise<number | undefined> {
  try {
    const record = JSON.parse(await readFile(recordPath(outPath), 'utf8')) as BuildRecord;
    if (record.key !== key) return undefined;
    const component = await readFile(outPath);
    return sha256(component) === record.sha256 ? component.length : undefined;
  } catch {
    return undefined; // no record or no output: build
  }
}

export async function recordBuild(outPath: string, key: string, component: Uint8Array): Promise<void> {
  const record: BuildRecord = { key, sha256: sha256(component) };
  await writeFile(recordPath(outPath), `${JSON.stringify(record, null, 2)}\n`);
}
