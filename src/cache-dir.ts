/**
 * The user's cache for what actorchain derives from inputs it can name by hash (transpiled
 * components, componentize-js' spliced engines): `$ACTORCHAIN_CACHE_DIR/<kind>`, else
 * `$XDG_CACHE_HOME/actorchain/<kind>` (`~/.cache` when XDG_CACHE_HOME is unset).
 *
 * What is kept there is run (generated code, engine bytes), so it must live where only this
 * user can write, never at a predictable path in a shared /tmp: the folder is made with mode
 * 0700. If it cannot be made or written (a read-only home), what needs a folder anyway (a
 * transpile, whose code is imported from files) gets a private temporary one for this process
 * alone, and what is only kept to save time (a splice) is not kept.
 */
import { access, constants, mkdir, mkdtemp } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

export type CacheKind = 'transpiled' | 'splices';

function cachePath(kind: CacheKind): string {
  const root = process.env.ACTORCHAIN_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'actorchain');
  return path.join(root, kind);
}

/** The cache folder for `kind`, made if missing; undefined when it cannot be made or written. */
export async function writableCacheDir(kind: CacheKind): Promise<string | undefined> {
  const dir = cachePath(kind);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}

/** The cache folder for `kind`, or a private temporary folder for this process when there is none. */
export async function cacheDir(kind: CacheKind): Promise<string> {
  return (await writableCacheDir(kind)) ?? mkdtemp(path.join(tmpdir(), `actorchain-${kind}-`));
}
