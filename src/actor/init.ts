import type { Logger } from 'pino';
import type { Chain } from '../chain/chain.js';
import type { LoadedComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { WorkerFaultError } from '../supervisor/worker-fault.js';
import { refusal } from './transition.js';

/**
 * A new chain's first two entries: genesis and the state `init` returns. A fault in `init`
 * is retried on a fresh worker until the restart budget runs out (INIT_TIMEOUT,
 * INIT_FAILED); a state that is not JSON or is refused is a verdict on the component, not a
 * fault to retry, and fails at once.
 */
export async function commitInit(supervisor: Supervisor, chain: Chain, component: LoadedComponent, initTimeoutMs: number, logger: Logger): Promise<void> {
  for (;;) {
    let verdict;
    try {
      verdict = await supervisor.call('init', [], initTimeoutMs);
    } catch (err) {
      if (!(err instanceof WorkerFaultError)) throw err;
      logger.warn({ cause: err.code }, `init failed: ${err.message}`);
      if (supervisor.gaveUp) {
        const code = err.fault === 'timeout' ? 'INIT_TIMEOUT' : 'INIT_FAILED';
        const what = err.fault === 'timeout' ? `init timed out (${err.message})` : `init failed (${err.message})`;
        throw new ActorchainError(code, `${what} on every attempt until the restart budget ran out`, { cause: err });
      }
      continue;
    }
    if (verdict.verdict !== 'committable') throw refusal(verdict);
    await chain.commitStart(component.hash, verdict.content, chain.notary?.verifierKey);
    return;
  }
}
