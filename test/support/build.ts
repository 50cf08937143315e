/**
 * Test support for `actorchain build`: componentize-js takes about ten seconds a build (more on
 * a loaded machine), so each test file builds its actors once, into a directory shared by
 * its tests and removed when the file ends.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, type CliResult } from './runtime.js';

/** The repository root (tests run from dist/test/). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export const BUILD_TIMEOUT_MS = 300_000;

/** A temporary directory for this test file, removed after its last test. */
export function fileTempDir(prefix = 'actorchain-build-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `actorchain build <args>` run to the end. */
export function build(args: string[], cwd?: string): Promise<CliResult> {
  return runCli(['build', ...args], { timeoutMs: BUILD_TIMEOUT_MS, cwd });
}

/** Build `source` into `out` and fail the test with the CLI's output if the build fails. */
export async function buildOk(source: string, out: string): Promise<string> {
  const result = await build([source, '-o', out]);
  assert.equal(result.code, 0, `actorchain build ${source} failed:\n${result.stderr}`);
  return out;
}
