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

/** Where the memory section starts, where its content starts and where it ends, if the module has one. */
function memorySection(module: Uint8Array): [header: number, start: number, end: number] | undefined {
  let offset = 8;
  while (offset < module.length) {
    const [size, contentStart] = readU32(module, offset + 1);
    if (module[offset] === MEMORY_SECTION) return [offset, contentStart, contentStart + size];
    offset = contentStart + size;
  }
  return undefined;
}

/**
 * The same module with every memory it defines given a maximum in the padded five-byte form
 * (the declared one, or 4 GiB, which is no limit), which limitMemoryInPlace can then lower
 * without moving a byte. Done once, when a transpile is cached.
 */
export function padMemoryMaxima(module: Uint8Array): Uint8Array {
  const section = memorySection(module);
  if (!section) return module;
  const [header, start, end] = section;
  const content: number[] = [];
  let [count, at] = readU32(module, start);
  content.push(...writeU32(count));
  while (count-- > 0) {
    const flags = module[at]!;
    if (flags & 0x04) return module;
    const [min, afterMin] = readU32(module, at + 1);
    let max = WASM32_MAX_PAGES;
    at = afterMin;
    if (flags & 0x01) [max, at] = readU32(module, afterMin);
    const padded = new Uint8Array(PADDED_U32_BYTES);
    writePaddedU32(padded, 0, max);
    content.push(flags | 0x01, ...writeU32(min), ...padded);
  }
  const sectionHeader = Uint8Array.from([MEMORY_SECTION, ...writeU32(content.length)]);
  return Buffer.concat([module.subarray(0, header), sectionHeader, Uint8Array.from(content), module.subarray(end)]);
}

/**
 * limitMemory without a copy, for a module whose memories all carry a padded maximum
 * (padMemoryMaxima): lowers each maximum to at most `maxPages` in `module` itself. False, and
 * `module` untouched, when its memories are not in that form.
 */
export function limitMemoryInPlace(module: Uint8Array, maxPages: number): boolean {
  const section = memorySection(module);
  if (!section) return true;
  const places: Array<[at: number, max: number]> = [];
  let [count, at] = readU32(module, section[1]);
  while (count-- > 0) {
    const flags = module[at]!;
    if ((flags & 0x05) !== 0x01) return false;
    const [min, afterMin] = readU32(module, at + 1);
    const [max, afterMax] = readU32(module, afterMin);
    if (afterMax - afterMin !== PADDED_U32_BYTES) return false;
    if (min > maxPages) throw memoryLimitTooLow(min);
    places.push([afterMin, Math.min(max, maxPages)]);
    at = afterMax;
  }
  for (const [place, max] of places) writePaddedU32(module, place, max);
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
 *
 *   section 5: count, then per memory: flags (bit 0: has max, bit 1: shared, bit 2: 64-bit), min, [max]
 */
export function limitMemory(module: Uint8Array, maxPages: number): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = [module.subarray(0, 8)];
  let offset = 8;
  while (offset < module.length) {
    const id = module[offset]!;
    const [size, contentStart] = readU32(module, offset + 1);
    const contentEnd = contentStart + size;
    if (id !== MEMORY_SECTION) {
      chunks.push(module.subarray(offset, contentEnd));
    } else {
      const content: number[] = [];
      let [count, at] = readU32(module, contentStart);
      content.push(...writeU32(count));
      while (count-- > 0) {
        const flags = module[at]!;
        if (flags & 0x04) throw new ActorchainError('UNSUPPORTED_IMPORTS', 'the component uses 64-bit memory, which the runtime cannot limit');
        const [min, afterMin] = readU32(module, at + 1);
        let max = maxPages;
        at = afterMin;
        if (flags & 0x01) {
          const [declaredMax, afterMax] = readU32(module, afterMin);
          max = Math.min(declaredMax, maxPages);
          at = afterMax;
        }
        if (min > maxPages) throw memoryLimitTooLow(min);
        content.push(flags | 0x01, ...writeU32(min), ...writeU32(max));
      }
      chunks.push(Uint8Array.from([id, ...writeU32(content.length), ...content]));
    }
    offset = contentEnd;
  }
  return Buffer.concat(chunks) as Uint8Array<ArrayBuffer>;
}
