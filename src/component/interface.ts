import { ActorchainError } from '../errors.js';
import type { Encoding } from './calls.js';
import { ACTOR_INTERFACE, unversioned } from './imports.js';

/** The generated TypeScript declarations of a transpiled component, by file name. */
export type Declarations = Record<string, string>;

const ACTOR_DTS = 'interfaces/ntwk-simple-actor-actor.d.ts';
const RUNTIME_DTS = 'interfaces/ntwk-simple-actor-runtime.d.ts';

/** The four exports, by their JavaScript names, with where state (S) and message (M) appear. */
const REQUIRED = {
  init: { wit: 'init', params: [], result: 'S' },
  handle: { wit: 'handle', params: ['M', 'S'], result: 'S' },
  stateContract: { wit: 'state-contract', params: ['S'], result: 'boolean' },
  messageContract: { wit: 'message-contract', params: ['M', 'S'], result: 'boolean' },
} as const;

interface Signature {
  params: string[];
  result: string;
}

function parseFunctions(dts: string): Map<string, Signature> {
  const functions = new Map<string, Signature>();
  for (const m of dts.matchAll(/^export function ([\w$]+)\(([^)]*)\): ([^;]+);$/gm)) {
    const params = m[2]!.trim() === '' ? [] : m[2]!.split(',').map((p) => p.slice(p.indexOf(':') + 1).trim());
    functions.set(m[1]!, { params, result: m[3]!.trim() });
  }
  return functions;
}

/** Follow type aliases (`export type State = import('./x.js').State;`) down to a base type. */
function resolveType(type: string, file: string, declarations: Declarations, depth = 0): string {
  if (depth > 8) return type;
  const imported = /^import\('\.\/([\w.-]+)\.js'\)\.([\w$]+)$/.exec(type);
  if (imported) return resolveType(imported[2]!, `interfaces/${imported[1]}.d.ts`, declarations, depth + 1);
  const alias = new RegExp(`^export type ${type.replace(/\$/g, '\\$')} = ([^;]+);$`, 'm').exec(declarations[file] ?? '');
  return alias ? resolveType(alias[1]!.trim(), file, declarations, depth + 1) : type;
}

function encodingOf(type: string): Encoding | undefined {
  if (type === 'string') return 'string';
  if (type === 'Uint8Array') return 'bytes';
  return undefined;
}

export interface ActorInterface {
  /** The export's name as the generated code keys it (`ntwk:simple-actor/actor`, perhaps with `@version`). */
  exportName: string;
  encoding: Encoding;
}

/**
 * Check that the component exports the actor interface with all four functions, and find
 * whether state and message travel as JSON text or JSON bytes. A versioned package
 * (`ntwk:simple-actor@0.1.0`) is accepted as the same interface. Every problem is reported:
 * missing functions and mismatched types together (the error's `related`).
 *
 * `exportNames` are the keys of the generated code; `witExports` the same exports by their
 * WIT names, which is how the user knows them.
 */
export function checkActorInterface(exportNames: readonly string[], declarations: Declarations, witExports: readonly string[] = exportNames): ActorInterface {
  const dts = declarations[ACTOR_DTS];
  const exportName = exportNames.find((name) => unversioned(name) === ACTOR_INTERFACE);
  if (exportName === undefined || dts === undefined) {
    throw new ActorchainError(
      'MISSING_EXPORTS',
      `the component does not export the interface ntwk:simple-actor/actor ` +
        `(it exports: ${witExports.join(', ') || 'nothing'}). Build it against the world first-actor in src/wit/actor.wit.`,
    );
  }
  const functions = parseFunctions(dts);
  const problems: ActorchainError[] = [];
  const missing = Object.entries(REQUIRED)
    .filter(([js]) => !functions.has(js))
    .map(([, { wit }]) => wit);
  if (missing.length > 0) {
    problems.push(
      new ActorchainError(
        'MISSING_EXPORTS',
        `the component's ntwk:simple-actor/actor interface lacks ${missing.join(', ')}. ` + 'An actor must export init, handle, state-contract and message-contract.',
      ),
    );
  }
  const found = new Set<string>();
  const mismatches: string[] = [];
  for (const [js, expected] of Object.entries(REQUIRED)) {
    const actual = functions.get(js);
    if (actual === undefined) continue;
    const slots = [...expected.params.map((role, i) => [role, actual.params[i]] as const), [expected.result, actual.result] as const];
    if (actual.params.length !== expected.params.length) mismatches.push(`${expected.wit} takes ${actual.params.length} parameters`);
    for (const [role, type] of slots) {
      if (type === undefined) continue;
      const base = resolveType(type, ACTOR_DTS, declarations);
      if (role === 'boolean') {
        if (base !== 'boolean') mismatches.push(`${expected.wit} returns ${base}, not bool`);
        continue;
      }
      const encoding = encodingOf(base);
      if (encoding === undefined) mismatches.push(`${expected.wit} uses ${base} for ${role === 'S' ? 'state' : 'message'}`);
      else found.add(encoding);
    }
  }
  if (found.size > 1) mismatches.push('state and message mix string and list<u8>');
  if (mismatches.length > 0) {
    problems.push(
      new ActorchainError(
        'UNSUPPORTED_ENCODING',
        `the component's actor interface does not match the contract: ${mismatches.join('; ')}. ` +
          'state and message must both be string (JSON text) or both list<u8> (UTF-8 JSON bytes).',
      ),
    );
  }
  const refused = ActorchainError.combine(problems);
  if (refused) throw refused;
  return { exportName, encoding: [...found][0] as Encoding };
}

const MIGRATION_INTERFACE = 'ntwk:simple-actor/migration';
const MIGRATION_DTS = 'interfaces/ntwk-simple-actor-migration.d.ts';

/**
 * The optional migration interface (src/wit/actor-migrate.wit): its export name, or undefined
 * when the component has none. Its `migrate` must take and return the state in the actor's
 * encoding.
 */
export function checkMigrationInterface(exportNames: readonly string[], declarations: Declarations, encoding: Encoding): string | undefined {
  const exportName = exportNames.find((name) => unversioned(name) === MIGRATION_INTERFACE);
  if (exportName === undefined) return undefined;
  const migrate = parseFunctions(declarations[MIGRATION_DTS] ?? '').get('migrate');
  const types = migrate && [...migrate.params, migrate.result].map((type) => encodingOf(resolveType(type, MIGRATION_DTS, declarations)));
  if (!types || types.length !== 2 || types.some((type) => type !== encoding)) {
    throw new ActorchainError(
      'UNSUPPORTED_ENCODING',
      `the component's ${MIGRATION_INTERFACE} interface must hold migrate: func(state: state) -> state, with state as the actor interface has it (${encoding === 'string' ? 'string' : 'list<u8>'})`,
    );
  }
  return exportName;
}

/** Functions the component imports from ntwk:simple-actor/runtime. */
export function runtimeImports(declarations: Declarations): string[] {
  return [...parseFunctions(declarations[RUNTIME_DTS] ?? '').keys()];
}
