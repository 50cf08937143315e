import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ActorchainError, type ErrorCode } from '../errors.js';
import { sha256Hex } from '../json/canonical.js';
import { ACTOR_INTERFACE, planImports, unversioned, type ImportPlan } from './imports.js';
import type { DirectAbi, Encoding, InstanceSpec } from './calls.js';
import { checkActorInterface, checkMigrationInterface, runtimeImports } from './interface.js';
import { limitMemory, limitMemoryInPlace, WASM_PAGE_BYTES } from './memory-limit.js';
import { transpileCached } from './transpile.js';
import { oneLine, readWorld, refuseNonComponent } from './world.js';

/** A component checked, transpiled and compiled: everything a worker needs to instantiate it. */
export interface LoadedComponent {
  path: string;
  /** Lowercase hex SHA-256 of the component file: the genesis entry names it. */
  hash: string;
  encoding: Encoding;
  /** The actor interface's export name in the generated code. */
  actorExport: string;
  /** The migration interface's, when the component exports one (src/wit/actor-migrate.wit). */
  migrationExport: string | undefined;
  /** file: URL of the generated ES module exporting `instantiate`, in the cache (transpile.ts). */
  moduleUrl: string;
  /** That module's text: what a thread imports instead when the cache has lost the file (see instanceSpec). */
  moduleSource: string;
  /** Compiled core modules by the name the generated code asks for, memory-limited. */
  modules: Record<string, WebAssembly.Module>;
  imports: ImportPlan;
  maxMemoryBytes: number;
  /** Set when the core functions can be called past the generated bindings (direct-abi.ts). */
  direct: DirectAbi | undefined;
}

/** The generated modules' text as data: URLs, made once per component that needed one. */
const moduleDataUrls = new WeakMap<LoadedComponent, string>();

/**
 * Where a thread imports the generated module from: its file in the cache, or, when the cache no
 * longer has it (a user cleaned ~/.cache, a temporary-file cleaner took a private folder), the
 * same text as a data: URL. A runtime started before keeps starting workers: it needs no file
 * after its start (the core modules are compiled, the text is kept). The file is the usual way:
 * a worker imports it about a third sooner.
 */
function moduleUrl(component: LoadedComponent): string {
  if (existsSync(fileURLToPath(component.moduleUrl))) return component.moduleUrl;
  let url = moduleDataUrls.get(component);
  if (url === undefined) {
    url = `data:text/javascript;base64,${Buffer.from(component.moduleSource).toString('base64')}`;
    moduleDataUrls.set(component, url);
  }
  return url;
}

/** What a thread needs to instantiate the component (the compiled modules travel by structured clone). */
export function instanceSpec(component: LoadedComponent): InstanceSpec {
  return {
    moduleUrl: moduleUrl(component),
    actorExport: component.actorExport,
    migrationExport: component.migrationExport,
    modules: component.modules,
    encoding: component.encoding,
    wasiImports: component.imports.wasi,
    maxMemoryBytes: component.maxMemoryBytes,
    direct: component.direct,
  };
}

export interface LoadOptions {
  maxMemoryMiB: number;
  /** Hash, transpile and compile in a worker thread, leaving this one free: a runtime that serves while it loads (a live upgrade). */
  offThread?: boolean;
  /**
   * With offThread: what to warm the component's code with before it is handed back (see
   * worker/load-worker.ts): the state it will take over and messages like those it will get.
   */
  warmWith?: WarmInputs;
}

/** Canonical JSON texts: a chain's current state and some of its recent messages. */
export interface WarmInputs {
  state: string;
  messages: string[];
}

export const startsWithWasm = (bytes: Uint8Array) => bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;

export async function readComponentFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new ActorchainError('COMPONENT_NOT_FOUND', `cannot read the component ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** What crosses to worker/load-worker.ts, and back. */
export interface LoadWorkerData {
  bytes: Uint8Array;
  file: string;
  maxMemoryMiB: number;
  warmWith: WarmInputs | undefined;
}
export type LoadWorkerResult =
  | { kind: 'loaded'; component: LoadedComponent }
  | { kind: 'refused'; problems: Array<{ code: ErrorCode; message: string }> }
  /** Its code warmed (see the worker): sent after 'loaded'. */
  | { kind: 'warmed' };

/** How long a load off the thread waits for the component's code to be warmed before it goes on without. */
const WARM_WAIT_MS = 2000;

async function loadOffThread(bytes: Uint8Array, file: string, maxMemoryMiB: number, warmWith: WarmInputs | undefined): Promise<LoadedComponent> {
  const data: LoadWorkerData = { bytes, file, maxMemoryMiB, warmWith };
  const worker = new Worker(new URL('../../worker/load-worker.js', import.meta.url), { workerData: data });
  let loaded: LoadedComponent | undefined;
  return new Promise<LoadedComponent>((resolve, reject) => {
    const warmed = () => {
      clearTimeout(timer);
      resolve(loaded!);
    };
    let timer: NodeJS.Timeout | undefined;
    worker.on('message', (result: LoadWorkerResult) => {
      if (result.kind === 'refused') reject(ActorchainError.combine(result.problems.map(({ code, message }) => new ActorchainError(code, message))));
      else if (result.kind === 'warmed') warmed();
      else {
        loaded = result.component;
        timer = setTimeout(warmed, WARM_WAIT_MS);
      }
    });
    worker.once('error', (err) => (loaded ? warmed() : reject(err)));
    worker.once('exit', (code) => (loaded ? warmed() : reject(new Error(`the component loading worker exited with code ${code}`))));
  }).finally(() => void worker.terminate());
}

/**
 * Read, check, transpile and compile a component. A component that cannot be an actor is
 * refused with every problem found (exports, encoding, imports) at once, so a user fixes
 * them in one go.
 */
export async function loadComponent(file: string, options: LoadOptions): Promise<LoadedComponent> {
  return loadComponentBytes(await readComponentFile(file), file, options);
}

/** loadComponent for bytes already read (or fetched); `file` names them in messages. */
export async function loadComponentBytes(bytes: Uint8Array, file: string, options: LoadOptions): Promise<LoadedComponent> {
  if (options.offThread) return loadOffThread(bytes, file, options.maxMemoryMiB, options.warmWith);
  const name = path.basename(file);
  if (/\.(m?[jt]s|[cm]ts)$/.test(file) && !startsWithWasm(bytes)) {
    const out = file.replace(/\.[^.]+$/, '.wasm');
    throw new ActorchainError(
      'NOT_A_COMPONENT',
      `${file} is the actor's source, not a component: build it first (actorchain build ${file} -o ${out}), then run ${out}; or serve it while you edit it with actorchain dev ${file}`,
    );
  }
  refuseNonComponent(bytes, name);
  const hash = sha256Hex(bytes);
  let transpiled;
  try {
    transpiled = await transpileCached(bytes, hash);
  } catch (err) {
    // The decoder says what is wrong with the file more plainly than the transpiler.
    await readWorld(bytes, name);
    throw new ActorchainError('NOT_A_COMPONENT', `${name} could not be read as a component: ${oneLine(err)}`, { cause: err });
  }
  // Only a refusal needs the WIT names of the exports (the generated code's names are
  // JavaScript's); decoding the world of a 12 MB component takes a fifth of a second.
  const exportsActor = transpiled.exports.some((exported) => unversioned(exported) === ACTOR_INTERFACE);
  const witExports = exportsActor ? transpiled.exports : (await readWorld(bytes, name)).exports;
  const problems: ActorchainError[] = [];
  const attempt = <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (err) {
      if (!(err instanceof ActorchainError)) throw err;
      problems.push(err);
      return undefined;
    }
  };
  const actor = attempt(() => checkActorInterface(transpiled.exports, transpiled.declarations, witExports));
  const migrationExport = actor && attempt(() => checkMigrationInterface(transpiled.exports, transpiled.declarations, actor.encoding));
  const imports = attempt(() => planImports(transpiled.imports, runtimeImports(transpiled.declarations)));
  const refused = ActorchainError.combine(problems);
  if (refused || !actor || !imports) throw refused;

  const maxMemoryBytes = options.maxMemoryMiB * 2 ** 20;
  const maxPages = Math.floor(maxMemoryBytes / WASM_PAGE_BYTES);
  const modules: Record<string, WebAssembly.Module> = {};
  for (const [moduleName, core] of Object.entries(transpiled.coreModules)) {
    // The cache's copy was read for this load alone: limited where it lies (transpile.ts pads it for that).
    const limited = limitMemoryInPlace(core, maxPages) ? core : limitMemory(core, maxPages);
    modules[moduleName] = await WebAssembly.compile(limited as Uint8Array<ArrayBuffer>);
  }
  return {
    path: file,
    hash,
    encoding: actor.encoding,
    actorExport: actor.exportName,
    migrationExport,
    moduleUrl: pathToFileURL(path.join(transpiled.dir, 'component.js')).href,
    moduleSource: transpiled.moduleSource,
    modules,
    imports,
    maxMemoryBytes,
    direct: process.env.ACTORCHAIN_BINDINGS === 'jco' ? undefined : transpiled.direct,
  };
}
