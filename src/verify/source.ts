/**
 * Where verify and inspect read a chain from: a data dir or an .ndjson file (streamed from
 * disk), or the URL of a running runtime (paged through GET /chain). Both hand out the same
 * checked groups, so the replay does not know which it reads.
 */
import { ChainFileReader, resolveChainFile, type ChainTail } from '../chain/chain-file.js';
import type { EntryGroup, PositionUnit } from '../chain/check.js';
import { HttpChainReader } from './http-source.js';

export interface ChainSource {
  readonly unit: PositionUnit;
  /** Whole groups in chain order; throws CHAIN_CORRUPT / CHAIN_COMPONENT_MISMATCH. */
  groups(): AsyncIterable<EntryGroup>;
  /** After groups() is done: a torn tail that is not part of the chain. */
  readonly tail: ChainTail | undefined;
}

export interface SourceOptions {
  componentHash?: string;
  /** Progress in the source's own unit (bytes of a file, entries of a URL). */
  onProgress?: (done: number, total: number) => void;
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

export async function openSource(source: string, options: SourceOptions = {}): Promise<ChainSource> {
  if (isUrl(source)) return new HttpChainReader(source, options);
  return new ChainFileReader(await resolveChainFile(source), options);
}
