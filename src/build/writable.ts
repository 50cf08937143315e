/**
 * Where a build writes, checked before componentize-js runs: the component's file (-o), first of
 * all, and the temporary directory (TMPDIR). A build that could not write would otherwise fail
 * after componentize-js' seconds, with a bare file-system error.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ActorchainError, fsReason } from '../errors.js';
import { displayPath } from './display-path.js';
import { makeDirs } from '../make-dirs.js';

/** Refuse, with BUILD_CANNOT_WRITE, an output that cannot be written: its folder is made if missing, and a file made and removed beside it. */
export async function writableOutput(outPath: string): Promise<void> {
  const probe = `${outPath}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    if (statSync(outPath, { throwIfNoEntry: false })?.isDirectory()) throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
    await makeDirs(dirname(outPath));
    await writeFile(probe, '');
  } catch (err) {
    throw new ActorchainError('BUILD_CANNOT_WRITE', `${displayPath(outPath)} cannot be written (${fsReason(err)}): give -o a file in a folder you can write`);
  } finally {
    await rm(probe, { force: true }).catch(() => {});
  }
}

/** A new folder of the temporary directory for a build's files; BUILD_CANNOT_WRITE when none can be made. */
export async function buildTempDir(prefix: string): Promise<string> {
  try {
    return await mkdtemp(join(tmpdir(), prefix));
  } catch (err) {
    throw new ActorchainError(
      'BUILD_CANNOT_WRITE',
      `cannot make a folder in the temporary directory ${tmpdir()} (${fsReason(err)}): set TMPDIR to a folder you can write`,
    );
  }
}
