/**
 * Test support: an HTTP server in front of a real runtime that alters what the explorer
 * reads (a forged entry in GET /chain pages), asks what a runtime started with --token
 * asks (POST / without `Authorization: Bearer <token>` is 401 UNAUTHORIZED), or holds
 * `GET /chain?after=<head>&wait=<s>` until there is an entry, as a long-polling runtime does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { ChainEntry } from './runtime.js';

export interface ProxyOptions {
  /** Applied to every entry of every GET /chain page. */
  forge?: (entry: ChainEntry) => ChainEntry;
  token?: string;
  longPoll?: boolean;
}

const FORWARDED_HEADERS = ['content-type', 'content-security-policy', 'allow', 'retry-after'];

export async function startProxy(t: TestContext, target: string, options: ProxyOptions): Promise<string> {
  const server = createServer((req, res) => {
    // The runtime may be gone first when a test ends with a long poll held open.
    forward(req, res).catch(() => res.destroy());
  });
  const forward = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (options.token !== undefined && req.method === 'POST' && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'POST / needs Authorization: Bearer <token>; give the token the runtime was started with' } }));
      return;
    }
    const ask = () =>
      fetch(`${target}${req.url}`, {
        method: req.method,
        headers: req.headers['content-type'] === undefined ? {} : { 'content-type': req.headers['content-type'] },
        body: chunks.length === 0 ? undefined : Buffer.concat(chunks),
      });
    let answer = await ask();
    const waitSeconds = Number(new URL(req.url!, target).searchParams.get('wait'));
    if (options.longPoll && waitSeconds > 0) {
      const deadline = Date.now() + waitSeconds * 1000;
      while (answer.ok && Date.now() < deadline && ((await answer.clone().json()) as { entries: unknown[] }).entries.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        answer = await ask();
      }
    }
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = answer.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    let body = Buffer.from(await answer.arrayBuffer());
    if (options.forge && answer.ok && /^\/chain(\?|$)/.test(req.url!)) {
      const page = JSON.parse(body.toString('utf8')) as { entries: ChainEntry[] };
      page.entries = page.entries.map(options.forge);
      body = Buffer.from(JSON.stringify(page));
    }
    res.writeHead(answer.status, headers).end(body);
  };
  server.listen(0, '127.0.0.1');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
