/**
 * Where a replay finds the components a chain names (its genesis, then each upgrade), by
 * hash: the files given on the command line (--component, or verify's first argument), the
 * data dir's components/<hash>.wasm, or the runtime's GET /component/<hash>, in that order.
 * Whatever the place, the bytes must hash to the name: a runtime's word is not taken.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { InstanceSpec } from '../component/calls.js';
import { instanceSpec, loadComponentBytes, readComponentFile, type LoadedComponent } from '../component/load.js';
import { componentFile, KeptComponents } from '../chain/components-dir.js';
import { ActorchainError } from '../errors.js';
import { sha256Hex } from '../json/canonical.js';
import { endpoint, readHeaders } from './http-source.js';
import { isUrl } from './source.js';

/** Crosses to the replay worker as it is (plain data). */
export interface ComponentSources {
  /** Component files given explicitly, by the hash of their bytes. */
  files: Record<string, string>;
  /** A data dir whose components/ holds them by hash. */
  dataDir?: string;
  /** A runtime serving GET /component/<hash>. */
  url?: string;
  /**
   * A data dir where what is found elsewhere (fetched from `url`, or among `files`) is kept by
   * hash, once checked (a mirror's: after its primary upgrades, a restarted mirror finds the new
   * component at home, as a runtime does, and serves it at GET /component/<hash>).
   */
  keepIn?: string;
  maxMemoryMiB: number;
}

/** The component files given (--component), by the hash of their bytes. */
export async function componentFilesByHash(files: string[]): Promise<Record<string, string>> {
  const byHash: Record<string, string> = {};
  for (const file of files) byHash[sha256Hex(await readComponentFile(file))] = path.resolve(file);
  return byHash;
}

/** Where verify looks for the components the chain names: the files given, then the data dir or the runtime. */
export async function componentSources(source: string, files: string[], maxMemoryMiB: number): Promise<ComponentSources> {
  const byHash = await componentFilesByHash(files);
  if (isUrl(source)) return { files: byHash, url: source, maxMemoryMiB };
  const info = await stat(source).catch(() => undefined);
  // A chain file's data dir is the folder it is in.
  const dataDir = info === undefined ? undefined : info.isDirectory() ? source : path.dirname(source);
  return { files: byHash, dataDir, maxMemoryMiB };
}

/** What a replay is handed: the component given first, if any, and where to find the others. */
export interface ReplayComponents {
  /** verify's first argument: the chain's genesis must name it. */
  given?: LoadedComponent;
  sources: ComponentSources;
}

/** The worker's share of ReplayComponents (the given one's compiled modules travel by structured clone). */
export function replayData(components: ReplayComponents): { spec?: InstanceSpec; componentHash?: string; components: ComponentSources } {
  const { given, sources } = components;
  return given ? { spec: instanceSpec(given), componentHash: given.hash, components: sources } : { components: sources };
}

/** Finds a component by hash: the spec to instantiate it, or COMPONENT_NOT_FOUND / COMPONENT_HASH_MISMATCH. */
export type ComponentResolver = (hash: string, where: string) => Promise<InstanceSpec>;

async function fetchComponent(url: string, hash: string): Promise<Uint8Array | undefined> {
  const address = endpoint(url, `component/${hash}`);
  let response: Response;
  try {
    response = await fetch(address, { headers: readHeaders() });
  } catch (err) {
    throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `cannot fetch the component ${hash} from ${address.origin}: ${(err as Error).message}`);
  }
  // A runtime from before components were served answers 404 too.
  if (response.status === 404) return undefined;
  if (!response.ok) throw new ActorchainError('CHAIN_SOURCE_UNREADABLE', `GET ${address.pathname} answered ${response.status}: ${await response.text().catch(() => '')}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function findBytes(sources: ComponentSources, hash: string): Promise<{ bytes: Uint8Array; from: string } | undefined> {
  const given = sources.files[hash];
  if (given !== undefined) return { bytes: await readFile(given), from: given };
  if (sources.dataDir !== undefined) {
    const kept = componentFile(sources.dataDir, hash);
    const bytes = await readFile(kept).catch(() => undefined);
    if (bytes) return { bytes, from: kept };
  }
  if (sources.url !== undefined) {
    const bytes = await fetchComponent(sources.url, hash);
    if (bytes) return { bytes, from: endpoint(sources.url, `component/${hash}`).href };
  }
  return undefined;
}

export function componentResolver(sources: ComponentSources): ComponentResolver {
  const loaded = new Map<string, Promise<InstanceSpec>>();
  const load = async (hash: string, where: string): Promise<InstanceSpec> => {
    const found = await findBytes(sources, hash);
    if (!found) {
      const places = [
        Object.keys(sources.files).length > 0 ? 'among the components given' : undefined,
        sources.dataDir === undefined ? undefined : `in ${componentFile(sources.dataDir, hash)}`,
        sources.url === undefined ? undefined : `at ${endpoint(sources.url, `component/${hash}`).href}`,
      ].filter((place) => place !== undefined);
      const looked = places.length === 0 ? 'none was given' : `it is not ${places.join(', nor ')}`;
      throw new ActorchainError('COMPONENT_NOT_FOUND', `${where} names the component ${hash}, and ${looked}: give it with --component <file>`);
    }
    const actual = sha256Hex(found.bytes);
    if (actual !== hash) {
      throw new ActorchainError('COMPONENT_HASH_MISMATCH', `${where} names the component ${hash}, but the bytes from ${found.from} hash to ${actual}; they are not run`);
    }
    const loadedComponent = await loadComponentBytes(found.bytes, found.from, { maxMemoryMiB: sources.maxMemoryMiB });
    if (sources.keepIn !== undefined && found.from !== componentFile(sources.keepIn, hash)) {
      await new KeptComponents(sources.keepIn).keepBytes(hash, found.bytes);
    }
    return instanceSpec(loadedComponent);
  };
  return (hash, where) => {
    let spec = loaded.get(hash);
    if (!spec) {
      spec = load(hash, where);
      loaded.set(hash, spec);
    }
    return spec;
  };
}
