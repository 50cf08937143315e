/**
 * Test support for sends between runtimes: ports chosen before a target exists (so a
 * sender can name a target that is down), runtimes that send, polling, metrics.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { readFileSync } from 'node:fs';
import type { RuntimeOptions } from '../../src/index.js';
import { startInProcess, type InProcessRuntime } from './in-process.js';
import { getJson, startRuntime, type Runtime, type StartOptions } from './runtime.js';

/** The lowest port the kernel hands out for port 0 and outgoing connections (Linux; 32768 elsewhere). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port nothing listens on, for a target started later. Chosen below the kernel's ephemeral
 * range: a port the kernel picked would be free for anyone's port-0 listener or outgoing
 * connection meanwhile (another test file running beside this one took one, EADDRINUSE).
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found between 10000 and ${low}`);
}

/**
 * Start a runtime whose component sends to `targets` (URLs). Every runtime that sends in
 * these tests starts here, so an option a sender needs for its targets goes in one place.
 */
export function startSender(t: TestContext, component: string, targets: readonly string[], args: string[] = [], options: StartOptions = {}): Promise<Runtime> {
  return startRuntime(t, component, [...args, ...targets.flatMap((target) => ['--allow-send', new URL(target).origin])], options);
}

/** startSender in this process (createRuntime), for tests that do not need a process to kill. */
export function startSenderInProcess(
  t: TestContext,
  component: string,
  targets: readonly string[],
  options: Omit<RuntimeOptions, 'component' | 'allowSend'> = {},
): Promise<InProcessRuntime> {
  return startInProcess(t, component, { ...options, allowSend: targets.map((target) => new URL(target).origin) });
}

/** A runtime listening on a given port (a target that comes back where senders expect it). */
export function startOnPort(t: TestContext, component: string, port: number, args: string[] = []): Promise<Runtime> {
  return startRuntime(t, component, [...args, '--listen', `127.0.0.1:${port}`]);
}

export { waitFor } from './wait.js';

/** A counter or gauge without labels, from GET /metrics. */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const escaped = name.replace(/[{}]/g, '\\$&');
  const value = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1];
  // A labelled series appears only once counted.
  if (value === undefined && name.includes('{')) return 0;
  if (value === undefined) throw new Error(`${url}/metrics has no ${name}`);
  return Number(value);
}

/** The ledger fixture's state. */
export async function ledgerState(url: string): Promise<{ seen: unknown[]; sent: number }> {
  return (await getJson(`${url}/state`)).body.state;
}

export interface Received {
  key: string | undefined;
  /** The request's path. */
  path: string;
  body: string;
}

/** A plain HTTP server playing the target: `answer` picks each reply's status (and headers). */
export async function target(
  t: TestContext,
  answer: (n: number, req: IncomingMessage, res: ServerResponse) => number,
  /** Where to listen (a port from freePort, for a target that was down until now); any free port by default. */
  port = 0,
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      received.push({ key: req.headers['idempotency-key'] as string | undefined, path: req.url!, body });
      res.statusCode = answer(received.length, req, res);
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received };
}

/**
 * A target that accepts connections and never answers: counts them, and tells when the
 * sender first ended one (`onFirstEnd` resolves at once, within the event that reads its
 * end, before any connection accepted after it is counted).
 */
export async function hangingTarget(t: TestContext): Promise<{ url: string; connections: () => number; onFirstEnd: Promise<number> }> {
  let connections = 0;
  let firstEnd!: (connections: number) => void;
  const onFirstEnd = new Promise<number>((resolve) => (firstEnd = resolve));
  const server = createServer((socket) => {
    connections += 1;
    socket.on('error', () => {});
    socket.on('end', () => firstEnd(connections));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.close();
    server.unref();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections, onFirstEnd };
}
