import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ActorchainError } from '../errors.js';
import { sha256Hex } from '../json/canonical.js';
import { planImports, type ImportPlan } from './imports.js';
import type { Encoding, InstanceSpec } from './calls.js';
import { checkActorInterface, runtimeImports } from './interface.js';
import { limitMemory, WASM_PAGE_BYTES } from './memory-limit.js';
import { transpileCached } from './transpile.js';

/** A component checked, transpiled and compiled: everything a worker needs to instantiate it. */
export interface LoadedComponent {
  path: string;
  /** Lowercase hex SHA-256 of the component file: the genesis entry names it. */
  hash: string;
  encoding: Encoding;
  /** The actor interface's export name in the generated code. */
  actorExport: string;
  /** file: URL of the generated ES module exporting `instantiate`. */
  moduleUrl: string;
  /** Compiled core modules by the name the generated code asks for, memory-limited. */
  modules: Record<string, WebAssembly.Module>;
  imports: ImportPlan;
  maxMemoryBytes: number;
}

/** What a thread needs to instantiate the component (the compiled modules travel by structured clone). */
export function instanceSpec(component: LoadedComponent): InstanceSpec {
  return {
    moduleUrl: component.moduleUrl,
    actorExport: component.actorExport,
    modules: component.modules,
    encoding: component.encoding,
    wasiImports: component.imports.wasi,
    maxMemoryBytes: component.maxMemoryBytes,
  };
}

export interface LoadOptions {
  maxMemoryMiB: number;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const CORE_MODULE_VERSION = [0x01, 0x00, 0x00, 0x00];

function startsWith(bytes: Uint8Array, prefix: number[], at = 0): boolean {
  return prefix.every((b, i) => bytes[at + i] === b);
}

export async function readComponentFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new ActorchainError('COMPONENT_NOT_FOUND', `cannot read the component ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export async function loadComponent(file: string, options: LoadOptions): Promise<LoadedComponent> {
  const bytes = await readComponentFile(file);
  const name = path.basename(file);
  if (!startsWith(bytes, WASM_MAGIC)) {
    throw new ActorchainError('NOT_A_COMPONENT', `${name} is not WebAssembly (it does not start with \\0asm)`);
  }
  if (startsWith(bytes, CORE_MODULE_VERSION, 4)) {
    throw new ActorchainError(
      'NOT_A_COMPONENT',
      `${name} is a core WebAssembly module, not a component: embed the WIT and wrap it (jco componentEmbed + componentNew, or componentize)`,
    );
  }
  const hash = sha256Hex(bytes);
  let transpiled;
  try {
    transpiled = await transpileCached(bytes, hash);
  } catch (err) {
    throw new ActorchainError('NOT_A_COMPONENT', `${name} could not be read as a component: ${String((err as Error).message ?? err)}`, {
      cause: err,
    });
  }
  const { exportName, encoding } = checkActorInterface(transpiled.exports, transpiled.declarations);
  const imports = planImports(transpiled.imports, runtimeImports(transpiled.declarations));

  const maxMemoryBytes = options.maxMemoryMiB * 2 ** 20;
  const maxPages = Math.floor(maxMemoryBytes / WASM_PAGE_BYTES);
  const modules: Record<string, WebAssembly.Module> = {};
  for (const [moduleName, core] of Object.entries(transpiled.coreModules)) {
    modules[moduleName] = await WebAssembly.compile(limitMemory(core, maxPages));
  }
  return {
    path: file,
    hash,
    encoding,
    actorExport: exportName,
    moduleUrl: pathToFileURL(path.join(transpiled.dir, 'component.js')).href,
    modules,
    imports,
    maxMemoryBytes,
  };
}
