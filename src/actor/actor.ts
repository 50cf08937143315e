import type { Logger } from 'pino';
import type { Chain, Transition } from '../chain/chain.js';
import type { LoadedComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { CallVerdict } from '../supervisor/worker-fault.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Receipt } from '../chain/notary.js';
import { commitInit } from './init.js';
import { IdempotencyKeys, type Applied, type Submitted } from './idempotency.js';
import { Retiring } from './retiring.js';
import { Mailbox } from './mailbox.js';
import { startSupervisor, type SupervisorStartOptions } from './start-supervisor.js';
import { refusal } from './transition.js';
import { migrateLive, sameComponent } from './upgrade.js';

export interface ActorOptions {
  timeoutMs: number;
  initTimeoutMs: number;
  maxQueue: number;
  maxRestarts: number;
  restartWindowMs: number;
  /** Normalized origins `send` may reach (--allow-send); absent: anywhere. */
  allowedSendOrigins?: readonly string[];
  /** The largest state, in bytes, that may be committed (--max-state); absent: any. */
  maxStateBytes?: number;
  onRestart?: (cause: string) => void;
  /** Told of each message refused because a send is not allowed. */
  onSendRefused?: () => void;
  /** Delivers the sends of each state entry once it is durable. */
  outbox: Outbox;
}

export type { SupervisorStartOptions } from './start-supervisor.js';
export type { Applied, Submitted } from './idempotency.js';

/**
 * One actor: its component (through the supervisor), its chain, and the mailbox that
 * applies messages one at a time. Nothing reaches the chain unless every check passed.
 */
export class Actor {
  readonly chain: Chain;
  #component: LoadedComponent;
  #supervisor: Supervisor;
  /** The last live upgrade queued, settled once it is committed or refused: messages after it start on its component. */
  #upgrading: Promise<unknown> | undefined;
  /** Settles when the current supervisor's restart budget is exhausted (see Supervisor.exhausted). */
  readonly exhausted: Promise<ActorchainError>;
  #giveUp!: (reason: ActorchainError) => void;
  readonly #mailbox: Mailbox;
  /** The supervisor the last live upgrade replaced, until it is closed. */
  readonly #retiring = new Retiring();
  readonly #keys: IdempotencyKeys;
  readonly #options: ActorOptions;
  readonly #logger: Logger;

  private constructor(component: LoadedComponent, chain: Chain, supervisor: Supervisor, options: ActorOptions, logger: Logger) {
    this.#component = component;
    this.chain = chain;
    this.#supervisor = supervisor;
    this.#options = options;
    this.#logger = logger;
    this.#mailbox = new Mailbox(options.maxQueue);
    this.#keys = new IdempotencyKeys(chain, (position, hash) => this.#receipt(position, hash));
    this.exhausted = new Promise((resolve) => (this.#giveUp = resolve));
    this.#watch(supervisor);
  }

  /** The component in use (the last live upgrade's, or the one started with). */
  get component(): LoadedComponent {
    return this.#component;
  }

  get supervisor(): Supervisor {
    return this.#supervisor;
  }

  #watch(supervisor: Supervisor): void {
    void supervisor.exhausted.then((reason) => {
      if (supervisor === this.#supervisor) this.#giveUp(reason);
    });
  }

  /**
   * Start the component's worker and, for a chain with no entries, commit genesis and the
   * state from `init`. A chain that already has a state resumes from it without `init`.
   */
  static async start(
    component: LoadedComponent,
    chain: Chain,
    options: ActorOptions,
    logger: Logger,
    starting: Promise<Supervisor> = Actor.startSupervisor(component, options, logger),
  ): Promise<Actor> {
    const supervisor = await starting;
    const actor = new Actor(component, chain, supervisor, options, logger);
    try {
      if (chain.length === 0) await commitInit(supervisor, chain, component, options.initTimeoutMs, logger);
    } catch (err) {
      await supervisor.close();
      throw err;
    }
    return actor;
  }

  /**
   * The component's worker, started: what start() waits for, begun apart so that a runtime
   * can start it while its chain is being checked (it needs no state until a message).
   */
  static startSupervisor(component: LoadedComponent, options: SupervisorStartOptions, logger: Logger): Promise<Supervisor> {
    return startSupervisor(component, options, logger);
  }

  /**
   * Apply one message (already checked to be a JSON object with canonical text). Resolves
   * once the message and its state are committed and durable; rejects with an
   * ActorchainError and commits nothing otherwise. A message with an idempotency `key` is
   * applied at most once (see IdempotencyKeys); `sender` is the verifier key of the runtime
   * whose signature the request carried (none for an unsigned request).
   */
  async submit(canonical: string, key?: string, sender?: string): Promise<Submitted> {
    if (key === undefined) return { applied: await this.#submit(canonical), repeated: false };
    return this.#keys.submit(canonical, key, sender, () => this.#submit(canonical, key, sender));
  }

  async #submit(canonical: string, key?: string, sender?: string): Promise<Applied> {
    const upgrading = this.#upgrading;
    // The state it meets is the chain's once every earlier message is committed: asked only by a worker that does not hold it.
    const apply = (earlier: Promise<unknown>) => this.#supervisor.apply(canonical, () => earlier.then(this.#committedState), this.#options.timeoutMs);
    const transition = await this.#mailbox.run(
      // Behind a live upgrade, a message is applied by the component the upgrade leaves in use.
      (earlier) => (upgrading ? upgrading.then(() => apply(earlier)) : apply(earlier)),
      (verdict) => this.#commit(canonical, key, sender, verdict),
    );
    return this.#applied(transition);
  }

  /** What a committed transition answers, once it is durable. */
  async #applied(transition: Transition): Promise<Applied> {
    await transition.durable;
    const receipt = await this.#receipt(transition.statePosition, transition.stateHash);
    return { head: transition.stateHash, message: transition.messageHash, state: transition.state, receipt };
  }

  /** A receipt for a durable entry, in the newest tree the durable view covers (one signature per group commit). */
  async #receipt(position: number, hash: string): Promise<Receipt | undefined> {
    const notary = this.chain.notary;
    if (notary === undefined) return undefined;
    return notary.receiptAtEndOfTurn(position, hash, this.#durableLength);
  }

  readonly #committedState = () => this.chain.state.canonical;
  readonly #durableLength = () => this.chain.durable.length;

  /** Runs in arrival order: every earlier message's verdict is committed (or refused) already. */
  #commit(canonical: string, key: string | undefined, sender: string | undefined, verdict: CallVerdict) {
    if (verdict.verdict !== 'committable') {
      if (verdict.verdict === 'send-not-allowed') this.#options.onSendRefused?.();
      throw refusal(verdict);
    }
    const { sends } = verdict.content;
    const transition = this.chain.commitTransition(canonical, verdict.content, key, sender);
    // Chained here, in commit order, so sends to one target are posted in chain order.
    if (sends.length > 0)
      transition.durable.then(
        () => this.#options.outbox.post(transition.stateHash, sends),
        () => {},
      );
    this.#logger.debug({ head: transition.stateHash }, 'message applied');
    return transition;
  }

  /**
   * A live upgrade, as one more step in the mailbox: the new component's supervisor is started
   * first (a standby, ready before the step is queued), and between two messages (every earlier one committed) its worker runs
   * migrate and state-contract on the state the chain has reached; the upgrade pair is
   * committed, the actor switches to the new supervisor and the old one is closed. Messages
   * accepted once the standby is ready are applied by the new component. A refusal changes nothing.
   * `keep` stores the component by hash before the pair is committed.
   */
  async upgradeLive(component: LoadedComponent, keep: () => Promise<void>): Promise<Applied & { upgrade: string }> {
    if (component.hash === this.#component.hash) throw sameComponent(component.hash);
    // Ready before it is queued, so the messages behind the upgrade wait only for the switch
    // (migrate and the commit), not for a worker to start: until then they go to the old one.
    const standby = await Actor.startSupervisor(component, this.#options, this.#logger);
    // Its thread's code warmed with a message this actor committed, so that the messages
    // queued behind the switch do not each pay for a cold thread.
    const sample = this.#supervisor.sample;
    if (sample !== undefined) await standby.warmWith(sample);
    const upgraded = this.#mailbox.run(
      () => Promise.resolve(standby),
      async (supervisor) => {
        try {
          return await this.#switchTo(component, supervisor, keep);
        } catch (err) {
          await supervisor.close();
          throw err;
        }
      },
    );
    this.#upgrading = upgraded.catch(() => {});
    const transition = await upgraded;
    return { upgrade: transition.messageHash, ...(await this.#applied(transition)) };
  }

  async #switchTo(component: LoadedComponent, supervisor: Supervisor, keep: () => Promise<void>) {
    if (component.hash === this.#component.hash) throw sameComponent(component.hash);
    const started = performance.now();
    const content = await migrateLive(supervisor, component, this.chain.state.canonical, this.#options.timeoutMs);
    const migrated = performance.now();
    await keep();
    const kept = performance.now();
    const transition = this.chain.commitUpgrade(component.hash, content);
    const old = this.#supervisor;
    this.#supervisor = supervisor;
    this.#component = component;
    this.#watch(supervisor);
    old.drain();
    this.#retiring.retire(old);
    // How long the messages behind the upgrade waited for it: migrate (with the state-contract), storing the component, the rest of the switch.
    const ms = (from: number, to: number) => Math.round((to - from) * 10) / 10;
    const switchMs = { migrate: ms(started, migrated), keep: ms(migrated, kept), commit: ms(kept, performance.now()) };
    this.#logger.info({ component: component.hash, upgrade: transition.messageHash, head: transition.stateHash, switchMs }, 'upgraded live');
    return transition;
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
    this.#supervisor.drain();
    await this.#mailbox.close(reason);
    await Promise.all([this.#supervisor.close(), this.#retiring.close()]);
    await this.chain.close();
  }
}
