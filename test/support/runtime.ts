/**
 * Test support: start the real CLI as a child process on port 0 and talk to it over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, type TestContext } from 'node:test';
import canonicalize from 'canonicalize';
import { waitFor } from './wait.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Runtime {
  url: string;
  child: ChildProcess;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to completion (for commands that are expected to end). */
export function runCli(args: string[], options: { timeoutMs?: number; cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`actorchain ${args.join(' ')} did not end within ${options.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    // 'close', not 'exit': by then all of stdout and stderr has been read.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** How a runtime is started, beyond its arguments. */
export interface StartOptions {
  /** The working directory (a default data dir is made there). */
  cwd?: string;
  /** Fed to the runtime's stdin (which is otherwise empty). */
  stdin?: string;
  /** Added to the runtime's environment (ACTORCHAIN_* options). */
  env?: Record<string, string>;
}

/**
 * Start `actorchain run <component> --listen 127.0.0.1:0 ...args` and wait for its
 * "listening" log line. The process is killed when the test ends.
 */
export function startRuntime(t: TestContext | undefined, component: string, args: string[] = [], options: StartOptions = {}): Promise<Runtime> {
  // Runtimes are in memory unless the test chooses a store: a default data dir in the
  // working directory would carry one test's chain into the next.
  const choosesStore = ['--data-dir', '--in-memory'].some((flag) => args.includes(flag)) || options.env?.ACTORCHAIN_DATA_DIR !== undefined;
  const withStore = choosesStore ? args : ['--in-memory', ...args];
  return startServer(t, ['run', component, '--listen', '127.0.0.1:0', ...withStore], options);
}

/**
 * One runtime shared by the tests of a file that do not interfere (none depends on what
 * another committed): started before the first test, killed after the last. Returns the
 * getter the tests call. Saves a CLI start (node, the component, the worker) per test.
 */
export function fileRuntime(component: () => Promise<string>, args: string[] = [], options: StartOptions = {}): () => Runtime {
  let runtime: Runtime | undefined;
  before(async () => {
    runtime = await startRuntime(undefined, await component(), args, options);
  });
  after(() => {
    if (runtime && runtime.child.exitCode === null && runtime.child.signalCode === null) runtime.child.kill('SIGKILL');
  });
  return () => {
    if (runtime === undefined) throw new Error('the shared runtime did not start');
    return runtime;
  };
}

/** Start `actorchain mirror [<component>] <primary> --listen 127.0.0.1:0 --data-dir <dir>` and wait until it listens. */
export function startMirror(t: TestContext | undefined, component: string | undefined, primary: string, dataDir: string, args: string[] = []): Promise<Runtime> {
  // No component: the mirror fetches the genesis' from its primary by hash.
  const given = component === undefined ? [] : [component];
  return startServer(t, ['mirror', ...given, primary, '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...args], {});
}

/** Run a CLI command that serves HTTP and wait for its "actorchain listening" log line. */
async function startServer(t: TestContext | undefined, args: string[], { cwd, stdin, env }: StartOptions): Promise<Runtime> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (stdin !== undefined) child.stdin!.end(stdin);
  // 'close', not 'exit': by then every line the process wrote has been read.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t?.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  let buffered = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (typeof entry.address === 'string' && String(entry.msg).startsWith('actorchain listening')) resolve(entry.address);
        } catch {
          // not a log line
        }
      }
    });
    void exited.then((code) => reject(new Error(`actorchain ${args[0]} exited with ${code} before listening\n${stderr}`)));
  });
  return {
    url,
    child,
    logs,
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A CLI command that keeps running (verify --follow), its output read as it comes. */
export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves once stdout matches `pattern`; rejects after `timeoutMs` or if the process ends first. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export function spawnCli(t: TestContext, args: string[]): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  // 'close', not 'exit': by then every line the process wrote has been read.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitForStdout(pattern, timeoutMs = 30_000) {
      await waitFor(`actorchain ${args[0]} to print ${pattern}`, () => pattern.test(stdout), {
        timeoutMs,
        stopIf: () => (child.exitCode === null ? undefined : `it exited ${child.exitCode}\n${stdout}\n${stderr}`),
      });
    },
  };
}

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

export async function getJson(url: string): Promise<JsonResponse> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface ChainEntry {
  hash: string;
  parent: string | null;
  data: Record<string, unknown>;
}

/** All entries of a running runtime's chain, following `next` through every page. */
export async function fetchChain(url: string, limit = 1000): Promise<{ head: string; entries: ChainEntry[] }> {
  const entries: ChainEntry[] = [];
  let after: string | null = null;
  let head: string;
  do {
    const query: string = after ? `?after=${after}&limit=${limit}` : `?limit=${limit}`;
    const { body } = await getJson(`${url}/chain${query}`);
    head = body.head;
    entries.push(...(body.entries as ChainEntry[]));
    after = body.next;
  } while (after);
  return { head, entries };
}

/**
 * Check a chain the way a user would by hand: every hash is the SHA-256 of the canonical
 * JSON of {parent, data}, every parent is the entry before, and the last entry is HEAD.
 * Returns a list of problems (empty when the chain is sound).
 */
export function chainProblems(head: string, entries: ChainEntry[]): string[] {
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const recomputed = sha256(canonicalize({ parent: entry.parent, data: entry.data })!);
    if (recomputed !== entry.hash) problems.push(`entry ${i}: hash ${entry.hash} but content hashes to ${recomputed}`);
    const expectedParent = i === 0 ? null : entries[i - 1]!.hash;
    if (entry.parent !== expectedParent) problems.push(`entry ${i}: parent ${entry.parent}, expected ${expectedParent}`);
  });
  if (entries.at(-1)?.hash !== head) problems.push(`last entry ${entries.at(-1)?.hash} is not HEAD ${head}`);
  return problems;
}

/** Messages accepted and not yet applied, from GET /metrics. */
export async function queueDepth(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^actorchain_queue_depth (\d+)$/m.exec(text)?.[1]);
}

/** Wait until `depth` messages are accepted and not yet applied (the running one included). */
export async function waitForQueueDepth(url: string, depth: number): Promise<void> {
  await waitFor(`queue depth ${depth}`, async () => (await queueDepth(url)) === depth, { intervalMs: 10 });
}
