/**
 * componentize-js' splice, kept. Before every build, componentize-js splices the bindings of
 * the WIT world into its 12 MB StarlingMonkey engine: it parses and re-encodes the whole
 * engine, 3.5 s of the 6 s a build of a small actor takes on 2 cores. What the splice makes
 * (the engine with its bindings, their JavaScript glue, the lists of exports and imports)
 * depends on the engine, the features, the WIT and the world, never on the actor's source,
 * so one splice serves every build against the same world: it is kept in the user's cache
 * (cache-dir.ts, kind `splices`), by the hash of all of those.
 *
 * componentize-js gives no option for this; its splicer is a module-level object that
 * componentize() calls through (`splicer.spliceBindings`), so the child that runs
 * componentize-js (componentize-child.ts) wraps that one function before the build. The
 * version is pinned (package.json), and useSpliceCache throws when the function is not where
 * 0.23.0 has it, rather than silently building without the cache. A build with a kept splice
 * makes the same component byte for byte (test/e2e/build-reproducible).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writableCacheDir } from '../cache-dir.js';
import { sha256Hex } from '../json/canonical.js';
import { componentizeVersion } from './componentize.js';

interface SpliceResult {
  wasm: Uint8Array;
  jsBindings: string;
  exports: unknown[];
  imports: unknown[];
}
type SpliceBindings = (
  engine: Uint8Array,
  features: string[],
  witWorld: string | undefined,
  witPath: string | undefined,
  worldName: string | undefined,
  debug: boolean,
) => SpliceResult;

/** What the splice reads through witPath: the file, or every file under the folder (a WIT package and its deps/). */
function witBytes(hash: ReturnType<typeof createHash>, witPath: string | undefined): void {
  if (witPath === undefined) return;
  if (!statSync(witPath).isDirectory()) {
    hash.update(readFileSync(witPath));
    return;
  }
  const files = readdirSync(witPath, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(path.join(witPath, name)).isFile())
    .sort();
  for (const name of files) hash.update(`\0${name.split(path.sep).join('/')}\0`).update(readFileSync(path.join(witPath, name)));
}

/**
 * A kept splice's name: what the splice reads, by content. The WIT's path is left out (the
 * same WIT in another installation, or a test's copy, gives the same splice byte for byte:
 * checked), so every installation of one componentize-js version shares its splices.
 */
function spliceKey(args: Parameters<SpliceBindings>): string {
  const [engine, features, witWorld, witPath, worldName, debug] = args;
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ componentize: componentizeVersion(), features, witWorld: witWorld ?? null, worldName: worldName ?? null, debug }));
  hash.update(engine);
  witBytes(hash, witPath);
  return hash.digest('hex').slice(0, 32);
}

/** A kept splice, whole (its wasm's hash is checked), or undefined. */
function readKept(base: string): SpliceResult | undefined {
  try {
    const meta = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Omit<SpliceResult, 'wasm'> & { wasmSha256: string };
    const wasm = readFileSync(`${base}.wasm`);
    if (sha256Hex(wasm) !== meta.wasmSha256) return undefined;
    return { wasm, jsBindings: meta.jsBindings, exports: meta.exports, imports: meta.imports };
  } catch {
    return undefined;
  }
}

/** Keeps a splice: the wasm first, then the description naming its hash (what readKept looks for), each renamed into place whole. */
function keep(base: string, spliced: SpliceResult): void {
  const write = (file: string, data: Uint8Array | string) => {
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, data);
    renameSync(partial, file);
  };
  try {
    write(`${base}.wasm`, spliced.wasm);
    write(`${base}.json`, JSON.stringify({ jsBindings: spliced.jsBindings, exports: spliced.exports, imports: spliced.imports, wasmSha256: sha256Hex(spliced.wasm) }));
  } catch {
    // A cache that cannot be written costs the next build the splice, nothing else.
  }
}

/** Makes componentize-js' splice read from, and write to, the user's cache for the rest of this process. */
export async function useSpliceCache(): Promise<void> {
  const dir = await writableCacheDir('splices');
  if (dir === undefined) return; // no cache to keep splices in: each build splices
  const entry = import.meta.resolve('@bytecodealliance/componentize-js');
  // The package exports only its entry point; its splicer is the module componentize.js imports, by file URL.
  const module = (await import(new URL('../lib/spidermonkey-embedding-splicer.js', entry).href)) as { splicer?: { spliceBindings?: SpliceBindings } };
  const splicer = module.splicer;
  const splice = splicer?.spliceBindings;
  if (splicer === undefined || typeof splice !== 'function') {
    throw new Error(`componentize-js ${componentizeVersion()} has no splicer.spliceBindings where 0.23.0 has it: update src/build/splice-cache.ts`);
  }
  splicer.spliceBindings = (...args) => {
    const base = path.join(dir, spliceKey(args));
    const kept = readKept(base);
    if (kept !== undefined) return kept;
    const spliced = splice(...args);
    keep(base, spliced);
    return spliced;
  };
}
