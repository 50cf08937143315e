import { ActorchainError } from '../errors.js';

/** Bytes in one WebAssembly page. */
export const WASM_PAGE_BYTES = 65536;

const MEMORY_SECTION = 5;

function readU32(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = offset; ; i++) {
    const byte = bytes[i];
    if (byte === undefined) throw new Error('truncated LEB128 in core module');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** The largest memory a 32-bit core module can have, in pages (4 GiB): a maximum that limits nothing. */
const WASM32_MAX_PAGES = 65536;
/** A u32 in LEB128 padded to its longest form, five bytes, so that any value can be written over it. */
const PADDED_U32_BYTES = 5;

function writePaddedU32(into: Uint8Array, at: number, value: number): void {
  for (let i = 0; i < PADDED_U32_BYTES - 1; i++) into[at + i] = ((value >>> (7 * i)) & 0x7f) | 0x80;
  into[at + PADDED_U32_BYTES - 1] = (value >>> 28) & 0x0f;
}

/** One memory the memory section defines: its flags, its minimum, and its maximum and where that is written, if it declares one. */
interface Memory {
  flags: number;
  min: number;
  max: number | undefined;
  /** Where the maximum's LEB128 starts and ends (both where it would be, when there is none). */
  maxAt: number;
  maxEnd: number;
}

/**
 * The memory section of a core module, if it has one: where it starts, where it ends, and the
 * memories it defines.
 *
 *   section 5: count, then per memory: flags (bit 0: has max, bit 1: shared, bit 2: 64-bit), min, [max]
 */
function memorySection(module: Uint8Array): { header: number; end: number; memories: Memory[] } | undefined {
  for (let offset = 8; offset < module.length;) {
    const [size, contentStart] = readU32(module, offset + 1);
    if (module[offset] !== MEMORY_SECTION) {
      offset = contentStart + size;
      continue;
    }
    const memories: Memory[] = [];
    let [count, at] = readU32(module, contentStart);
    while (count-- > 0) {
      const flags = module[at]!;
      const [min, maxAt] = readU32(module, at + 1);
      const [max, maxEnd] = flags & 0x01 ? readU32(module, maxAt) : [undefined, maxAt];
      memories.push({ flags, min, max, maxAt, maxEnd });
      at = maxEnd;
    }
    return { header: offset, end: contentStart + size, memories };
  }
  return undefined;
}

/** `module` with its memory section written anew, each memory given the maximum `encodeMax` writes. */
function rewriteMemories(module: Uint8Array, section: NonNullable<ReturnType<typeof memorySection>>, encodeMax: (memory: Memory) => ArrayLike<number>): Buffer {
  const content = [...writeU32(section.memories.length)];
  for (const memory of section.memories) content.push(memory.flags | 0x01, ...writeU32(memory.min), ...Array.from(encodeMax(memory)));
  const header = [MEMORY_SECTION, ...writeU32(content.length)];
  return Buffer.concat([module.subarray(0, section.header), Uint8Array.from([...header, ...content]), module.subarray(section.end)]);
}

function paddedU32(value: number): Uint8Array {
  const padded = new Uint8Array(PADDED_U32_BYTES);
  writePaddedU32(padded, 0, value);
  return padded;
}

const is64Bit = (memory: Memory) => (memory.flags & 0x04) !== 0;

/**
 * The same module with every memory it defines given a maximum in the padded five-byte form
 * (the declared one, or 4 GiB, which is no limit), which limitMemoryInPlace can then lower
 * without moving a byte. Done once, when a transpile is cached.
 */
export function padMemoryMaxima(module: Uint8Array): Uint8Array {
  const section = memorySection(module);
  if (!section || section.memories.some(is64Bit)) return module;
  return rewriteMemories(module, section, (memory) => paddedU32(memory.max ?? WASM32_MAX_PAGES));
}

/**
 * limitMemory without a copy, for a module whose memories all carry a padded maximum
 * (padMemoryMaxima): lowers each maximum to at most `maxPages` in `module` itself. False, and
 * `module` untouched, when its memories are not in that form.
 */
export function limitMemoryInPlace(module: Uint8Array, maxPages: number): boolean {
  const section = memorySection(module);
  if (!section) return true;
  if (section.memories.some((memory) => is64Bit(memory) || memory.maxEnd - memory.maxAt !== PADDED_U32_BYTES)) return false;
  for (const memory of section.memories) if (memory.min > maxPages) throw memoryLimitTooLow(memory.min);
  for (const memory of section.memories) writePaddedU32(module, memory.maxAt, Math.min(memory.max!, maxPages));
  return true;
}

function memoryLimitTooLow(minPages: number): ActorchainError {
  return new ActorchainError(
    'MEMORY_LIMIT_TOO_LOW',
    `the component needs at least ${Math.ceil((minPages * WASM_PAGE_BYTES) / 2 ** 20)} MiB of memory at start; ` + `raise --max-memory above that`,
  );
}

/**
 * Give every memory a core module defines a maximum of at most `maxPages`, so `memory.grow`
 * past the limit fails inside the component (and it traps or reports out of memory) instead
 * of the process growing without bound. Imported memories follow the one they import.
 */
export function limitMemory(module: Uint8Array, maxPages: number): Uint8Array<ArrayBuffer> {
  const section = memorySection(module);
  if (!section) return Buffer.from(module) as Uint8Array<ArrayBuffer>;
  for (const memory of section.memories) {
    if (is64Bit(memory)) throw new ActorchainError('UNSUPPORTED_IMPORTS', 'the component uses 64-bit memory, which the runtime cannot limit');
    if (memory.min > maxPages) throw memoryLimitTooLow(memory.min);
  }
  return rewriteMemories(module, section, (memory) => writeU32(Math.min(memory.max ?? maxPages, maxPages))) as Uint8Array<ArrayBuffer>;
}
