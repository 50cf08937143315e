/**
 * A chain seen as a transparency log: its genesis key, its entries by hash, its newest signed
 * checkpoint and proofs. From a running runtime or mirror (GET /chain, /checkpoint, /proof/*),
 * or from a data dir (chain.ndjson read whole, the tree recomputed, the checkpoint the runtime
 * left in tree.checkpoint). Nothing a source says is trusted: the caller checks every
 * signature, hash and proof.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { readChainBytes } from '../chain/chain-bytes.js';
import path from 'node:path';
import { CHAIN_FILE } from '../chain/chain-file.js';
import type { ChainPage } from '../chain/chain.js';
import { readSignedCheckpoint } from '../chain/tree-file.js';
import { ActorchainError } from '../errors.js';
import { leafHash, MerkleTree } from '../tlog/merkle.js';
import { endpoint, getJson, readHeaders } from './http-source.js';
import { isUrl } from './source.js';

export interface LogSource {
  readonly name: string;
  /** The verifier key the genesis records, if it records one. */
  genesisKey(): Promise<string | undefined>;
  /** The exact bytes of the entry named `hash`, or undefined when the log has no such entry. */
  entry(hash: string): Promise<Buffer | undefined>;
  /** The newest signed checkpoint (note text). */
  checkpoint(): Promise<string>;
  consistencyProof(old: number, size: number): Promise<Buffer[]>;
}

function decodeProof(proof: unknown, what: string): Buffer[] {
  if (!Array.isArray(proof) || proof.some((node) => typeof node !== 'string')) {
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${what} is not a list of base64 hashes`);
  }
  return (proof as string[]).map((node) => Buffer.from(node, 'base64'));
}

class HttpLogSource implements LogSource {
  readonly name: string;

  constructor(base: string) {
    this.name = base;
  }

  async genesisKey(): Promise<string | undefined> {
    const url = endpoint(this.name, 'chain');
    url.searchParams.set('limit', '1');
    const page = await getJson<ChainPage>(url);
    const key = (page.entries[0]?.data as { key?: unknown } | undefined)?.key;
    return typeof key === 'string' ? key : undefined;
  }

  async entry(hash: string): Promise<Buffer | undefined> {
    const response = await this.#get(`chain/${hash}`);
    if (response.status === 404) return undefined;
    return Buffer.from(await this.#ok(response).arrayBuffer());
  }

  async checkpoint(): Promise<string> {
    return this.#ok(await this.#get('checkpoint')).text();
  }

  async consistencyProof(old: number, size: number): Promise<Buffer[]> {
    const url = endpoint(this.name, 'proof/consistency');
    url.search = new URLSearchParams({ old: String(old), size: String(size) }).toString();
    return decodeProof((await getJson<{ proof: unknown }>(url)).proof, `GET ${url.pathname}${url.search}`);
  }

  async #get(route: string): Promise<Response> {
    const url = endpoint(this.name, route);
    try {
      return await fetch(url, { headers: readHeaders() });
    } catch (err) {
      const reason = ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
      throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot reach ${url.origin}: ${reason}`, { cause: err });
    }
  }

  #ok(response: Response): Response {
    if (!response.ok) throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `GET ${new URL(response.url).pathname} answered ${response.status}`);
    return response;
  }
}

/** A data dir, read whole: fine for the chains a CLI checks by hand. */
class DirLogSource implements LogSource {
  readonly name: string;
  readonly #lines: Buffer[];
  readonly #positions = new Map<string, number>();
  readonly #tree = new MerkleTree();

  private constructor(dir: string, lines: Buffer[]) {
    this.name = dir;
    this.#lines = lines;
    lines.forEach((line, position) => {
      this.#positions.set(createHash('sha256').update(line).digest('hex'), position);
      this.#tree.append(leafHash(line));
    });
  }

  static async open(dir: string): Promise<DirLogSource> {
    let bytes: Buffer;
    try {
      bytes = await readChainBytes(path.join(dir, CHAIN_FILE));
    } catch (err) {
      throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `there is no chain in ${dir}: ${(err as Error).message}`, { cause: err });
    }
    const lines: Buffer[] = [];
    for (let start = 0, end = bytes.indexOf(0x0a); end !== -1; start = end + 1, end = bytes.indexOf(0x0a, start)) lines.push(bytes.subarray(start, end));
    return new DirLogSource(dir, lines);
  }

  async genesisKey(): Promise<string | undefined> {
    const first = this.#lines[0];
    const key = first === undefined ? undefined : (JSON.parse(first.toString()) as { data: { key?: unknown } }).data.key;
    return typeof key === 'string' ? key : undefined;
  }

  async entry(hash: string): Promise<Buffer | undefined> {
    const position = this.#positions.get(hash);
    return position === undefined ? undefined : this.#lines[position];
  }

  async checkpoint(): Promise<string> {
    const note = await readSignedCheckpoint(this.name);
    if (note === undefined) {
      throw new ActorchainError(
        'CHAIN_SOURCE_UNREADABLE',
        `${this.name} holds no signed checkpoint (tree.checkpoint is written when a runtime stops); ask the running runtime by its URL`,
      );
    }
    return note;
  }

  async consistencyProof(old: number, size: number): Promise<Buffer[]> {
    if (size > this.#tree.size)
      throw new ActorchainError('CHAIN_EQUIVOCATED', `the checkpoint in ${this.name} signs ${size} entries, but chain.ndjson holds ${this.#tree.size}`);
    return this.#tree.consistencyProof(old, size);
  }
}

export async function openLogSource(source: string): Promise<LogSource> {
  if (isUrl(source)) return new HttpLogSource(source);
  const info = await stat(source).catch(() => undefined);
  if (!info?.isDirectory()) throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `${source} is neither a runtime's URL nor a data dir`);
  return DirLogSource.open(source);
}
