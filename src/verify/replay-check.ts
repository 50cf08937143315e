/**
 * `actorchain replay-check <new.wasm> <source>`: what a new component would have done with
 * the messages a chain records, before it is given the chain. Each message entry is run
 * through the new component from the state entry recorded before it, and the outcome is
 * held against the state entry recorded after it:
 *
 *   ... [state S₀] [message m] [state S₁] ...       (as recorded, by the component C in use)
 *                      │
 *   new component N:   runMessage(m, S₀) ──► accepted with S₁ (and the same sends)?  same
 *                                        ──► refused, trapped, another state or sends: a difference
 *
 * When N exports migrate and C is not N, the recorded states are C's shape: both are first
 * taken over as an upgrade from C to N would (S₀' = migrate(S₀), S₁' = migrate(S₁)), and
 * N must turn S₀' into S₁'. Every message entry is checked this way, whichever component
 * handled it (the states before and after an upgrade are recorded like any other); upgrade
 * entries are not messages and are not run. A message's clock and random reads are served
 * from its recorded journal while N asks for the same reads (the Prompter), the host's after.
 *
 * The chain is read with the readers verify uses (a data dir, a file, a runtime's URL), so it
 * is checked as it streams by (hashes, links); it is not replayed with its own components.
 */
import { isBareEntry, journalOf, payloadText, type CheckedEntry } from '../chain/check.js';
import type { GenesisData, MessageData, StateData, UpgradeData } from '../chain/entry.js';
import { runMessage, runMigrate, type Verdict } from '../actor/transition.js';
import type { ActorInstance, InstanceSpec } from '../component/calls.js';
import { instantiateActor } from '../component/instance.js';
import { Prompter } from '../component/journal-player.js';
import { ActorchainError, type ErrorCode } from '../errors.js';
import { canonicalJson } from '../json/canonical.js';
import { openSource } from './source.js';

/** How the new component's answer to a recorded message differs from what the chain records. */
export type DifferenceKind =
  /** Refused (a contract said no, or it returned what the runtime never commits) where the chain records it accepted. */
  | 'refused'
  /** Trapped or ran out of memory. */
  | 'fault'
  /** Its migrate cannot take over the state before or after the message. */
  | 'migrate'
  /** Accepted, with another state. */
  | 'state'
  /** Accepted, with the same state but other sends. */
  | 'sends';

export interface ReplayDifference {
  /** The message entry's position in the chain (the genesis is 0) and its hash. */
  position: number;
  hash: string;
  kind: DifferenceKind;
  /** What the new component did, in words. */
  detail: string;
  /** The component that handled the message when it was recorded. */
  recordedBy: string;
  /** For 'state' and 'sends': what the new component gives, and what the chain records (canonical JSON). */
  expected?: string;
  found?: string;
}

export interface ReplayCheckReport {
  /** The new component's hash. */
  component: string;
  /** Message entries in the chain, and how many were run (all, or --last). */
  messages: number;
  checked: number;
  /** The position of the first message run (undefined when none was). */
  from: number | undefined;
  /** The chain's length in entries as read, and its head. */
  entries: number;
  head: string;
  differences: ReplayDifference[];
}

export interface ReplayCheckOptions {
  /** Run only the last this many message entries. */
  last?: number;
  onProgress?: (done: number, total: number) => void;
  /** Hears when the new component starts running a message (at its position), and when it is done. */
  onStep?: (position: number, running: boolean) => void;
}

/** What run-replay-check.ts hands worker/replay-check-worker.ts, and hears back. */
export interface ReplayCheckWorkerData {
  spec: InstanceSpec;
  hash: string;
  source: string;
  last: number | undefined;
  /** As in VerifyWorkerData (protocol.ts): [0] bumped at every step, [1] the position, [2] 1 while running it. */
  heartbeat: Int32Array;
}
export type ReplayCheckEvent =
  { kind: 'progress'; done: number; total: number } | { kind: 'done'; report: ReplayCheckReport } | { kind: 'failed'; code: ErrorCode; message: string };

/** One recorded message, with the states around it. */
interface RecordedMessage {
  message: CheckedEntry;
  before: CheckedEntry;
  after: CheckedEntry;
  component: string;
}

const SHOWN_CHARS = 200;

function shorten(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}… (${text.length} chars)` : text;
}

function stateText(entry: CheckedEntry): string {
  return payloadText(entry) ?? canonicalJson((entry.data as StateData).state);
}

/** Why a verdict is not an acceptance, in words. */
function describe(verdict: Exclude<Verdict, { verdict: 'committable' }>): string {
  switch (verdict.verdict) {
    case 'message-rejected':
      return `${verdict.fn} refuses it${verdict.reason === undefined ? '' : `: ${verdict.reason}`}`;
    case 'state-rejected':
      return `state-contract refuses the state ${verdict.fn} returns${verdict.reason === undefined ? '' : ` (${verdict.reason})`}: ${shorten(verdict.state)}`;
    case 'state-not-json':
      return `${verdict.fn} returns a state that is not JSON${verdict.text === null ? ' (not UTF-8)' : `: ${shorten(verdict.text)}`}`;
    case 'send-not-json':
      return `handle sends to ${verdict.to} a message that is not JSON`;
    case 'send-in-migrate':
      return `migrate calls send (to ${verdict.to}), which an upgrade does not allow`;
    case 'state-too-large':
    case 'send-not-allowed':
      return verdict.verdict; // never: no limit and no send policy are given
    case 'fault':
      return `${verdict.fn} fails (${verdict.fault}: ${verdict.message})${verdict.detail === undefined ? '' : `\n${verdict.detail}`}`;
  }
}

class NewCode {
  readonly #spec: InstanceSpec;
  readonly #tape = new Prompter();
  #instance: ActorInstance | undefined;

  constructor(spec: InstanceSpec) {
    this.#spec = spec;
  }

  async #fresh(): Promise<ActorInstance> {
    this.#tape.load(undefined);
    this.#instance = await instantiateActor(this.#spec, { log: () => {}, output: () => {}, tape: this.#tape });
    return this.#instance;
  }

  /** The difference for this recorded message, or undefined when the new component answers as the chain records. */
  async check(recorded: RecordedMessage, newHash: string): Promise<ReplayDifference | undefined> {
    const instance = this.#instance ?? (await this.#fresh());
    const { message, before, after, component } = recorded;
    const differs = (kind: DifferenceKind, detail: string, shown?: { expected: string; found: string }): ReplayDifference => ({
      position: message.position,
      hash: message.hash,
      kind,
      detail,
      recordedBy: component,
      ...shown,
    });
    const faulted = (verdict: Verdict) => {
      // A trapped instance is dead: the next message starts a fresh one.
      if (verdict.verdict === 'fault') this.#instance = undefined;
    };

    let input = stateText(before);
    let expected = stateText(after);
    if (instance.migrate !== undefined && component !== newHash) {
      const taken: string[] = [];
      for (const [which, state] of [
        ['before', input],
        ['after', expected],
      ] as const) {
        this.#tape.load(undefined);
        const verdict = runMigrate(instance, state, { journal: () => undefined });
        faulted(verdict);
        if (verdict.verdict !== 'committable') {
          return differs('migrate', `migrate cannot take over the state recorded ${which} this message (${describe(verdict)}): ${shorten(state)}`);
        }
        taken.push(verdict.content.state);
      }
      [input, expected] = taken as [string, string];
    }

    this.#tape.load(journalOf(after));
    const text = payloadText(message) ?? canonicalJson((message.data as MessageData).message);
    const verdict = runMessage(instance, text, input, { journal: () => undefined });
    faulted(verdict);
    if (verdict.verdict !== 'committable') {
      return differs(verdict.verdict === 'fault' ? 'fault' : 'refused', `${describe(verdict)}, where the chain records it accepted`);
    }
    if (verdict.content.state !== expected) {
      return differs('state', 'accepted with another state', { expected: verdict.content.state, found: expected });
    }
    const sends = canonicalJson(verdict.content.sends);
    const recordedSends = isBareEntry(after) ? '[]' : canonicalJson((after.data as StateData).sends ?? []);
    if (sends !== recordedSends) return differs('sends', 'accepted with the same state but other sends', { expected: sends, found: recordedSends });
    return undefined;
  }
}

/**
 * Run the recorded messages of `source` (a data dir, a chain file, or a runtime's URL)
 * through the component `spec` (hash `hash`). Throws what the source's reader throws
 * (CHAIN_SOURCE_UNREADABLE, CHAIN_CORRUPT, ...).
 */
export async function replayCheck(spec: InstanceSpec, hash: string, source: string, options: ReplayCheckOptions = {}): Promise<ReplayCheckReport> {
  const reader = await openSource(source, { onProgress: options.onProgress });
  const code = new NewCode(spec);
  const differences: ReplayDifference[] = [];
  /** --last N: the last N messages seen, run once the chain is read. */
  const kept: RecordedMessage[] = [];
  let messages = 0;
  let checked = 0;
  let from: number | undefined;
  let component = '';
  let stateBefore: CheckedEntry | undefined;
  let entries = 0;
  let head = '';

  const run = async (recorded: RecordedMessage) => {
    from ??= recorded.message.position;
    checked += 1;
    options.onStep?.(recorded.message.position, true);
    const difference = await code.check(recorded, hash);
    options.onStep?.(recorded.message.position, false);
    if (difference) differences.push(difference);
  };

  for await (const [first, state] of reader.groups()) {
    entries = state.position + 1;
    head = state.hash;
    if (first.kind === 'genesis') component = (first.data as GenesisData)['component-hash'];
    else if (first.kind === 'upgrade') component = (first.data as UpgradeData).upgrade['component-hash'];
    else {
      messages += 1;
      const recorded = { message: first, before: stateBefore!, after: state, component };
      if (options.last === undefined) await run(recorded);
      else {
        kept.push(recorded);
        if (kept.length > options.last) kept.shift();
      }
    }
    stateBefore = state;
  }
  if (entries === 0) throw new ActorchainError('CHAIN_CORRUPT', `${source} has no whole entries: nothing to run`);
  for (const recorded of kept) await run(recorded);
  return { component: hash, messages, checked, from, entries, head, differences };
}
