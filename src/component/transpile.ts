import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writableCacheDir } from '../cache-dir.js';
import { sha256Hex } from '../json/canonical.js';
import type { DirectAbi } from './calls.js';
import { analyzeBindings } from './bindings-analysis.js';
import { padMemoryMaxima } from './memory-limit.js';
import { pruneTranspiled, touchEntry } from './transpile-cache.js';

export interface Transpiled {
  /** Directory holding the generated ES module `component.js` (and a package.json making it ESM). */
  dir: string;
  /** The text of `component.js`: kept by a loaded component in case the cache loses the file. */
  moduleSource: string;
  /** Core module bytes by the name the generated code asks for. */
  coreModules: Record<string, Uint8Array>;
  /** Generated TypeScript declarations, by relative path. */
  declarations: Record<string, string>;
  imports: string[];
  exports: string[];
  /** How its core functions can be called past the bindings, if they can (direct-abi.ts). */
  direct: DirectAbi | undefined;
}

const OPTIONS = { name: 'component', instantiation: 'async', quiet: true } as const;

/**
 * The generated bindings look up `process.env.JCO_DEBUG` on every call across the component
 * boundary; on the main thread that is a trip into the C++ environment accessor, a quarter
 * of `verify`'s time. Read it once when the module loads instead. Bump PATCH_VERSION when
 * the patch changes so cached transpiles are redone. Since version 4 the cached core modules
 * carry their memories' maxima padded (memory-limit.ts), so that a load limits them in place.
 */
const DEBUG_CHECK = 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';
const PATCH_VERSION = 4;

function patchGeneratedModule(source: string): string {
  const entry = 'export function instantiate(';
  if (!source.includes(DEBUG_CHECK) || !source.includes(entry)) return source;
  return source
    .replaceAll(DEBUG_CHECK, 'if (!JCO_DEBUG_ONCE) { return; }')
    .replace(entry, `const JCO_DEBUG_ONCE = Boolean(globalThis?.process?.env?.JCO_DEBUG);\n${entry}`);
}
// jco's exports map hides its package.json; find it beside the resolved entry point.
const JCO_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@bytecodealliance/jco')), 'utf8')) as { version: string }).version;

/**
 * Transpile a component with jco, cached by component hash, jco version and options: the
 * 12 MB componentize-js output takes most of a second, and every start and every verify
 * would otherwise pay it. The cache keeps the components used last (transpile-cache.ts).
 */
export async function transpileCached(component: Uint8Array, componentHash: string): Promise<Transpiled> {
  const key = sha256Hex(`${componentHash}:${JCO_VERSION}:${JSON.stringify(OPTIONS)}:${PATCH_VERSION}`).slice(0, 32);
  // Without a cache that can be written (a read-only home), a private folder for this transpile
  // alone, removed once read: a loaded component needs none of its files (load.ts).
  const shared = await writableCacheDir('transpiled');
  const root = shared ?? (await mkdtemp(path.join(tmpdir(), 'actorchain-transpiled-')));
  const dir = path.join(root, key);
  const cached = await readTranspiled(dir);
  if (cached) {
    await touchEntry(dir); // its last use, which the cache's bound goes by (transpile-cache.ts)
    return cached;
  }

  // jco (and its native minifier) is loaded only for a component not in the cache: a start
  // with a cached one does without it.
  const { transpile } = await import('@bytecodealliance/jco');
  const result = await transpile(component, OPTIONS);
  const staging = `${dir}.${process.pid}.${Date.now()}.tmp`;
  await mkdir(staging, { recursive: true });
  let direct: DirectAbi | undefined;
  for (const [name, bytes] of Object.entries(result.files)) {
    await mkdir(path.dirname(path.join(staging, name)), { recursive: true });
    let content: Uint8Array | string = bytes;
    if (name.endsWith('.wasm')) content = padMemoryMaxima(bytes);
    if (name === 'component.js') {
      content = patchGeneratedModule(Buffer.from(bytes).toString('utf8'));
      direct = analyzeBindings(content, result.imports);
    }
    await writeFile(path.join(staging, name), content);
  }
  await writeFile(path.join(staging, 'package.json'), '{"type":"module"}\n');
  const meta = { imports: result.imports, exports: result.exports.map(([name]) => name), direct };
  await writeFile(path.join(staging, 'meta.json'), JSON.stringify(meta));
  let renamed = true;
  try {
    await rename(staging, dir);
  } catch {
    renamed = false; // another process finished the same transpile first; its copy is identical
  }
  // Theirs, or, when theirs is being removed meanwhile (a prune), this one where it was made.
  const made = (await readTranspiled(dir)) ?? (await readTranspiled(staging));
  if (made === undefined) throw new Error(`the transpiled component could not be read back from ${dir}`);
  if (made.dir === dir && !renamed) await rm(staging, { recursive: true, force: true });
  if (shared === undefined) await rm(root, { recursive: true, force: true });
  else if (renamed) await pruneTranspiled(root);
  return made;
}

/** An entry of the cache, read; undefined when it is not there whole (not made yet, or removed). */
async function readTranspiled(dir: string): Promise<Transpiled | undefined> {
  try {
    const meta = JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')) as { imports: string[]; exports: string[]; direct?: DirectAbi };
    const moduleSource = await readFile(path.join(dir, 'component.js'), 'utf8');
    const coreModules: Record<string, Uint8Array> = {};
    const declarations: Record<string, string> = {};
    for (const name of await readdir(dir, { recursive: true })) {
      if (name.endsWith('.wasm')) coreModules[name] = await readFile(path.join(dir, name));
      else if (name.endsWith('.d.ts')) declarations[name.split(path.sep).join('/')] = await readFile(path.join(dir, name), 'utf8');
    }
    return { dir, moduleSource, coreModules, declarations, imports: meta.imports, exports: meta.exports, direct: meta.direct };
  } catch {
    return undefined;
  }
}
