/**
 * Test support: an HTTP server that plays a primary from chain lines the test controls, so it
 * can lie the way a faulty or dishonest runtime would (append a forged pair, rewrite the past
 * and re-seal every hash after it, stop answering). It serves what a follower reads: GET /head
 * and GET /chain with after, limit and wait (held until the lines change or the wait ends).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { sha256 } from './runtime.js';

export class FakePrimary {
  #lines: string[];
  #waiters = new Set<() => void>();
  /** Answer this many more requests with 503, as a runtime that is down behind a proxy. */
  failNext = 0;
  /** What GET /checkpoint answers (a signed note); undefined: 404, as a runtime from before checkpoints. */
  checkpoint: string | undefined;
  readonly server: Server;
  url = '';

  private constructor(lines: string[]) {
    this.#lines = lines;
    this.server = createServer((req, res) => void this.#answer(req.url ?? '/', res));
  }

  static async start(t: TestContext, lines: string[]): Promise<FakePrimary> {
    const primary = new FakePrimary(lines);
    primary.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => primary.server.once('listening', resolve));
    primary.url = `http://127.0.0.1:${(primary.server.address() as AddressInfo).port}`;
    t.after(() => {
      primary.server.closeAllConnections();
      primary.server.close();
    });
    return primary;
  }

  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Serve these lines from now on; held long polls look again. */
  setLines(lines: string[]): void {
    this.#lines = lines;
    for (const wake of [...this.#waiters]) wake();
  }

  async #answer(path: string, res: ServerResponse): Promise<void> {
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (this.failNext > 0) {
      this.failNext -= 1;
      return json(503, { error: { code: 'ACTOR_UNAVAILABLE', message: 'down for a moment' } });
    }
    const url = new URL(path, 'http://x');
    const hashes = () => this.#lines.map((line) => sha256(line));
    if (url.pathname === '/head') return json(200, { head: hashes().at(-1), length: this.#lines.length });
    if (url.pathname === '/checkpoint' && this.checkpoint !== undefined) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(this.checkpoint);
      return;
    }
    if (url.pathname !== '/chain') return json(404, { error: { code: 'NOT_FOUND', message: `no route ${url.pathname}` } });
    const after = url.searchParams.get('after');
    const limit = Number(url.searchParams.get('limit') ?? 1000);
    const from = () => (after === null ? 0 : hashes().indexOf(after) + 1);
    if (from() === 0 && after !== null) return json(404, { error: { code: 'NOT_FOUND', message: `no entry ${after} in this chain` } });
    const waitMs = Number(url.searchParams.get('wait') ?? 0) * 1000;
    if (from() >= this.#lines.length && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, waitMs);
        this.#waiters.add(wake);
        res.once('close', wake);
      });
      if (res.destroyed) return;
      if (from() === 0 && after !== null) return json(404, { error: { code: 'NOT_FOUND', message: `no entry ${after} in this chain` } });
    }
    const start = from();
    const lines = this.#lines.slice(start, start + limit);
    const entries = lines.map((line) => ({ hash: sha256(line), ...(JSON.parse(line) as object) }));
    const end = start + lines.length;
    json(200, { head: hashes().at(-1), entries, next: end < this.#lines.length ? sha256(this.#lines[end - 1]!) : null });
  }
}
