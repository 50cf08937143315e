/**
 * The package's entry for Node (package.json "exports", condition "node"): the programmatic
 * API. An actor's bundle gets src/sdk/define-actor.ts instead (the "default" condition, which
 * `actorchain build` resolves): defineActor calls the component's `runtime` interface, which
 * only a component has, so here it says so. The runtime and the mirror are loaded when first
 * started. Declared by hand in types/index.d.ts.
 */
import { ActorchainError } from './errors.js';
import type { createMirror as DeclaredMirror, createRuntime as DeclaredRuntime, verifyChain as DeclaredVerify } from '../types/index.js';

export type { Mirror, MirrorOptions, Runtime, RuntimeOptions, StopOutcome, VerifyOptions, VerifyResult } from '../types/index.js';

function componentOnly(name: string): never {
  throw new ActorchainError(
    'INVALID_OPTION',
    `${name} is for an actor's module, which actorchain build bundles into a component; in Node, start that component with createRuntime`,
  );
}

/** The SDK's names, for a module that imports them in Node (an actor's module run as it is). */
export const defineActor = (_typed: unknown): never => componentOnly('defineActor');
export const defineMigration = (_migrate: unknown): never => componentOnly('defineMigration');

/** Start a runtime, as `actorchain run` does: see src/runtime/create-runtime.ts. */
export const createRuntime: typeof DeclaredRuntime = async (options) => (await import('./runtime/create-runtime.js')).createRuntime(options);

/** Start a mirror, as `actorchain mirror` does: see src/runtime/create-mirror.ts. */
export const createMirror: typeof DeclaredMirror = async (options) => (await import('./runtime/create-mirror.js')).createMirror(options);

/** Verify a chain, as `actorchain verify <source>` does: see src/verify/verify-chain.ts. */
export const verifyChain: typeof DeclaredVerify = async (source, options) => (await import('./verify/verify-chain.js')).verifyChainApi(source, options);
