/**
 * A deterministic pre-initializer: what Wizer does to componentize-js' engine, with the same
 * result for the same input on any machine.
 *
 * componentize-js snapshots its engine after it has loaded the actor's module (Wizer runs the
 * module's `componentize.wizer` export, then writes the memory and globals out as a new module).
 * Under Wizer the engine reads the wall clock and random numbers while it loads (hash seeds, GC
 * timing), and sees the build's temporary directories: the snapshot differs from one build to
 * the next. Here the same steps run in Node's WASI with clocks that start at a fixed instant,
 * random bytes from a fixed seed, file metadata without host-specific fields, and the host's
 * directories renamed to fixed guest paths (the javy project's fix for the same problem).
 * The engine reseeds its random numbers at run time; only the snapshot is fixed.
 *
 *   input module ──export its globals and memory──► instantiate (WASI as above)
 *        ──► _initialize, then the init function ──► read globals and memory
 *        ──► the input's sections with: memory min = pages in use, globals = their values,
 *            data = the non-zero runs of memory, the init exports removed, no start
 *
 * Limits, as Wizer's: one memory, defined in the module; active data segments only.
 */
import { createHash } from 'node:crypto';
import { WASI } from 'node:wasi';

const PAGE_BYTES = 65_536;
/** Runs of zeros this short are kept inside a segment: a new segment costs about as much. */
const MERGE_GAP_BYTES = 4;
/** The segment count Wizer stays under; engines refuse modules with too many. */
const MAX_SEGMENTS = 10_000;
/** 2023-11-14T22:13:20Z, in nanoseconds: the clock's reading at the start of every snapshot. */
const CLOCK_START_NS = 1_700_000_000_000_000_000n;
/** How far the clock moves at each reading, so that a loop waiting for time to pass ends. */
const CLOCK_STEP_NS = 1_000_000n;

const SECTION = { custom: 0, import: 2, memory: 5, global: 6, export: 7, start: 8, code: 10, data: 11, dataCount: 12 } as const;
const KIND = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;
const VALTYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c } as const;

export class PreinitError extends Error {}

export interface PreinitOptions {
  /** The export to run (componentize-js: `componentize.wizer`). */
  initFunc: string;
  /** Guest path to host directory. */
  preopens: Record<string, string>;
  env: Record<string, string>;
  /** File descriptor the guest reads as stdin (componentize-js passes the engine's arguments there). */
  stdinFd?: number;
}

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

interface Section {
  id: number;
  /** The section's contents, without its id and size. */
  body: Uint8Array;
}

function sections(module: Uint8Array): Section[] {
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

interface Export {
  name: string;
  kind: number;
  index: number;
}

interface Layout {
  importedGlobals: number;
  importedMemories: number;
  /** The defined globals' value types and mutability. */
  globals: Array<{ type: number; mutable: number }>;
  memory: { flags: number; min: number; max?: number };
  exports: Export[];
}

function layout(all: Section[]): Layout {
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

const u32 = (value: number): number[] => {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
};

const sleb = (value: bigint): number[] => {
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

const section = (id: number, body: ArrayLike<number>): Buffer => Buffer.concat([Buffer.from([id, ...u32(body.length)]), Buffer.from(body as Uint8Array)]);

const exportsBody = (exports: Export[]): number[] => [...u32(exports.length), ...exports.flatMap((e) => [...nameBytes(e.name), e.kind, ...u32(e.index)])];

const module = (parts: Buffer[]): Buffer => Buffer.concat([Buffer.from('0061736d01000000', 'hex'), ...parts]);

const globalExport = (i: number) => `__preinit_global_${i}`;
const MEMORY_EXPORT = '__preinit_memory';

/** The input with its defined globals and its memory exported, so that they can be read. */
function instrument(all: Section[], shape: Layout): Buffer {
  const exports: Export[] = [
    ...shape.exports,
    ...shape.globals.map((_, i) => ({ name: globalExport(i), kind: KIND.global, index: shape.importedGlobals + i })),
    { name: MEMORY_EXPORT, kind: KIND.memory, index: 0 },
  ];
  if (!all.some((s) => s.id === SECTION.export)) throw new PreinitError('the module exports nothing to run');
  return module(all.map((s) => (s.id === SECTION.export ? section(SECTION.export, exportsBody(exports)) : section(s.id, s.body))));
}

interface Segment {
  offset: number;
  end: number;
}

/** The non-zero runs of memory, merged across short gaps, at most MAX_SEGMENTS of them. */
function segmentsOf(memory: Uint8Array): Segment[] {
  const runs: Segment[] = [];
  let at = 0;
  while (at < memory.length) {
    while (at < memory.length && memory[at] === 0) at++;
    if (at === memory.length) break;
    const offset = at;
    while (at < memory.length && memory[at] !== 0) at++;
    const last = runs[runs.length - 1];
    if (last && offset - last.end <= MERGE_GAP_BYTES) last.end = at;
    else runs.push({ offset, end: at });
  }
  if (runs.length <= MAX_SEGMENTS) return runs;
  // Too many: close the smallest gaps (the first of equal ones) until few enough remain.
  const gaps = runs.slice(1).map((run, i) => ({ i, gap: run.offset - runs[i]!.end }));
  gaps.sort((a, b) => a.gap - b.gap || a.i - b.i);
  const closed = new Set(gaps.slice(0, runs.length - MAX_SEGMENTS).map((g) => g.i));
  const merged: Segment[] = [];
  runs.forEach((run, i) => {
    if (i > 0 && closed.has(i - 1)) merged[merged.length - 1]!.end = run.end;
    else merged.push({ ...run });
  });
  return merged;
}

function dataBody(memory: Uint8Array, segments: Segment[]): Buffer {
  const parts: Buffer[] = [Buffer.from(u32(segments.length))];
  for (const { offset, end } of segments) {
    parts.push(Buffer.from([0x00, 0x41, ...sleb(BigInt(offset | 0)), 0x0b, ...u32(end - offset)]), Buffer.from(memory.subarray(offset, end)));
  }
  return Buffer.concat(parts);
}

function globalsBody(globals: Layout['globals'], values: Array<number | bigint>): number[] {
  const out = [...u32(globals.length)];
  globals.forEach(({ type, mutable }, i) => {
    const value = values[i]!;
    out.push(type, mutable);
    if (type === VALTYPE.i32) out.push(0x41, ...sleb(BigInt(value)));
    else if (type === VALTYPE.i64) out.push(0x42, ...sleb(BigInt.asIntN(64, BigInt(value))));
    else if (type === VALTYPE.f32) out.push(0x43, ...new Uint8Array(new Float32Array([Number(value)]).buffer));
    else out.push(0x44, ...new Uint8Array(new Float64Array([Number(value)]).buffer));
    out.push(0x0b);
  });
  return out;
}

// --- running ---------------------------------------------------------------------------------

/** The exit status a guest asked for with proc_exit. */
export class GuestExit extends Error {
  constructor(readonly status: number) {
    super(`the module exited with status ${status} during pre-initialization`);
  }
}

type Wasi = Record<string, (...args: never[]) => unknown>;

/**
 * A filestat call whose result (at its argument `outArg`) keeps only the file's type and size:
 * its device, inode, link count and times are the host's.
 */
function withFixedFilestat(call: Wasi[string], outArg: number, view: () => DataView): Wasi[string] {
  return (...args: never[]) => {
    const status = call(...args);
    if (status === 0) {
      const out = args[outArg] as unknown as number;
      const v = view();
      for (const field of [0, 8, 40, 48, 56]) v.setBigUint64(out + field, 0n, true);
      v.setBigUint64(out + 24, 1n, true);
    }
    return status;
  };
}

/** WASI preview 1 as Node serves it, with what differs between hosts and runs made fixed. */
function fixedWasi(wasi: WASI, memory: () => WebAssembly.Memory): Wasi {
  const real = (wasi.getImportObject() as { wasi_snapshot_preview1: Wasi }).wasi_snapshot_preview1;
  let clock = CLOCK_START_NS;
  let randomCounter = 0;
  let randomPool = Buffer.alloc(0);
  const view = () => new DataView(memory().buffer);
  return {
    ...real,
    clock_time_get: (_id: number, _precision: bigint, out: number) => {
      view().setBigUint64(out, clock, true);
      clock += CLOCK_STEP_NS;
      return 0;
    },
    clock_res_get: (_id: number, out: number) => (view().setBigUint64(out, 1000n, true), 0),
    random_get: (buf: number, length: number) => {
      while (randomPool.length < length) {
        const block = createHash('sha256').update(`actorchain preinit ${randomCounter++}`).digest();
        randomPool = Buffer.concat([randomPool, block]);
      }
      new Uint8Array(memory().buffer, buf, length).set(randomPool.subarray(0, length));
      randomPool = randomPool.subarray(length);
      return 0;
    },
    path_filestat_get: withFixedFilestat(real.path_filestat_get!, 4, view),
    fd_filestat_get: withFixedFilestat(real.fd_filestat_get!, 1, view),
    proc_exit: (status: number) => {
      throw new GuestExit(status);
    },
  };
}

/** Run the module's initialization and return the initialized module. */
export async function preinitialize(input: Uint8Array, options: PreinitOptions): Promise<Buffer> {
  const all = sections(input);
  const shape = layout(all);
  const compiled = await WebAssembly.compile(new Uint8Array(instrument(all, shape)));

  const wasi = new WASI({ version: 'preview1', args: [], env: options.env, preopens: options.preopens, stdin: options.stdinFd ?? 0, returnOnExit: false });
  let instance: WebAssembly.Instance | undefined;
  const memory = () => instance!.exports[MEMORY_EXPORT] as WebAssembly.Memory;
  const imports: Record<string, Record<string, unknown>> = { wasi_snapshot_preview1: fixedWasi(wasi, memory) };
  // Anything else (the component's own imports) cannot be called while the snapshot is taken.
  for (const { module: from, name, kind } of WebAssembly.Module.imports(compiled)) {
    if (imports[from]?.[name] !== undefined) continue;
    if (kind !== 'function') throw new PreinitError(`the module imports ${kind} ${from}.${name}: only functions can be imported`);
    (imports[from] ??= {})[name] = () => {
      throw new PreinitError(`${from}.${name} was called during pre-initialization: imports other than WASI cannot be`);
    };
  }
  instance = await WebAssembly.instantiate(compiled, imports as WebAssembly.Imports);
  const hasInitialize = typeof instance.exports._initialize === 'function';
  wasi.initialize(instance);
  const init = instance.exports[options.initFunc];
  if (typeof init !== 'function') throw new PreinitError(`the module does not export the function ${options.initFunc}`);
  (init as () => unknown)();

  const bytes = new Uint8Array(memory().buffer);
  const values = shape.globals.map((_, i) => (instance.exports[globalExport(i)] as WebAssembly.Global).value as number | bigint);
  const segments = segmentsOf(bytes);
  const exports = shape.exports.filter((e) => e.name !== options.initFunc && !(hasInitialize && e.name === '_initialize'));
  const pages = bytes.length / PAGE_BYTES;
  const limits = shape.memory.max === undefined ? [0x00, ...u32(pages)] : [0x01, ...u32(pages), ...u32(shape.memory.max)];

  const parts: Buffer[] = [];
  let dataWritten = false;
  const data = () => ((dataWritten = true), section(SECTION.data, dataBody(bytes, segments)));
  for (const s of all) {
    if (s.id === SECTION.memory) parts.push(section(SECTION.memory, [0x01, ...limits]));
    else if (s.id === SECTION.global) parts.push(section(SECTION.global, globalsBody(shape.globals, values)));
    else if (s.id === SECTION.export) parts.push(section(SECTION.export, exportsBody(exports)));
    else if (s.id === SECTION.start) continue;
    else if (s.id === SECTION.dataCount) parts.push(section(SECTION.dataCount, u32(segments.length)));
    else if (s.id === SECTION.data) parts.push(data());
    else {
      parts.push(section(s.id, s.body));
      if (s.id === SECTION.code && !all.some((t) => t.id === SECTION.data)) parts.push(data());
    }
  }
  if (!dataWritten && segments.length > 0) throw new PreinitError('the module has no code section to place its data after');
  return module(parts);
}
