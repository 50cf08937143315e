/**
 * Loading the bundled module in Node before componentizing it: a module that throws while it
 * loads, or lacks `actor` or one of its functions, is refused here with a message naming the
 * problem (componentize-js would fail later, slower, and say less). The module runs in a child
 * process so that one that never finishes loading can be stopped.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ActorchainError } from '../errors.js';
import { displayPath } from './display-path.js';

export const ACTOR_FUNCTIONS = ['init', 'handle', 'stateContract', 'messageContract'] as const;

/** How long the module may take to load. */
const LOAD_TIMEOUT_MS = 15_000;

export type ProbeReport =
  /** `migrate`: the module exports `migration` with `migrate` (the component gets the migration export). */
  | { kind: 'ok'; migrate: boolean }
  | { kind: 'threw'; message: string; at?: string }
  | { kind: 'no-actor'; exports: string[] }
  | { kind: 'incomplete'; missing: string[] };

const CHILD = fileURLToPath(new URL('./probe-child.js', import.meta.url));

function run(bundlePath: string): Promise<ProbeReport> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [bundlePath], { execArgv: ['--enable-source-maps'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    let report: ProbeReport | undefined;
    child.on('message', (m) => (report = m as ProbeReport));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ActorchainError('BUILD_LOAD_FAILED', `the module did not finish loading within ${LOAD_TIMEOUT_MS / 1000} s: does its top level loop or wait?`));
    }, LOAD_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (report) resolve(report);
      else reject(new ActorchainError('BUILD_LOAD_FAILED', `the module ended the process while loading (exit code ${code})${stderr ? `:\n${stderr.trim()}` : ''}`));
    });
  });
}

/** Throws BUILD_LOAD_FAILED or BUILD_MISSING_EXPORTS; returns whether the whole actor also exports `migration.migrate`. */
export async function probe(bundlePath: string, sourcePath: string): Promise<{ migrate: boolean }> {
  const report = await run(bundlePath);
  const source = displayPath(sourcePath);
  switch (report.kind) {
    case 'ok':
      return { migrate: report.migrate };
    case 'threw': {
      const at = report.at && displayPath(report.at.startsWith('file:') ? fileURLToPath(report.at) : report.at);
      throw new ActorchainError(
        'BUILD_LOAD_FAILED',
        `${source} threw while loading${at ? ` (at ${at})` : ''}: ${report.message}. Move work that can fail into init or handle.`,
      );
    }
    case 'no-actor':
      throw new ActorchainError(
        'BUILD_MISSING_EXPORTS',
        `${source} does not export \`actor\` (its exports: ${report.exports.join(', ') || 'none'}). ` +
          `Export \`export const actor = { ${ACTOR_FUNCTIONS.join(', ')} }\`.`,
      );
    case 'incomplete':
      if (report.missing.includes('migration.migrate')) {
        throw new ActorchainError(
          'BUILD_MISSING_EXPORTS',
          `the migration ${source} exports is not a function: export \`export function migrate(state) { … }\`, \`export const migrate = defineMigration(…)\` or \`export const migration = { migrate(state) { … } }\``,
        );
      }
      throw new ActorchainError(
        'BUILD_MISSING_EXPORTS',
        `\`actor\` in ${source} lacks ${report.missing.join(', ')}: an actor needs all of ${ACTOR_FUNCTIONS.join(', ')} as functions.`,
      );
  }
}
