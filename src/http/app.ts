import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Actor } from '../actor/actor.js';
import { ActorchainError } from '../errors.js';
import { canonicalOfParsed, HASH_PATTERN, isCanonicalJsonText } from '../json/canonical.js';
import { isJsonObject } from '../chain/entry.js';
import type { Metrics } from '../metrics.js';

export interface HttpOptions {
  maxBodyBytes: number;
  metrics: Metrics;
}

export const DEFAULT_PAGE_LIMIT = 1000;
export const MAX_PAGE_LIMIT = 10_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Turn a request body into a message: the canonical text of a JSON object. */
export function parseMessage(body: Buffer): string {
  let value: unknown;
  try {
    const text = utf8.decode(body);
    // A body that is a canonical object already is the message as it is: no parse at all.
    if (text.charCodeAt(0) === 0x7b && isCanonicalJsonText(text)) return text;
    if (text.trim() === '') throw new Error('empty body');
    value = JSON.parse(text);
  } catch (err) {
    throw new ActorchainError('INVALID_JSON', `the body is not JSON (${(err as Error).message}); send one JSON object`);
  }
  if (!isJsonObject(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new ActorchainError('MESSAGE_NOT_OBJECT', `the body is ${kind}; a message must be a JSON object`);
  }
  try {
    return canonicalOfParsed(value);
  } catch (err) {
    throw new ActorchainError('MESSAGE_NOT_CANONICALIZABLE', `the message has no canonical JSON form: ${(err as Error).message}`);
  }
}

function requireHash(value: unknown, what: string): string {
  if (typeof value !== 'string' || !HASH_PATTERN.test(value)) {
    throw new ActorchainError('INVALID_HASH', `${what} must be 64 lowercase hex characters`);
  }
  return value;
}

function pageLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_PAGE_LIMIT;
  const limit = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_LIMIT)) {
    throw new ActorchainError('INVALID_QUERY', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
  }
  return limit;
}

/**
 * A JSON reply whose members are already JSON text (hashes are hex, states canonical), sent
 * as it is: no parse and re-serialisation of a state that may be large.
 */
function sendJsonText(res: Response, members: Record<string, string>): void {
  const body = `{${Object.entries(members)
    .map(([name, text]) => `"${name}":${text}`)
    .join(',')}}`;
  res.type('application/json').send(Buffer.from(body));
}

function sendError(res: Response, err: ActorchainError): void {
  res.status(err.status).set(err.headers).json(err.toJSON());
}

/** The actor's HTTP surface. Every error is JSON `{"error": {"code", "message"}}`. */
export function createApp(actor: Actor, options: HttpOptions, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json spaces', 0);

  app.post(
    '/',
    (req, _res, next) => {
      const given = req.headers['content-type'] ?? 'none';
      if (!req.is(['application/json', 'application/*+json'])) {
        return next(new ActorchainError('UNSUPPORTED_MEDIA_TYPE', `Content-Type is ${given}; send application/json`));
      }
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(given)?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        return next(new ActorchainError('UNSUPPORTED_MEDIA_TYPE', `charset ${charset} is not supported; send UTF-8 JSON`));
      }
      next();
    },
    express.raw({ type: () => true, limit: options.maxBodyBytes }),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const canonical = parseMessage(body);
      const timer = options.metrics.messageSeconds.startTimer();
      try {
        const { head, message, state } = await actor.submit(canonical);
        sendJsonText(res, { head: `"${head}"`, message: `"${message}"`, state: state.canonical });
        options.metrics.messages.inc({ outcome: 'committed' });
      } catch (err) {
        options.metrics.messages.inc({ outcome: err instanceof ActorchainError ? err.code : 'INTERNAL_ERROR' });
        throw err;
      } finally {
        timer();
      }
    },
  );

  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });

  // Reads serve the durable view: a client never sees what a crash could still take back.
  app.get('/head', (_req, res) => {
    const { head, length } = actor.chain.durable;
    res.json({ head, length });
  });

  app.get('/state', (_req, res) => {
    const { head, state } = actor.chain.durable;
    sendJsonText(res, { head: `"${head}"`, state: state.canonical });
  });

  app.get('/chain', async (req, res) => {
    const limit = pageLimit(req.query.limit);
    const after = req.query.after === undefined ? undefined : requireHash(req.query.after, 'after');
    if (after !== undefined && !actor.chain.has(after)) {
      throw new ActorchainError('NOT_FOUND', `no entry ${after} in this chain`);
    }
    res.json(await actor.chain.page(after, limit));
  });

  app.get('/chain/:hash', async (req, res) => {
    const hash = requireHash(req.params.hash, 'the hash');
    const text = await actor.chain.entryText(hash);
    if (text === undefined) throw new ActorchainError('NOT_FOUND', `no entry ${hash} in this chain`);
    res.type('application/json').send(Buffer.from(text, 'utf8'));
  });

  // The routes above are the whole API: other methods on them are 405 with Allow, the rest 404.
  const allowed: Record<string, string> = { '/': 'POST', '/head': 'GET, HEAD', '/state': 'GET, HEAD', '/chain': 'GET, HEAD', '/metrics': 'GET, HEAD' };
  app.use((req) => {
    const allow = allowed[req.path.replace(/(.)\/$/, '$1')] ?? (/^\/chain\/[^/]+\/?$/.test(req.path) ? 'GET, HEAD' : undefined);
    if (allow !== undefined) {
      const message = `${req.method} is not allowed on ${req.path}; use ${allow}`;
      throw new ActorchainError('METHOD_NOT_ALLOWED', message, { headers: { Allow: allow } });
    }
    throw new ActorchainError('NOT_FOUND', `no route ${req.method} ${req.path}`);
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ActorchainError) return sendError(res, err);
    const status = (err as { status?: number }).status;
    if (status === 413) return sendError(res, new ActorchainError('BODY_TOO_LARGE', `the body is over the ${options.maxBodyBytes} byte limit (--max-body)`));
    if (status === 415) return sendError(res, new ActorchainError('UNSUPPORTED_MEDIA_TYPE', (err as Error).message));
    const type = (err as { type?: string }).type;
    if (status !== undefined && status >= 400 && status < 500 && /^(entity|request)\./.test(type ?? '')) {
      return sendError(res, new ActorchainError('INVALID_JSON', `the request body could not be read: ${(err as Error).message}`));
    }
    if (status === 400) return sendError(res, new ActorchainError('INVALID_PATH', `the request path is malformed: ${(err as Error).message}`));
    logger.error({ err }, 'unexpected error');
    sendError(res, new ActorchainError('INTERNAL_ERROR'));
  });

  return app;
}
