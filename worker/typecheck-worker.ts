/**
 * An actor's type check (src/build/typecheck.ts, `typecheckOffThread`) on a thread of its own,
 * so that it runs beside componentize-js (a child process) rather than before it, and does not
 * hold the event loop of the process that asked for the build (`dev` serves its actor there).
 * Posts null when the source type-checks, or the refusal's code and message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { typecheck } from '../src/build/typecheck.js';
import { ActorchainError } from '../src/errors.js';

try {
  await typecheck(workerData as string);
  parentPort!.postMessage(null);
} catch (err) {
  // Anything else is thrown on: the host sees it as the thread's error.
  if (!(err instanceof ActorchainError)) throw err;
  parentPort!.postMessage({ code: err.code, message: err.message });
}
