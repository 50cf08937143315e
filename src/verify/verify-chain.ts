/**
 * One verify of a whole chain, as `actorchain verify <source>` makes it (without --follow): the
 * components gathered (the one given, those named by --component, those the source serves), the
 * source's signed checkpoint read before the chain (a live runtime's chain then holds at least
 * what it signed), every entry checked and replayed on a worker, and the checkpoint checked
 * against the replayed entries. The CLI (cli/verify.ts) parses the options and prints; a program
 * (or a test) calls this in its own process.
 */
import type { VerifyOptions, VerifyResult } from '../../types/index.js';
import { integerOption, MAX_TIMER_MS, OptionChecker } from '../cli/options.js';
import { loadComponent } from '../component/load.js';
import { ActorchainError } from '../errors.js';
import { checkOptionNames } from '../runtime/runtime-options.js';
import { checkSourceCheckpoint, sourceCheckpoint } from './checkpoint-check.js';
import { componentSources, type ReplayComponents } from './component-source.js';
import { runVerify } from './run-verify.js';
import type { VerifySummary } from './verify.js';

export interface ReplayComponentOptions {
  /** The component the genesis names (`verify <component> <source>`). */
  component?: string;
  /** Components the chain names, matched by hash (`--component`, repeatable). */
  components?: readonly string[];
  /** The bound on the component's linear memory, in MiB (`--max-memory`; default 256). */
  maxMemoryMiB?: number;
}

export interface VerifyChainOptions extends ReplayComponentOptions {
  /** How long the replay may make no progress before it is stopped (`--timeout`; default 5000 ms). */
  timeoutMs?: number;
  /** The chain's verifier key, for a chain whose genesis records none (`--key`). */
  key?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface VerifiedChain {
  summary: VerifySummary;
  /** What was found of the signed checkpoint: the line `verify` prints after its summary. */
  checkpoint: string;
}

export const VERIFY_DEFAULTS = { maxMemoryMiB: 256, timeoutMs: 5000 } as const;

/** The components a replay of `source` may use. */
export async function replayComponents(source: string, options: ReplayComponentOptions = {}): Promise<ReplayComponents> {
  const maxMemoryMiB = options.maxMemoryMiB ?? VERIFY_DEFAULTS.maxMemoryMiB;
  const given = options.component === undefined ? undefined : await loadComponent(options.component, { maxMemoryMiB });
  return { given, sources: await componentSources(source, [...(options.components ?? [])], maxMemoryMiB) };
}

/** Verify `source` (a data dir, a chain .ndjson file or a runtime's URL); throws the first problem as an ActorchainError. */
export async function verifyChain(source: string, options: VerifyChainOptions = {}): Promise<VerifiedChain> {
  const components = await replayComponents(source, options);
  const timeoutMs = options.timeoutMs ?? VERIFY_DEFAULTS.timeoutMs;
  const checkpoint = await sourceCheckpoint(source, timeoutMs);
  const summary = await runVerify(components, source, { timeoutMs, onProgress: options.onProgress, treeSize: checkpoint?.size });
  return { summary, checkpoint: await checkSourceCheckpoint(source, checkpoint, summary, options.key) };
}

const invalid = (message: string): never => {
  throw new ActorchainError('INVALID_OPTION', message);
};

/**
 * The package's verifyChain (types/index.d.ts): `verify`'s flags under camelCase names, checked
 * as the flags are (a bad value names the flag; a misspelt option is refused).
 */
export async function verifyChainApi(source: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  if (typeof source !== 'string' || source === '')
    throw new ActorchainError('INVALID_OPTION', 'verifyChain needs a source: a data dir, a chain .ndjson file, or the URL of a running runtime');
  if (typeof options !== 'object' || options === null)
    throw new ActorchainError('INVALID_OPTION', 'verifyChain takes an options object, such as { component: "actor.wasm" }');
  checkOptionNames(options, ['component', 'components', 'maxMemory', 'timeout', 'key'], 'verifyChain');
  const o = new OptionChecker();
  const { component, components, key } = options;
  if (component !== undefined && typeof component !== 'string') o.check(() => invalid('component must be the path of a .wasm file'));
  if (components !== undefined && (!Array.isArray(components) || components.some((file) => typeof file !== 'string')))
    o.check(() => invalid('components must be an array of .wasm file paths'));
  if (key !== undefined && typeof key !== 'string') o.check(() => invalid("key must be the chain's verifier key, a string"));
  const maxMemoryMiB = options.maxMemory === undefined ? undefined : o.check(() => integerOption('--max-memory', String(options.maxMemory), 1, 65536));
  const timeoutMs = options.timeout === undefined ? undefined : o.check(() => integerOption('--timeout', String(options.timeout), 1, MAX_TIMER_MS));
  o.done();
  const { summary, checkpoint } = await verifyChain(source, { component, components, maxMemoryMiB, timeoutMs, key });
  const tail = summary.tail && { line: summary.tail.line, bytes: summary.tail.bytes, reason: summary.tail.reason };
  return { entries: summary.entries, head: summary.head, checkpoint, ...(tail && { tail }) };
}
