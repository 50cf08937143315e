/**
 * The bounds of the transpile cache (transpile.ts): each entry is a component's generated code
 * and core modules, about 12 MB for a JavaScript actor, and `actorchain dev` makes one at every
 * save. The cache keeps the entries used last, up to TRANSPILED_MAX_BYTES in all (an entry's
 * modification time is its last use), and removes the others when a new one is made. Removing an entry never harms a runtime that
 * uses it: a loaded component needs no file of the cache (load.ts keeps the module's text).
 */
import { readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';

/** How much the transpiled components the cache keeps may take in all: about 80 JavaScript actors. */
export const TRANSPILED_MAX_BYTES = 2 ** 30;
/** A staging folder this old was left by a transpile that did not finish (its process died). */
const STALE_STAGING_MS = 60 * 60 * 1000;

/** Mark an entry as used now (best effort: a cache that cannot be written is still read). */
export async function touchEntry(dir: string): Promise<void> {
  const now = new Date();
  await utimes(dir, now, now).catch(() => {});
}

/** The bytes of the files under `dir`. */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir, { recursive: true }).catch(() => [])) {
    const info = await stat(path.join(dir, name)).catch(() => undefined);
    if (info?.isFile()) total += info.size;
  }
  return total;
}

/**
 * Keep the entries of `root` used last, up to `maxBytes` in all (the last used is kept whatever
 * its size), and remove the others, with staging folders (`*.tmp`) older than an hour. Entries
 * that vanish meanwhile (another process pruning) are skipped; what cannot be removed stays.
 * Returns the names removed.
 */
export async function pruneTranspiled(root: string, maxBytes = TRANSPILED_MAX_BYTES, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const entries: Array<{ name: string; used: number }> = [];
  const removed: string[] = [];
  for (const name of names) {
    const info = await stat(path.join(root, name)).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    if (!name.endsWith('.tmp')) entries.push({ name, used: info.mtimeMs });
    else if (now - info.mtimeMs > STALE_STAGING_MS) removed.push(name);
  }
  entries.sort((a, b) => b.used - a.used || a.name.localeCompare(b.name));
  let total = 0;
  for (const [i, { name }] of entries.entries()) {
    total += await folderBytes(path.join(root, name));
    if (i > 0 && total > maxBytes) removed.push(name);
  }
  for (const name of removed) await rm(path.join(root, name), { recursive: true, force: true }).catch(() => {});
  return removed;
}
