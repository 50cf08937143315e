import type { Logger } from 'pino';
import { Chain } from '../chain/chain.js';
import type { LoadedComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import { WorkerFaultError } from '../supervisor/actor-worker.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { Mailbox } from './mailbox.js';
import { dispatchSends } from './outbox.js';
import { refusal } from './transition.js';

export interface ActorOptions {
  timeoutMs: number;
  initTimeoutMs: number;
  maxQueue: number;
  maxRestarts: number;
  restartWindowMs: number;
  onRestart?: (cause: string) => void;
  /** Origins the component's sends may reach; absent: anywhere. */
  allowedOrigins?: readonly string[];
}

export interface Applied {
  head: string;
  message: string;
  state: unknown;
}

/**
 * One actor: its component (through the supervisor), its chain, and the mailbox that
 * applies messages one at a time. Nothing reaches the chain unless every check passed.
 */
export class Actor {
  readonly chain: Chain;
  readonly component: LoadedComponent;
  readonly supervisor: Supervisor;
  readonly #mailbox: Mailbox;
  readonly #options: ActorOptions;
  readonly #logger: Logger;

  private constructor(component: LoadedComponent, chain: Chain, supervisor: Supervisor, options: ActorOptions, logger: Logger) {
    this.component = component;
    this.chain = chain;
    this.supervisor = supervisor;
    this.#options = options;
    this.#logger = logger;
    this.#mailbox = new Mailbox(options.maxQueue);
  }

  /**
   * Start the component's worker and, for a chain with no entries, commit genesis and the
   * state from `init`. A chain that already has a state resumes from it without `init`.
   */
  static async start(component: LoadedComponent, chain: Chain, options: ActorOptions, logger: Logger): Promise<Actor> {
    const supervisor = await Supervisor.start(
      component,
      {
        instantiateTimeoutMs: options.initTimeoutMs,
        maxRestarts: options.maxRestarts,
        restartWindowMs: options.restartWindowMs,
        onRestart: options.onRestart,
        allowedOrigins: options.allowedOrigins,
      },
      logger,
    );
    const actor = new Actor(component, chain, supervisor, options, logger);
    try {
      if (chain.length === 0) await actor.#commitInit();
    } catch (err) {
      await supervisor.close();
      throw err;
    }
    return actor;
  }

  async #commitInit(): Promise<void> {
    for (;;) {
      let verdict;
      try {
        verdict = await this.supervisor.call('init', [], this.#options.initTimeoutMs);
      } catch (err) {
        if (!(err instanceof WorkerFaultError)) throw err;
        this.#logger.warn({ cause: err.code }, `init failed: ${err.message}`);
        if (this.supervisor.gaveUp) {
          const code = err.fault === 'timeout' ? 'INIT_TIMEOUT' : 'INIT_FAILED';
          const what = err.fault === 'timeout' ? `init timed out (${err.message})` : `init failed (${err.message})`;
          throw new ActorchainError(code, `${what} on every attempt until the restart budget ran out`, { cause: err });
        }
        continue;
      }
      // A state that is not JSON or is refused is a verdict on the component, not a fault to retry.
      if (verdict.verdict !== 'committable') throw refusal(verdict);
      await this.chain.commitStart(this.component.hash, verdict.content);
      return;
    }
  }

  /**
   * Apply one message (already checked to be a JSON object with canonical text). Resolves
   * once the message and its state are committed and durable; rejects with an
   * ActorchainError and commits nothing otherwise.
   */
  async submit(canonical: string): Promise<Applied> {
    const { transition, sends } = await this.#mailbox.run(() => this.#apply(canonical));
    await transition.durable;
    if (sends.length > 0) dispatchSends(sends, transition.stateHash, this.#logger);
    return { head: transition.stateHash, message: transition.messageHash, state: transition.state.value };
  }

  async #apply(canonical: string) {
    const verdict = await this.supervisor.call('apply', [canonical, this.chain.state.canonical], this.#options.timeoutMs);
    if (verdict.verdict !== 'committable') throw refusal(verdict);
    const { sends } = verdict.content;
    const transition = this.chain.commitTransition(canonical, verdict.content);
    this.#logger.debug({ head: transition.stateHash }, 'message applied');
    return { transition, sends };
  }

  /** Messages accepted and not yet applied, the one in progress included. */
  get pending(): number {
    return this.#mailbox.pending;
  }

  /**
   * Stop: refuse new messages, let the one in progress finish (waiting ones are answered
   * with `reason`), stop the worker and close the chain.
   */
  async close(reason = new ActorchainError('ACTOR_UNAVAILABLE', 'the runtime is shutting down')): Promise<void> {
    this.supervisor.drain();
    await this.#mailbox.close(reason);
    await this.supervisor.close();
    await this.chain.close();
  }
}
