/**
 * What a file is, before anything is transpiled: not WebAssembly, a core module (valid or
 * not), a WIT package, or a component, whose world (imports and exports by their WIT
 * names) is read with wasm-tools' decoder as jco ships it. Refusals name what the file is
 * and what to do, in one line: the decoder's "Caused by" chain is folded into it.
 */
import { ActorchainError } from '../errors.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const CORE_MODULE_VERSION = [0x01, 0x00, 0x00, 0x00];
const COMPONENT_VERSION = [0x0d, 0x00, 0x01, 0x00];

/** Component binary section ids a WIT package is made of: custom, type, export. */
const WIT_PACKAGE_SECTIONS = new Set([0, 7, 11]);

function startsWith(bytes: Uint8Array, prefix: number[], at = 0): boolean {
  return prefix.every((b, i) => bytes[at + i] === b);
}

/** A multi-line error from the toolchain ("...\n\nCaused by:\n    ...") as one line. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== 'Caused by:' && !/^\d+: /.test(line))
    .join(': ');
}

/** The ids of a component's top-level sections, or undefined when they do not parse. */
function sectionIds(bytes: Uint8Array): number[] | undefined {
  const ids: number[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++]!;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= bytes.length || shift > 28) return undefined;
      const byte = bytes[at++]!;
      size += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) break;
    }
    at += size;
    if (at > bytes.length) return undefined;
    ids.push(id);
  }
  return ids;
}

/**
 * A WIT package compiled to binary (`wasm-tools component wit --wasm`) is a component of
 * nothing but type definitions and their exports. Its name is the first `namespace:package`
 * its interfaces are exported under.
 */
function witPackageName(bytes: Uint8Array): string | undefined {
  const ids = sectionIds(bytes);
  if (ids === undefined || !ids.includes(11) || !ids.every((id) => WIT_PACKAGE_SECTIONS.has(id))) return undefined;
  const name = /([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)\/[a-z][a-z0-9-]*(@[0-9][0-9A-Za-z.+-]*)?/.exec(Buffer.from(bytes).toString('latin1'));
  return name ? `${name[1]}${name[2] ?? ''}` : 'unnamed';
}

/** Refuse, with what the file is, anything that is not a component. */
export function refuseNonComponent(bytes: Uint8Array, name: string): void {
  if (!startsWith(bytes, WASM_MAGIC)) {
    throw new ActorchainError('NOT_A_COMPONENT', `${name} is not WebAssembly (it does not start with \\0asm)`);
  }
  if (startsWith(bytes, CORE_MODULE_VERSION, 4)) {
    if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) {
      let reason = 'it does not validate';
      try {
        new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
      } catch (err) {
        reason = (err as Error).message.replace(/^WebAssembly\.Module\(\): /, '');
      }
      throw new ActorchainError('NOT_A_COMPONENT', `${name} is a malformed core WebAssembly module (${reason}); rebuild it`);
    }
    throw new ActorchainError(
      'NOT_A_COMPONENT',
      `${name} is a core WebAssembly module, not a component: embed the WIT and wrap it (jco componentEmbed + componentNew, or componentize)`,
    );
  }
  if (!startsWith(bytes, COMPONENT_VERSION, 4)) {
    throw new ActorchainError('NOT_A_COMPONENT', `${name} is WebAssembly of an unknown version or layer; build a component (WebAssembly component model)`);
  }
  const witPackage = witPackageName(bytes);
  if (witPackage !== undefined) {
    throw new ActorchainError(
      'NOT_A_COMPONENT',
      `${name} is a WIT package (${witPackage}), not a component: it describes interfaces and holds no code. ` +
        'Build a component that exports ntwk:simple-actor/actor (the world first-actor in src/wit/actor.wit)',
    );
  }
}

export interface ComponentWorld {
  /** Imports by WIT name: `wasi:cli/stdout@0.2.3`, `my:pkg/host`, or a plain name for a function. */
  imports: string[];
  exports: string[];
}

/** The component's world, by WIT names. Throws NOT_A_COMPONENT when it cannot be decoded. */
export async function readWorld(bytes: Uint8Array, name: string): Promise<ComponentWorld> {
  let wit: string;
  // Loaded only here: a start with a cached transpile never needs the decoder. (Outside the
  // try: a broken install is not the component's fault.)
  const { componentWit } = await import('@bytecodealliance/jco');
  try {
    wit = await componentWit(bytes);
  } catch (err) {
    const reason = oneLine(err).replace(/^Failed to decode wit component: /, '');
    throw new ActorchainError('NOT_A_COMPONENT', `${name} could not be read as a component: ${reason}`);
  }
  const world: ComponentWorld = { imports: [], exports: [] };
  // The root world's items are at two spaces of indentation: `import a:b/c;`, `export f: func();`.
  for (const m of wit.matchAll(/^ {2}(import|export) %?(\S+?)(?:;|:\s)/gm)) {
    world[m[1] === 'import' ? 'imports' : 'exports'].push(m[2]!);
  }
  return world;
}
