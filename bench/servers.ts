/**
 * What the HTTP benchmarks share: the real runtime and the bare Express baseline started as
 * child processes, autocannon runs against them, and one-at-a-time request latencies.
 */
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const BARE_EXPRESS = fileURLToPath(new URL('./bare-express.js', import.meta.url));
const FSYNC_FLOOR = fileURLToPath(new URL('./fsync-floor.js', import.meta.url));
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export interface Server {
  url: string;
  /** The server's process id (its threads' CPU time: cpu-per-request.ts). */
  pid: number;
  /** Milliseconds from spawn to the listening line. */
  startMs: number;
  stop: () => Promise<void>;
}

const SHOW = process.env.ACTORCHAIN_BENCH_SHOW || undefined;

/** Spawn a server and wait for the stdout line `listening` matches. */
async function spawnServer(
  args: readonly string[],
  listening: (line: string) => string | undefined,
  env?: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
): Promise<Server> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: env ?? process.env });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // The runtime logs at its default level, as a user runs it; the log is read (and dropped) as it comes.
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      // ACTORCHAIN_BENCH_SHOW=<text>: pass the runtime's log lines that hold it through to stderr.
      if (SHOW !== undefined && line.includes(SHOW)) process.stderr.write(`${line}\n`);
      onLine?.(line);
      const url = listening(line);
      if (url) resolve(url);
    });
    void exited.then(() => reject(new Error(`${args.join(' ')} exited before listening`)));
  });
  return {
    url,
    pid: child.pid!,
    startMs: performance.now() - started,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `actorchain run <component> --listen 127.0.0.1:0 ...args` (of another build with `cli`; with more `env`). */
export function startRuntime(component: string, args: readonly string[], cli = CLI, env: NodeJS.ProcessEnv = {}, onLine?: (line: string) => void): Promise<Server> {
  return spawnServer(
    [cli, 'run', component, '--listen', '127.0.0.1:0', ...args],
    (line) => {
      const address = /"address":"([^"]+)"/.exec(line)?.[1];
      return address && line.includes('actorchain listening') ? `${address}/` : undefined;
    },
    { ...process.env, ...env },
    onLine,
  );
}

export function startBareExpress(): Promise<Server> {
  return spawnServer([BARE_EXPRESS], (line) => /^listening (\S+)$/.exec(line)?.[1]);
}

/** Express that answers each body after the group-committed fdatasync that covers its line in `file`. */
export function startFsyncFloor(file: string): Promise<Server> {
  return spawnServer([FSYNC_FLOOR, file], (line) => /^listening (\S+)$/.exec(line)?.[1]);
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
}

/** autocannon POSTing `body` for `seconds` over `connections` connections. */
export async function load(url: string, body: string, seconds: number, connections: number): Promise<LoadResult> {
  const args = [AUTOCANNON, '-j', '-c', String(connections), '-d', String(seconds), '-m', 'POST'];
  args.push('-H', 'content-type=application/json', '-b', body, url);
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 24 });
  const report = JSON.parse(stdout) as { requests: { average: number }; latency: { p99: number }; non2xx: number; errors: number };
  return { requestsPerSecond: report.requests.average, latencyP99Ms: report.latency.p99, non2xx: report.non2xx, errors: report.errors };
}

/** Latency of `count` POSTs sent one at a time on one kept-alive connection, in ms. */
export async function sequentialLatencies(url: string, body: string, count: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const payload = Buffer.from(body);
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`POST answered ${res.statusCode}`))));
      });
      request.on('error', reject);
      request.end(payload);
    });
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await post();
    times.push(performance.now() - start);
  }
  agent.destroy();
  return times;
}
