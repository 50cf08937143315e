/**
 * What jco's generated bindings say about a component's calls (read once, when it is
 * transpiled): the direct calling convention of direct-abi.ts where the bindings do exactly
 * what it does, or undefined where they must be used. The rules are listed in direct-abi.ts;
 * test/e2e/direct-calls.test.ts fails loudly when jco's generated code changes shape.
 */
import { ACTOR_FUNCTIONS, type ActorFunction, type DirectAbi } from './calls.js';
import { RUNTIME_INTERFACE, TYPES_INTERFACE, unversioned } from './imports.js';

/** `name = exportsN.member;` or `name = exportsN['member'];` in the generated code. */
const ASSIGNMENT = /^\s*(memory|realloc|postReturn)(\d+) = (exports\d+)(?:\.([\w$]+)|\['([^']+)'\]);$/gm;
const FUNCTION_ASSIGNMENT = /^\s*(?!postReturn\d|realloc\d|memory\d)[\w$]+ = (exports\d+)\['([^']+)#(init|handle|state-contract|message-contract)'\];$/gm;
const STRING_ENCODING = /stringEncoding: '(\w+)'/g;
/** How an export's wrapper writes a string argument: `_utf8AllocateAndEncode(arg0, realloc0, memory0)` for UTF-8. */
const ARGUMENT_ENCODER = /([\w$]+)\(arg\d+, realloc\d+, memory\d+\)/g;
/** A wrapper reading a UTF-16 result straight from the memory (the library's own decoders read `ctx.memory`). */
const UTF16_RESULT = /utf16Decoder\.decode\([^)]*memory\d+/;

/** The direct calling convention of a transpiled component, or undefined where the bindings must be used. */
export function analyzeBindings(source: string, imports: readonly string[]): DirectAbi | undefined {
  if (!imports.every((name) => [RUNTIME_INTERFACE, TYPES_INTERFACE].includes(unversioned(name)))) return undefined;
  for (const [, encoding] of source.matchAll(STRING_ENCODING)) if (encoding !== 'utf8') return undefined;
  for (const [, encoder] of source.matchAll(ARGUMENT_ENCODER)) if (encoder !== '_utf8AllocateAndEncode') return undefined;
  if (UTF16_RESULT.test(source)) return undefined;

  const cores = new Map<ActorFunction, string>();
  let instance: string | undefined;
  let actorInterface: string | undefined;
  for (const [, exportsVar, iface, fn] of source.matchAll(FUNCTION_ASSIGNMENT)) {
    // All four from one interface of one core instance, each once.
    if ((instance ??= exportsVar) !== exportsVar || (actorInterface ??= iface) !== iface || cores.has(fn as ActorFunction)) return undefined;
    cores.set(fn as ActorFunction, `${iface}#${fn}`);
  }
  if (cores.size !== ACTOR_FUNCTIONS.length) return undefined;

  const found = { memory: [] as string[], realloc: [] as string[], postReturn: [] as string[] };
  for (const [, kind, , exportsVar, dotted, quoted] of source.matchAll(ASSIGNMENT)) {
    if (exportsVar !== instance) return undefined;
    found[kind as keyof typeof found].push((dotted ?? quoted)!);
  }
  const [memory] = found.memory;
  const [realloc] = found.realloc;
  if (found.memory.length !== 1 || found.realloc.length !== 1 || !memory || !realloc) return undefined;

  const functions = {} as DirectAbi['functions'];
  for (const fn of ACTOR_FUNCTIONS) {
    const core = cores.get(fn)!;
    const postReturn = `cabi_post_${core}`;
    functions[fn] = { core, postReturn: found.postReturn.includes(postReturn) ? postReturn : undefined };
  }
  const named = ACTOR_FUNCTIONS.filter((fn) => functions[fn].postReturn !== undefined).length;
  if (named !== found.postReturn.length) return undefined;
  return { functions, memory, realloc };
}
