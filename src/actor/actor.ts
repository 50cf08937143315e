import type { Logger } from 'pino';
import { Chain, stateFromText, type CommittedState } from '../chain/chain.js';
import type { Send } from '../chain/entry.js';
import type { LoadedComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import { parseCanonical } from '../json/canonical.js';
import type { RawSend } from '../protocol.js';
import { STATE_SHOWN_CHARS } from './transition.js';
import { WorkerFaultError } from '../supervisor/actor-worker.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { Mailbox } from './mailbox.js';
import { dispatchSends } from './outbox.js';

export interface ActorOptions {
  timeoutMs: number;
  initTimeoutMs: number;
  maxQueue: number;
  maxRestarts: number;
  restartWindowMs: number;
  onRestart?: (cause: string) => void;
}

export interface Applied {
  head: string;
  message: string;
  state: CommittedState;
}

function notJson(text: string, what: string): string {
  const shown = text.length > STATE_SHOWN_CHARS ? `${text.slice(0, STATE_SHOWN_CHARS)}…` : text;
  return `${what} returned a state that is not JSON: ${JSON.stringify(shown)}`;
}

/** init's state; a state that is not JSON is a verdict on the component, not a fault to retry. */
function parseInitState(text: string): CommittedState {
  const parsed = parseCanonical(text);
  if (!parsed) throw new ActorchainError('INIT_STATE_INVALID', notJson(text, 'init'));
  return parsed;
}

function parseSends(raw: readonly RawSend[]): Send[] {
  return raw.map(({ to, message }) => {
    const parsed = message === null ? undefined : parseCanonical(message);
    if (!parsed) throw new ActorchainError('SEND_NOT_JSON', `handle called send to ${to} with a message that is not JSON`);
    return { to, message: parsed.value };
  });
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
    const { timeoutMs, initTimeoutMs } = this.#options;
    for (;;) {
      let text: string;
      let accepted: boolean;
      let state: CommittedState;
      try {
        ({ value: text } = await this.supervisor.call('init', [], initTimeoutMs));
        state = parseInitState(text);
        ({ value: accepted } = await this.supervisor.call('stateContract', [state.canonical], timeoutMs));
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
      if (!accepted) throw new ActorchainError('INIT_STATE_INVALID', `state-contract refused the state init returned: ${state.canonical}`);
      await this.chain.commitStart(this.component.hash, state);
      return;
    }
  }

  /**
   * Apply one message (already checked to be a JSON object with canonical text). Resolves
   * once the message and its state are committed and durable; rejects with an
   * ActorchainError and commits nothing otherwise.
   */
  async submit(canonical: string): Promise<Applied> {
    const { transition, state, sends } = await this.#mailbox.run(() => this.#apply(canonical));
    await transition.durable;
    if (sends.length > 0) dispatchSends(sends, transition.stateHash, this.#logger);
    return { head: transition.stateHash, message: transition.messageHash, state };
  }

  async #apply(canonical: string) {
    const current = this.chain.state;
    const { value: result, sends: rawSends } = await this.supervisor.call('transition', [canonical, current.canonical], this.#options.timeoutMs);
    switch (result.verdict) {
      case 'message-rejected':
        throw new ActorchainError('MESSAGE_REJECTED', 'message-contract refused this message for the current state');
      case 'state-not-json':
        throw new ActorchainError('STATE_NOT_JSON', notJson(result.text, 'handle'));
      case 'state-rejected':
        throw new ActorchainError('STATE_REJECTED', 'state-contract refused the state handle produced; nothing was committed');
    }
    const state = stateFromText(result.state);
    const sends = parseSends(rawSends);
    const transition = this.chain.commitTransition(canonical, state, sends);
    this.#logger.debug({ head: transition.stateHash }, 'message applied');
    return { transition, state, sends };
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
