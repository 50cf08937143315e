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
import { WASI } from 'node:wasi';
import { fixedWasi } from './preinit-wasi.js';
import {
  exportsBody,
  KIND,
  layout,
  module,
  PreinitError,
  section,
  SECTION,
  sections,
  sleb,
  u32,
  VALTYPE,
  type Export,
  type Layout,
  type Section,
} from './wasm-module.js';

const PAGE_BYTES = 65_536;
/** Runs of zeros this short are kept inside a segment: a new segment costs about as much. */
const MERGE_GAP_BYTES = 4;
/** The segment count Wizer stays under; engines refuse modules with too many. */
const MAX_SEGMENTS = 10_000;

export interface PreinitOptions {
  /** The export to run (componentize-js: `componentize.wizer`). */
  initFunc: string;
  /** Guest path to host directory. */
  preopens: Record<string, string>;
  env: Record<string, string>;
  /** File descriptor the guest reads as stdin (componentize-js passes the engine's arguments there). */
  stdinFd?: number;
}

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
  const parts: Uint8Array[] = [Buffer.from(u32(segments.length))];
  for (const { offset, end } of segments) {
    parts.push(Buffer.from([0x00, 0x41, ...sleb(BigInt(offset | 0)), 0x0b, ...u32(end - offset)]), memory.subarray(offset, end));
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

/** Run the module's initialization and return the initialized module. */
export async function preinitialize(input: Uint8Array, options: PreinitOptions): Promise<Buffer> {
  const all = sections(input);
  const shape = layout(all);
  // Buffer.concat makes a buffer of its own (never shared): compiled without another copy.
  const compiled = await WebAssembly.compile(instrument(all, shape) as Uint8Array<ArrayBuffer>);

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
