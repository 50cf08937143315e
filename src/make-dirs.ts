/**
 * `mkdir -p` for paths a user gives (a data dir, `-o`, `new <dir>`, the cache). Node's own
 * recursive mkdir never returns where a folder's parent exists but the folder cannot be made
 * with ENOENT (under /proc or /sys): it retries the parent and the folder forever, at full CPU,
 * sync or async (Node 20.20 here). This makes each missing folder in turn, from the deepest that
 * exists, and fails with the file system's error.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

export async function makeDirs(dir: string, mode?: number): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ;) {
    const info = await stat(at).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (info !== undefined) {
      if (info.isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', path: at });
    }
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing.reverse()) {
    await mkdir(folder, mode === undefined ? undefined : { mode }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err; // made meanwhile by another process
    });
  }
}
