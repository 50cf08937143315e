/**
 * One runtime per data dir. Two runtimes appending to the same chain.ndjson would each
 * answer 200 while interleaving their lines into a chain neither can resume, so the one
 * that opens the dir for appending holds `<dir>/lock`, a file holding its pid. Readers
 * (verify, export, inspect) never take it: they only read, and stop at the last whole group.
 *
 * A runtime killed with -9 (or a machine that lost power) leaves its lock behind; its pid
 * no longer runs (or is a zombie its parent has not reaped yet), so the next runtime takes the lock over with a warning, as it does when
 * the pid is its own (a restarted container's pid 1 is the same every time) and no runtime of this
 * process holds it: a program may start runtimes in process (createRuntime), and a second one on
 * a data dir the first holds is refused like a second process.
 * Two runtimes taking over the same stale lock in the same instant could both succeed (a
 * file system offers no compare-and-delete); that needs two starts racing after a crash.
 */
import { readFileSync } from 'node:fs';
import { open, readFile, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ActorchainError } from '../errors.js';

export const LOCK_FILE = 'lock';

/** The lock files this process holds (by the real path of their data dir): its own pid in one is no stale lock. */
const heldHere = new Set<string>();

export interface DataDirLock {
  /** Remove the lock, unless another runtime has taken it over meanwhile. */
  release(): Promise<void>;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * Whether the process has ended and only waits for its parent to reap it (state Z in
 * /proc/<pid>/stat): a runtime killed with -9 is one until then, and holds nothing. Where
 * there is no /proc, a process that answers signal 0 counts as running.
 */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "<pid> (<command, which may hold parentheses>) <state> ..."
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}

/** The pid a lock file holds; null when it holds none, undefined when the file is gone. */
async function holderOf(file: string): Promise<number | null | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusable(file, err);
  }
  return /^\d+\n?$/.test(text) ? Number(text) : null;
}

function unusable(file: string, err: unknown): ActorchainError {
  return new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot use the lock file ${file}: ${(err as Error).message}`, { cause: err });
}

/** Create the lock; false when a lock file is already there. */
async function create(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw unusable(file, err);
  }
  try {
    await handle.writeFile(`${process.pid}\n`);
  } catch (err) {
    await handle.close().catch(() => {});
    // An empty lock would keep every later runtime out: it names no pid to check.
    await unlink(file).catch(() => {});
    throw unusable(file, err);
  }
  await handle.close();
  return true;
}

/**
 * Take the data dir's lock, taking over one whose runtime no longer runs (`onStaleLock` is
 * told). Throws DATA_DIR_LOCKED when a running process holds it.
 */
export async function lockDataDir(dir: string, onStaleLock: (message: string, details: { lock: string; stalePid: number }) => void): Promise<DataDirLock> {
  const file = path.join(dir, LOCK_FILE);
  const key = path.join(await realpath(dir).catch(() => path.resolve(dir)), LOCK_FILE);
  while (!(await create(file))) {
    const pid = await holderOf(file);
    if (pid === undefined) continue; // released between our attempt and the read: try again
    if (pid === null) {
      // A runtime writes its pid right after creating the file: this one may be starting.
      throw new ActorchainError('DATA_DIR_LOCKED', `${dir} is locked by ${file}, which holds no pid; remove it if no runtime uses ${dir}`);
    }
    if (pid === process.pid && heldHere.has(key)) {
      throw new ActorchainError('DATA_DIR_LOCKED', `${dir} is in use by another runtime in this process (${file}); close that runtime first`);
    }
    if (pid !== process.pid && isRunning(pid)) {
      const advice = `stop that runtime, or remove ${file} if no runtime uses ${dir}`;
      throw new ActorchainError('DATA_DIR_LOCKED', `${dir} is in use by the runtime with pid ${pid} (${file}); ${advice}`);
    }
    onStaleLock(`taking over ${file} from pid ${pid}, which no longer runs (a runtime that was killed or crashed)`, { lock: file, stalePid: pid });
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw unusable(file, err);
    });
  }
  heldHere.add(key);
  return {
    async release() {
      if (!heldHere.delete(key)) return;
      if ((await holderOf(file).catch(() => undefined)) === process.pid) await unlink(file).catch(() => {});
    },
  };
}
