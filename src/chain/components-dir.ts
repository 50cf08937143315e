/**
 * Where a data dir keeps every component its chain has used, named by hash:
 * `<data dir>/components/<sha256>.wasm`. run keeps the genesis' component there, upgrades
 * keep theirs, verify and GET /component/<hash> read them back.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

export const COMPONENTS_DIR = 'components';

export function componentFile(dataDir: string, hash: string): string {
  return path.join(dataDir, COMPONENTS_DIR, `${hash}.wasm`);
}

/** Keep a copy of the component in the data dir, named by its hash (once). */
export async function keepComponent(dataDir: string, component: { path: string; hash: string }): Promise<void> {
  const target = componentFile(dataDir, component.hash);
  await mkdir(path.dirname(target), { recursive: true });
  // COPYFILE_EXCL: a copy already there has the same bytes (its name is their hash).
  await copyFile(component.path, target, 1).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}
