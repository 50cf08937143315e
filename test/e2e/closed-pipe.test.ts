/**
 * `actorchain verify <dir> | head -1`: a command whose stdout is closed by its reader ends
 * quietly with a closed pipe's status (141, as SIGPIPE gives), not with a stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { writeEchoChain } from '../support/chain-file.js';
import { CLI } from '../support/runtime.js';

/** Run the CLI with its stdout closed at once (as by a reader that is gone), and collect its stderr and status. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`actorchain ${args.join(' ')} did not end\n${stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

test('verify, export and inspect writing to a closed pipe end quietly with status 141', async (t) => {
  const { dataDir, component } = await writeEchoChain(t, 200);
  for (const args of [
    ['verify', component, dataDir],
    ['export', dataDir],
    ['inspect', dataDir],
  ]) {
    const { code, stderr } = await withClosedStdout(args);
    assert.equal(stderr, '', `${args[0]}: nothing on stderr`);
    assert.equal(code, 141, `${args[0]}: a closed pipe's status`);
  }
});
