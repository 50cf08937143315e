/**
 * WASI for a component, through @bytecodealliance/preview2-shim, with no ambient authority:
 * no preopened directories, an empty environment and argument list, no working directory,
 * no sockets, no outgoing HTTP, and an empty stdin. Clocks and random numbers are served
 * (the runtime warns that they make a replay diverge).
 */
import { unversioned } from './imports.js';

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

/** The import object entries for the WASI interfaces a component imports (versioned names). */
export async function wasiImports(names: string[]): Promise<Record<string, unknown>> {
  if (names.length === 0) return {};
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  const shim = new WASIShim({ sandbox: { preopens: {}, env: {}, args: [], enableNetwork: false } });
  const all = shim.getImportObject() as Record<string, Interface>;
  const imports: Record<string, unknown> = {};
  for (const name of names) {
    const base = unversioned(name);
    imports[name] = LOCKED_DOWN[base]?.(all[base]!, all) ?? all[base];
  }
  return imports;
}
