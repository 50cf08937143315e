import { ActorchainError } from '../errors.js';

export const RUNTIME_INTERFACE = 'ntwk:simple-actor/runtime';
export const TYPES_INTERFACE = 'ntwk:simple-actor/types';
export const ACTOR_INTERFACE = 'ntwk:simple-actor/actor';

/**
 * The WASI 0.2 interfaces @bytecodealliance/preview2-shim's WASIShim serves (the keys of its
 * getImportObject). Listed here rather than read from the shim so the main thread never
 * loads the shim, which starts an I/O thread of its own.
 */
const WASI_SERVED = new Set([
  'wasi:cli/environment',
  'wasi:cli/exit',
  'wasi:cli/stderr',
  'wasi:cli/stdin',
  'wasi:cli/stdout',
  'wasi:cli/terminal-input',
  'wasi:cli/terminal-output',
  'wasi:cli/terminal-stderr',
  'wasi:cli/terminal-stdin',
  'wasi:cli/terminal-stdout',
  'wasi:sockets/instance-network',
  'wasi:sockets/ip-name-lookup',
  'wasi:sockets/network',
  'wasi:sockets/tcp',
  'wasi:sockets/tcp-create-socket',
  'wasi:sockets/udp',
  'wasi:sockets/udp-create-socket',
  'wasi:filesystem/preopens',
  'wasi:filesystem/types',
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:random/random',
  'wasi:random/insecure',
  'wasi:random/insecure-seed',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:http/types',
  'wasi:http/incoming-handler',
  'wasi:http/outgoing-handler',
]);

export interface ImportPlan {
  /** Versioned WASI import names, served by preview2-shim in the worker (clocks and random through the journal). */
  wasi: string[];
}

/** Unversioned name of an import: `wasi:cli/stdout@0.2.3` is `wasi:cli/stdout`. */
export function unversioned(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

/**
 * Decide how every import of the component is served, or refuse naming those nothing serves.
 * `runtimeFunctions` are the functions the component imports from the runtime interface.
 */
export function planImports(imports: readonly string[], runtimeFunctions: readonly string[]): ImportPlan {
  const unserved: string[] = [];
  const wasi: string[] = [];
  for (const name of imports) {
    const base = unversioned(name);
    if (base === RUNTIME_INTERFACE || base === TYPES_INTERFACE) continue;
    if (WASI_SERVED.has(base)) wasi.push(name);
    else unserved.push(name);
  }
  const unknownRuntime = runtimeFunctions.filter((f) => f !== 'log' && f !== 'send');
  for (const f of unknownRuntime) unserved.push(`${RUNTIME_INTERFACE}#${f}`);
  if (unserved.length > 0) {
    throw new ActorchainError(
      'UNSUPPORTED_IMPORTS',
      `the component imports what the runtime cannot serve: ${unserved.join(', ')}. ` +
        `The runtime serves ${RUNTIME_INTERFACE} (log, send) and WASI 0.2 through preview2-shim.`,
    );
  }
  return { wasi };
}
