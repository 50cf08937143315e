/**
 * WASI for a component, through @bytecodealliance/preview2-shim, with no ambient authority:
 * no preopened directories, an empty environment and argument list, no working directory,
 * no sockets, no outgoing HTTP, and an empty stdin. Clocks and random numbers are served
 * from the host through a Tape, which journals them on a run and plays them back on a replay.
 */
import { unversioned } from './imports.js';
import { HOST, type Tape } from './journal.js';
import { READS } from './journal-reads.js';
import { importShim } from './shim-import.js';

type Interface = Record<string, unknown>;
type ResourceClass = { prototype: object };

/** wasi:sockets' refusal, an error-code enum case. */
function denySockets(): never {
  throw 'access-denied';
}

/**
 * A stream that is already at its end. The generated bindings accept any object whose
 * prototype is the shim's class, so the shim's own I/O (which would read the host's stdin)
 * is never reached.
 */
function closedInputStream(streams: Interface, poll: Interface): object {
  const closed = (): never => {
    throw { tag: 'closed' };
  };
  const ready = Object.assign(Object.create((poll.Pollable as ResourceClass).prototype) as object, {
    ready: () => true,
    block: () => {},
    [Symbol.dispose]: () => {},
  });
  return Object.assign(Object.create((streams.InputStream as ResourceClass).prototype) as object, {
    read: closed,
    blockingRead: closed,
    skip: closed,
    blockingSkip: closed,
    subscribe: () => ready,
    [Symbol.dispose]: () => {},
  });
}

/** Where a component's stdout and stderr go: each write, as it is made. */
export type OutputSink = (stream: 'stdout' | 'stderr', bytes: Uint8Array) => void;

/**
 * A stream that hands every write to `sink` (the instance keeps what a call wrote to
 * stderr, for the answer to a trap, and passes it on to the log).
 */
function sinkOutputStream(streams: Interface, poll: Interface, stream: 'stdout' | 'stderr', sink: OutputSink): object {
  const ready = Object.assign(Object.create((poll.Pollable as ResourceClass).prototype) as object, {
    ready: () => true,
    block: () => {},
    [Symbol.dispose]: () => {},
  });
  const write = (bytes: Uint8Array) => sink(stream, bytes);
  return Object.assign(Object.create((streams.OutputStream as ResourceClass).prototype) as object, {
    checkWrite: () => 1n << 20n,
    write,
    blockingWriteAndFlush: write,
    flush: () => {},
    blockingFlush: () => {},
    writeZeroes: () => {},
    blockingWriteZeroesAndFlush: () => {},
    subscribe: () => ready,
    [Symbol.dispose]: () => {},
  });
}

/**
 * Overrides of what the shim serves. With `enableNetwork: false` the shim still creates
 * host sockets, and denies outgoing HTTP with a bare string that the generated bindings
 * cannot lower into wasi:http's error-code (the guest traps); these refuse at the door with
 * each interface's own error. The shim's stdin reads the host process's stdin.
 */
const LOCKED_DOWN: Record<string, (served: Interface, all: Record<string, Interface>) => Interface> = {
  // initialCwd would tell the component where the host runs.
  'wasi:cli/environment': (served) => ({ ...served, initialCwd: () => undefined }),
  'wasi:cli/stdin': (served, all) => {
    const stdin = closedInputStream(all['wasi:io/streams']!, all['wasi:io/poll']!);
    return { ...served, getStdin: () => stdin };
  },
  'wasi:sockets/tcp-create-socket': (served) => ({ ...served, createTcpSocket: denySockets }),
  'wasi:sockets/udp-create-socket': (served) => ({ ...served, createUdpSocket: denySockets }),
  'wasi:sockets/ip-name-lookup': (served) => ({ ...served, resolveAddresses: denySockets }),
  'wasi:http/outgoing-handler': (served) => ({
    ...served,
    handle() {
      throw { tag: 'HTTP-request-denied' };
    },
  }),
};

/**
 * Every answer that can change between a run and its replay, through the tape. The shim's
 * own versions would read the host directly (and its wall clock reads Date.now twice, so
 * seconds and nanoseconds may come from different milliseconds).
 */
function journaled(tape: Tape): Record<string, (served: Interface) => Interface> {
  const u64 = (kind: typeof READS.randomU64) => () => tape.read(kind, HOST.u64);
  const bytes = (kind: typeof READS.randomBytes) => (length: bigint) => tape.read(kind, () => HOST.bytes(length), Number(length));
  let seed: [bigint, bigint] | undefined;
  return {
    'wasi:clocks/wall-clock': (served) => ({
      ...served,
      now: () => tape.read(READS.wallNow, HOST.wallNow),
      resolution: () => tape.read(READS.wallResolution, HOST.wallResolution),
    }),
    // subscribe-duration and subscribe-instant stay the shim's: a pollable's readiness is not
    // journaled (see docs/chain-format.md), and a call into an actor cannot wait on one anyway.
    'wasi:clocks/monotonic-clock': (served) => ({
      ...served,
      now: () => tape.read(READS.monotonicNow, HOST.monotonicNow),
      resolution: () => tape.read(READS.monotonicResolution, HOST.monotonicResolution),
    }),
    'wasi:random/random': (served) => ({ ...served, getRandomBytes: bytes(READS.randomBytes), getRandomU64: u64(READS.randomU64) }),
    'wasi:random/insecure': (served) => ({
      ...served,
      getInsecureRandomBytes: bytes(READS.insecureBytes),
      getInsecureRandomU64: u64(READS.insecureU64),
    }),
    // One seed per instance, as WASI asks, drawn from the host's cryptographic generator.
    'wasi:random/insecure-seed': (served) => ({
      ...served,
      insecureSeed: () => tape.read(READS.insecureSeed, () => (seed ??= [HOST.u64(), HOST.u64()])),
    }),
  };
}

/**
 * The import object entries for the WASI interfaces a component imports (versioned names),
 * for one instance: `tape` journals (or plays back) what it observes.
 */
export async function wasiImports(names: string[], tape: Tape, output: OutputSink): Promise<Record<string, unknown>> {
  if (names.length === 0) return {};
  const { WASIShim } = await importShim();
  const shim = new WASIShim({ sandbox: { preopens: {}, env: {}, args: [], enableNetwork: false } });
  const all = shim.getImportObject() as Record<string, Interface>;
  const observed: Record<string, (served: Interface) => Interface> = { ...journaled(tape) };
  for (const stream of ['stdout', 'stderr'] as const) {
    const sink = sinkOutputStream(all['wasi:io/streams']!, all['wasi:io/poll']!, stream, output);
    const getter = stream === 'stdout' ? 'getStdout' : 'getStderr';
    observed[`wasi:cli/${stream}`] = (served) => ({ ...served, [getter]: () => sink });
  }
  const imports: Record<string, unknown> = {};
  for (const name of names) {
    const base = unversioned(name);
    imports[name] = observed[base]?.(all[base]!) ?? LOCKED_DOWN[base]?.(all[base]!, all) ?? all[base];
  }
  return imports;
}
