/**
 * Type-checking a TypeScript actor with the compiler's API, as `tsc --noEmit` would, with the
 * nearest tsconfig.json's options (or defaults fit for an actor) and the declarations of
 * `ntwk:simple-actor/runtime` that ship with this package.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type ts from 'typescript';
import { ActorchainError, type ErrorCode } from '../errors.js';
import { located } from './display-path.js';

const RUNTIME_TYPES = fileURLToPath(new URL('../../../types/runtime.d.ts', import.meta.url));
const OWN_SDK_TYPES = fileURLToPath(new URL('../../../types/index.d.ts', import.meta.url));

/** Diagnostics beyond this many are counted, not printed. */
const MAX_SHOWN = 20;

export const isTypeScript = (path: string): boolean => /\.(c|m)?tsx?$/.test(path);

interface Settings {
  options: ts.CompilerOptions;
  /** Where relative settings (types, typeRoots, paths) are resolved from: the tsconfig's directory. */
  directory: string;
}

function settings(typescript: typeof ts, sourcePath: string): Settings {
  const configPath = typescript.findConfigFile(dirname(sourcePath), typescript.sys.fileExists, 'tsconfig.json');
  if (configPath === undefined) {
    const options = {
      strict: true,
      target: typescript.ScriptTarget.ES2022,
      module: typescript.ModuleKind.ESNext,
      moduleResolution: typescript.ModuleResolutionKind.Bundler,
      // console, TextEncoder and friends: the web globals componentize-js provides.
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      allowImportingTsExtensions: true,
      skipLibCheck: true,
    };
    return { options, directory: dirname(sourcePath) };
  }
  const { config, error } = typescript.readConfigFile(configPath, typescript.sys.readFile);
  if (error) throw new ActorchainError('BUILD_TYPE_ERROR', `${configPath}: ${typescript.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  // The tsconfig's files and include are not ours to check: only the actor and what it imports.
  return { options: typescript.parseJsonConfigFileContent(config, typescript.sys, dirname(configPath)).options, directory: dirname(configPath) };
}

function format(typescript: typeof ts, d: ts.Diagnostic): string {
  const text = typescript.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file || d.start === undefined) return text;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return located(d.file.fileName, line + 1, character + 1, text);
}

/** Throws BUILD_TYPE_ERROR naming each error (file, line, column, message). */
export async function typecheck(sourcePath: string): Promise<void> {
  // Loaded only here: the compiler takes a second to load, and JavaScript actors never need it.
  const typescript = (await import('typescript')).default;
  const { options: configured, directory } = settings(typescript, sourcePath);
  const options = { ...configured, noEmit: true };
  // The compiler resolves `types` from its current directory: the project's, not the shell's.
  const host = typescript.createCompilerHost(options);
  host.getCurrentDirectory = () => directory;
  const rootNames = [sourcePath, RUNTIME_TYPES];
  // As the bundle does: `actorchain` is the project's copy if it has one, else this installation's.
  if (!typescript.resolveModuleName('actorchain', sourcePath, options, host).resolvedModule) {
    options.paths = { ...options.paths, actorchain: [OWN_SDK_TYPES] };
  }
  if (
    options.types?.includes('actorchain') &&
    !typescript.resolveTypeReferenceDirective('actorchain', join(directory, 'tsconfig.json'), options, host).resolvedTypeReferenceDirective
  ) {
    options.types = options.types.filter((name) => name !== 'actorchain');
    rootNames.push(OWN_SDK_TYPES);
  }
  const program = typescript.createProgram({ rootNames, options, host });
  const errors = typescript.getPreEmitDiagnostics(program).filter((d) => d.category === typescript.DiagnosticCategory.Error);
  if (errors.length === 0) return;
  const shown = errors.slice(0, MAX_SHOWN).map((d) => format(typescript, d));
  if (errors.length > MAX_SHOWN) shown.push(`... and ${errors.length - MAX_SHOWN} more`);
  throw new ActorchainError('BUILD_TYPE_ERROR', `${shown.join('\n')}\n(--no-check builds without the type check)`);
}

/** A type check under way on its own thread. */
export interface TypeCheck {
  /** Settles once the source type-checks; rejects with BUILD_TYPE_ERROR (or the thread's error). */
  readonly done: Promise<void>;
  /** Whether `done` has settled. */
  readonly settled: boolean;
  /** Stop it: its verdict is no longer wanted (done may then never settle). */
  stop(): void;
}

/** `typecheck` on a thread of its own (worker/typecheck-worker.ts), started at once. */
export function typecheckOffThread(sourcePath: string): TypeCheck {
  const worker = new Worker(new URL('../../worker/typecheck-worker.js', import.meta.url), { workerData: sourcePath });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('message', (problem: { code: ErrorCode; message: string } | null) =>
      problem === null ? resolve() : reject(new ActorchainError(problem.code, problem.message)),
    );
    worker.once('error', reject);
    // After a verdict this changes nothing; without one, the thread died.
    worker.once('exit', (code) => reject(new Error(`the type-checking thread exited with code ${code} before its verdict`)));
  });
  let settled = false;
  done.then(
    () => (settled = true),
    () => (settled = true), // (the rejection is awaited by the build, or no longer wanted)
  );
  return {
    done,
    get settled() {
      return settled;
    },
    stop: () => void worker.terminate(),
  };
}
