/**
 * WASI preview 1 as Node serves it, with what differs between hosts and runs made fixed: the
 * pre-initializer's (preinit.ts) clocks start at a fixed instant, its random bytes come from a
 * fixed seed, and file metadata keeps only a file's type and size.
 */
import { createHash } from 'node:crypto';
import type { WASI } from 'node:wasi';

/** 2023-11-14T22:13:20Z, in nanoseconds: the clock's reading at the start of every snapshot. */
const CLOCK_START_NS = 1_700_000_000_000_000_000n;
/** How far the clock moves at each reading, so that a loop waiting for time to pass ends. */
const CLOCK_STEP_NS = 1_000_000n;

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

/** The WASI imports `wasi` gives a module, made fixed (`memory`: the instance's, once there is one). */
export function fixedWasi(wasi: WASI, memory: () => WebAssembly.Memory): Wasi {
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
