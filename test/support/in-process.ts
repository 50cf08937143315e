/**
 * Test support: a runtime started in this test's process through the package's API
 * (createRuntime, as an embedding program would), on port 0 and in memory unless a data dir
 * is given; closed when the test ends. For tests that need a running runtime, not the CLI.
 * Its log lines (info and up unless the test asks otherwise) are kept, parsed, in `logs`, as
 * support/runtime.ts keeps a spawned CLI's.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { ActorchainError } from '../../src/errors.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/index.js';

export interface InProcessRuntime extends Runtime {
  /** The base URL without its trailing slash, as support/runtime.ts's startRuntime gives it: `${url}/head`. */
  url: string;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
}

export async function startInProcess(t: TestContext, component: string, options: Omit<RuntimeOptions, 'component'> = {}): Promise<InProcessRuntime> {
  const store = options.dataDir === undefined ? { inMemory: true } : {};
  const logs: Array<Record<string, unknown>> = [];
  const logDestination = { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) };
  const runtime = await createRuntime({ listen: '127.0.0.1:0', logLevel: 'info', logDestination, ...store, ...options, component });
  t.after(() => runtime.close());
  return { ...runtime, url: runtime.url.replace(/\/$/, ''), logs };
}

/** A start refused, as `actorchain run` refuses it before it exits 1. */
export interface RefusedStart {
  error: ActorchainError;
  /** What the runtime logged before it was refused, parsed. */
  logs: Array<Record<string, unknown>>;
  /** The problems as `actorchain run` prints them on stderr: `actorchain: CODE: message`, a line each. */
  lines: string[];
}

/**
 * Start a runtime that must be refused (in memory unless a data dir is given): fails the test if
 * it starts, or if the rejection is not an ActorchainError (which the CLI would print with its stack).
 */
export async function refusedStart(component: string, options: Omit<RuntimeOptions, 'component'> = {}): Promise<RefusedStart> {
  const store = options.dataDir === undefined ? { inMemory: true } : {};
  const logs: Array<Record<string, unknown>> = [];
  const logDestination = { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) };
  const error = await createRuntime({ listen: '127.0.0.1:0', logLevel: 'info', logDestination, ...store, ...options, component }).then(
    async (runtime) => {
      await runtime.close();
      return assert.fail(`${component} started; it should have been refused`);
    },
    (err: unknown) => err,
  );
  assert.ok(error instanceof ActorchainError, String((error as Error)?.stack ?? error));
  return { error, logs, lines: error.all.map((problem) => `actorchain: ${problem.code}: ${problem.message}`) };
}

/** Has the runtime stopped (by itself) already? Asked of the promise as it stands, without waiting. */
export async function hasStopped(runtime: Runtime): Promise<boolean> {
  return (await Promise.race([runtime.stopped.then(() => true), false])) === true;
}
