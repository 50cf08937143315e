/**
 * Where a data dir keeps every component its chain has used, named by hash:
 * `<data dir>/components/<sha256>.wasm`. run keeps the genesis' component there, upgrades
 * keep theirs, verify and GET /component/<hash> read them back.
 */
import { copyFile, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
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

/**
 * The components a runtime serves by hash (GET /component/<hash>): the data dir's
 * components/, or, with --in-memory, the bytes held here. Only components the chain has used
 * are ever kept, so a hash not found is one it never used.
 */
export class KeptComponents {
  readonly #dataDir: string | null;
  readonly #memory = new Map<string, Uint8Array>();

  constructor(dataDir: string | null) {
    this.#dataDir = dataDir;
  }

  async keepFile(component: { path: string; hash: string }): Promise<void> {
    if (this.#dataDir !== null) return keepComponent(this.#dataDir, component);
    this.#memory.set(component.hash, await readFile(component.path));
  }

  /** Bytes already checked to hash to `hash` (a live upgrade's body). */
  async keepBytes(hash: string, bytes: Uint8Array): Promise<void> {
    const staged = await this.stageBytes(hash, bytes);
    await staged.keep();
  }

  /**
   * Write the bytes (checked to hash to `hash`) aside and sync them, before a live upgrade is
   * queued: `keep` (a rename, inside the upgrade's pause) then names them by hash, and
   * `discard` removes them when the upgrade is refused, so only components the chain used are
   * ever served. Synced before the upgrade entry can be: a chain never names a component its
   * data dir could lose.
   */
  async stageBytes(hash: string, bytes: Uint8Array): Promise<{ keep: () => Promise<void>; discard: () => Promise<void> }> {
    if (this.#dataDir === null) return { keep: async () => void this.#memory.set(hash, bytes), discard: async () => {} };
    const target = componentFile(this.#dataDir, hash);
    await mkdir(path.dirname(target), { recursive: true });
    // Written aside, then renamed: a file under a hash name always holds those bytes whole.
    const aside = `${target}.${process.pid}.${Date.now()}.tmp`;
    const file = await open(aside, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    return { keep: () => rename(aside, target), discard: () => rm(aside, { force: true }) };
  }

  async read(hash: string): Promise<Uint8Array | undefined> {
    if (this.#dataDir === null) return this.#memory.get(hash);
    return readFile(componentFile(this.#dataDir, hash)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
  }
}
