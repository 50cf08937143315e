/**
 * The WebAssembly core module binary format, as much of it as the pre-initializer (preinit.ts)
 * reads and writes: the sections, the imports, the defined memory and globals, the exports and
 * the data segments, and LEB128 numbers both ways.
 *
 *   "\0asm" 01 00 00 00 | section* (u8 id, u32 size, body)
 */

export const SECTION = { custom: 0, import: 2, memory: 5, global: 6, export: 7, start: 8, code: 10, data: 11, dataCount: 12 } as const;
export const KIND = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;
export const VALTYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c } as const;

/** A module the pre-initializer cannot read or snapshot. */
export class PreinitError extends Error {}

// --- reading ---------------------------------------------------------------------------------

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
  ) {}
  byte(): number {
    if (this.at >= this.bytes.length) throw new PreinitError('unexpected end of the module');
    return this.bytes[this.at++]!;
  }
  u32(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
  }
  skipLeb(): void {
    while (this.byte() & 0x80);
  }
  name(): string {
    const length = this.u32();
    const text = Buffer.from(this.bytes.subarray(this.at, this.at + length)).toString('utf8');
    this.at += length;
    return text;
  }
  limits(): { flags: number; min: number; max?: number } {
    const flags = this.byte();
    const min = this.u32();
    return flags & 1 ? { flags, min, max: this.u32() } : { flags, min };
  }
  /** A constant expression, up to and including its `end`. */
  skipConstExpr(): void {
    for (;;) {
      const op = this.byte();
      if (op === 0x0b) return;
      if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) this.skipLeb();
      else if (op === 0x43) this.at += 4;
      else if (op === 0x44) this.at += 8;
      else if (op === 0xd0) this.byte();
      else if (![0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op)) throw new PreinitError(`unsupported instruction 0x${op.toString(16)} in a constant expression`);
    }
  }
}

export interface Section {
  id: number;
  /** The section's contents, without its id and size. */
  body: Uint8Array;
}

export function sections(module: Uint8Array): Section[] {
  if (module.length < 8 || Buffer.from(module.subarray(0, 8)).toString('hex') !== '0061736d01000000') {
    throw new PreinitError('the input is not a WebAssembly core module');
  }
  const reader = new Reader(module, 8);
  const found: Section[] = [];
  while (reader.at < module.length) {
    const id = reader.byte();
    const size = reader.u32();
    found.push({ id, body: module.subarray(reader.at, reader.at + size) });
    reader.at += size;
  }
  return found;
}

export interface Export {
  name: string;
  kind: number;
  index: number;
}

export interface Layout {
  importedGlobals: number;
  importedMemories: number;
  /** The defined globals' value types and mutability. */
  globals: Array<{ type: number; mutable: number }>;
  memory: { flags: number; min: number; max?: number };
  exports: Export[];
}

export function layout(all: Section[]): Layout {
  const found: Layout = { importedGlobals: 0, importedMemories: 0, globals: [], memory: { flags: 0, min: 0 }, exports: [] };
  let memories = 0;
  for (const { id, body } of all) {
    const reader = new Reader(body);
    if (id === SECTION.import) {
      for (let n = reader.u32(); n > 0; n--) {
        reader.name();
        reader.name();
        const kind = reader.byte();
        if (kind === KIND.func) reader.u32();
        else if (kind === KIND.table) {
          reader.byte();
          reader.limits();
        } else if (kind === KIND.memory) {
          found.importedMemories++;
          reader.limits();
        } else if (kind === KIND.global) {
          found.importedGlobals++;
          reader.byte();
          reader.byte();
        } else if (kind === KIND.tag) {
          reader.byte();
          reader.u32();
        }
      }
    } else if (id === SECTION.memory) {
      memories = reader.u32();
      if (memories === 1) found.memory = reader.limits();
    } else if (id === SECTION.global) {
      for (let n = reader.u32(); n > 0; n--) {
        const type = reader.byte();
        if (!Object.values(VALTYPE).includes(type as never)) throw new PreinitError(`a global of type 0x${type.toString(16)} cannot be snapshotted`);
        found.globals.push({ type, mutable: reader.byte() });
        reader.skipConstExpr();
      }
    } else if (id === SECTION.export) {
      for (let n = reader.u32(); n > 0; n--) found.exports.push({ name: reader.name(), kind: reader.byte(), index: reader.u32() });
    } else if (id === SECTION.data) {
      for (let n = reader.u32(); n > 0; n--) {
        const flags = reader.u32();
        if (flags === 1) throw new PreinitError('passive data segments cannot be snapshotted');
        if (flags === 2) reader.u32();
        reader.skipConstExpr();
        const length = reader.u32();
        reader.at += length;
      }
    }
  }
  if (found.importedMemories !== 0 || memories !== 1 || found.memory.flags > 1) {
    throw new PreinitError('only a module that defines exactly one (32-bit, unshared) memory can be snapshotted');
  }
  return found;
}

// --- writing ---------------------------------------------------------------------------------

export const u32 = (value: number): number[] => {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
};

export const sleb = (value: bigint): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = Number(value & 0x7fn);
    value >>= 7n;
    if ((value === 0n && (b & 0x40) === 0) || (value === -1n && (b & 0x40) !== 0)) return (out.push(b), out);
    out.push(b | 0x80);
  }
};

const nameBytes = (name: string): number[] => {
  const utf8 = Buffer.from(name, 'utf8');
  return [...u32(utf8.length), ...utf8];
};

/** A section: its id, its size and its body (a byte view is copied once, here, and nowhere before). */
export const section = (id: number, body: ArrayLike<number>): Buffer =>
  Buffer.concat([Buffer.from([id, ...u32(body.length)]), body instanceof Uint8Array ? body : Buffer.from(body as number[])]);

export const exportsBody = (exports: Export[]): number[] => [...u32(exports.length), ...exports.flatMap((e) => [...nameBytes(e.name), e.kind, ...u32(e.index)])];

export const module = (parts: Buffer[]): Buffer => Buffer.concat([Buffer.from('0061736d01000000', 'hex'), ...parts]);
