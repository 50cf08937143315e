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
        if (min > maxPages) {
          throw new ActorchainError(
            'MEMORY_LIMIT_TOO_LOW',
            `the component needs at least ${Math.ceil((min * WASM_PAGE_BYTES) / 2 ** 20)} MiB of memory at start; ` + `raise --max-memory above that`,
          );
        }
        content.push(flags | 0x01, ...writeU32(min), ...writeU32(max));
      }
      chunks.push(Uint8Array.from([id, ...writeU32(content.length), ...content]));
    }
    offset = contentEnd;
  }
  return Buffer.concat(chunks) as Uint8Array<ArrayBuffer>;
}
