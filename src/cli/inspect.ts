import type { Command } from 'commander';
import type { GenesisData, StateData } from '../chain/entry.js';
import { ActorchainError } from '../errors.js';
import { endpoint, getJson } from '../verify/http-source.js';
import { isUrl, openSource } from '../verify/source.js';
import { Progress } from './progress.js';

export interface ChainSummary {
  head: string;
  length: number;
  'component-hash': string;
  state: unknown;
}

/** Read the whole file (checking hashes and links on the way) for its first and last entries. */
async function inspectFile(source: string): Promise<ChainSummary> {
  const progress = new Progress('reading', 'bytes');
  const chain = await openSource(source, { onProgress: progress.update });
  let summary: ChainSummary | undefined;
  let componentHash = '';
  try {
    for await (const [first, state] of chain.groups()) {
      if (first.kind === 'genesis') componentHash = (first.data as GenesisData)['component-hash'];
      summary = { head: state.hash, length: state.position + 1, 'component-hash': componentHash, state: (state.data as StateData).state };
    }
  } finally {
    progress.done();
  }
  if (!summary) throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${source} holds no whole entries yet`);
  if (chain.tail) process.stderr.write(`actorchain: warning: ${chain.tail.bytes} bytes from line ${chain.tail.line} are not part of the chain: ${chain.tail.reason}\n`);
  return summary;
}

const CONSISTENT_READ_TRIES = 20;

/** Ask a running runtime. HEAD can move between requests: retry until /head and /state agree. */
async function inspectUrl(base: string): Promise<ChainSummary> {
  const page = await getJson<{ entries: Array<{ data: GenesisData }> }>(endpoint(base, 'chain?limit=1'));
  const componentHash = page.entries[0]?.data['component-hash'];
  if (componentHash === undefined) throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${base} serves an empty chain`);
  for (let tries = 0; tries < CONSISTENT_READ_TRIES; tries++) {
    const { head, length } = await getJson<{ head: string; length: number }>(endpoint(base, 'head'));
    const { head: stateHead, state } = await getJson<{ head: string; state: unknown }>(endpoint(base, 'state'));
    if (head === stateHead) return { head, length, 'component-hash': componentHash, state };
  }
  throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `HEAD of ${base} moved during each of ${CONSISTENT_READ_TRIES} reads; try again when it is quieter`);
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description("print a chain's head, length, component hash and current state as JSON")
    .argument('<source>', 'a data dir (or chain .ndjson file), or the URL of a running runtime')
    .action(async (source: string) => {
      const summary = isUrl(source) ? await inspectUrl(source) : await inspectFile(source);
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });
}
