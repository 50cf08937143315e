/**
 * The user's cache for what actorchain derives from inputs it can name by hash (transpiled
 * components, componentize-js' spliced engines): `$ACTORCHAIN_CACHE_DIR/<kind>`, else
 * `$XDG_CACHE_HOME/actorchain/<kind>` (`~/.cache` when XDG_CACHE_HOME is unset).
 *
 * What is kept there is run (generated code, engine bytes), so it must live where only this
 * user can write, never at a predictable path in a shared /tmp: the folder is made with mode
 * 0700. If it cannot be made or written (a read-only home), nothing is kept: a transpile is
 * made in a private temporary folder and removed once read, a splice is not kept.
 */
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { makeDirs } from './make-dirs.js';

export type CacheKind = 'transpiled' | 'splices';

function cachePath(kind: CacheKind): string {
  const root = process.env.ACTORCHAIN_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'actorchain');
  return path.join(root, kind);
}

/** The cache folder for `kind`, made if missing; undefined when it cannot be made or written. */
export async function writableCacheDir(kind: CacheKind): Promise<string | undefined> {
  const dir = cachePath(kind);
  try {
    await makeDirs(dir, 0o700);
    await access(dir, constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}
