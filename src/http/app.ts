import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Applied, Submitted } from '../actor/actor.js';
import type { Chain } from '../chain/chain.js';
import { receiptJson } from '../chain/notary.js';
import { ActorchainError, ERROR_CODES, type ErrorCode } from '../errors.js';
import { canonicalOfParsed, HASH_PATTERN, isCanonicalJsonBytes } from '../json/canonical.js';
import { findDuplicateKey } from '../json/duplicate-keys.js';
import { IDEMPOTENCY_KEY_MAX_CHARS, isIdempotencyKey, isJsonObject } from '../chain/entry.js';
import type { Metrics } from '../metrics.js';
import { explorerRouter } from '../explorer/route.js';
import { componentRouter, type ComponentService } from './component-routes.js';
import { chainTreeService, treeRouter, type TreeService } from './tlog-routes.js';
import { verifiedSender, type AcceptedSenders, type SignableRequest } from './message-signature.js';

/** Why GET /readyz answers 503. */
export type NotReadyReason = 'worker-starting' | 'restart-budget-exhausted' | 'chain-write-failed' | 'shutting-down';

const NOT_READY_MESSAGES: Record<NotReadyReason, string> = {
  'worker-starting': "the component's worker is being (re)started; retry in a moment",
  'restart-budget-exhausted': 'the component exhausted its restart budget; the runtime is exiting',
  'chain-write-failed': 'writing chain.ndjson failed; the runtime is exiting',
  'shutting-down': 'the runtime is shutting down',
};

export interface HttpOptions {
  maxBodyBytes: number;
  /** Whether the chain is written to a data dir (false with --in-memory); GET /head says so. */
  durable: boolean;
  metrics: Metrics;
  /** The bearer token POST / needs; null leaves it open. */
  token: string | null;
  /** The GET routes (chain, state, metrics) need the token too. */
  tokenReads: boolean;
  /** Why the runtime cannot take a message now, or undefined when it can. */
  unready: () => NotReadyReason | undefined;
  /** Runtimes whose signed deliveries keep their Idempotency-Key in their own namespace (--accept-sends-from). */
  acceptedSenders?: AcceptedSenders;
  /** What /identity, /checkpoint and /proof/* serve (default: the chain's own notary and tree). */
  treeService?: TreeService;
  /** What GET /component and /component/<hash> serve (a runtime's kept components; a mirror has none). */
  componentService?: ComponentService;
}

/** Codes by which the component refused a message (logged at debug): the client can send another. */
const REFUSALS: ReadonlySet<ErrorCode> = new Set(['MESSAGE_REJECTED', 'SEND_NOT_ALLOWED']);
/** Codes by which the component failed on a message (logged at warn): a bug in the component. */
const FAULTS: ReadonlySet<ErrorCode> = new Set([
  'STATE_REJECTED',
  'STATE_NOT_JSON',
  'SEND_NOT_JSON',
  'COMPONENT_TRAP',
  'COMPONENT_OUT_OF_MEMORY',
  'WORKER_CRASHED',
  'COMPONENT_TIMEOUT',
]);

/** Who applies `POST /` messages: the actor, or nobody (a mirror refuses them with `refusal()`). */
export type MessageSink =
  | { submit(canonical: string, key?: string, sender?: string): Promise<Submitted>; upgrade?(component: Buffer): Promise<Applied & { upgrade: string }>; refusal?: never }
  | { refusal(): ActorchainError; submit?: never; upgrade?: never };

/** The largest component POST /upgrade takes (a componentize-js actor is about 12 MB). */
const MAX_COMPONENT_BYTES = 256 * 2 ** 20;
const readComponent = express.raw({ type: 'application/wasm', limit: MAX_COMPONENT_BYTES });

export const DEFAULT_PAGE_LIMIT = 1000;
export const MAX_PAGE_LIMIT = 10_000;
/** The longest `GET /chain?wait=` a client may ask for, in seconds. */
export const MAX_WAIT_SECONDS = 60;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Turn a request body into a message: the canonical text of a JSON object with unique member names. */
export function parseMessage(body: Buffer): string {
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(body);
    // A body that is a canonical object already is the message as it is: no parse at all
    // (canonical keys are strictly ascending, so it has no duplicate either). Its bytes are
    // scanned, which is cheaper than scanning the text.
    if (body[0] === 0x7b && isCanonicalJsonBytes(body)) return text;
    if (text.trim() === '') throw new Error('empty body');
    value = JSON.parse(text);
  } catch (err) {
    throw new ActorchainError('INVALID_JSON', `the body is not JSON (${(err as Error).message}); send one JSON object`);
  }
  if (!isJsonObject(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new ActorchainError('MESSAGE_NOT_OBJECT', `the body is ${kind}; a message must be a JSON object`);
  }
  // Checked after JSON.parse accepted the text, so the scanner only meets valid JSON.
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    const where = duplicate.pointer === '' ? 'the message' : `the object at ${duplicate.pointer}`;
    throw new ActorchainError('DUPLICATE_KEY', `${where} has the member ${JSON.stringify(duplicate.name)} more than once; send each name once`);
  }
  try {
    return canonicalOfParsed(value);
  } catch (err) {
    throw new ActorchainError('MESSAGE_NOT_CANONICALIZABLE', `the message has no canonical JSON form: ${(err as Error).message}`);
  }
}

/** A request as its RFC 9421 signature sees it: @target-uri is rebuilt from the scheme, Host and path. */
function signable(req: Request): SignableRequest {
  return {
    method: req.method,
    targetUri: `${req.protocol}://${req.headers.host ?? ''}${req.originalUrl}`,
    field: (name) => {
      const values = req.headersDistinct[name];
      return values === undefined ? undefined : values.join(', ');
    },
  };
}

/** The Idempotency-Key header, if given: once, 1 to 255 printable ASCII characters. */
export function idempotencyKey(req: Request): string | undefined {
  // Most messages have none: skip building headersDistinct (every header, copied) for them.
  if (req.headers['idempotency-key'] === undefined) return undefined;
  const values = req.headersDistinct['idempotency-key'];
  if (values === undefined) return undefined;
  if (values.length > 1) throw new ActorchainError('INVALID_IDEMPOTENCY_KEY', 'the Idempotency-Key header is given more than once; give it once');
  const value: string = values[0]!;
  if (!isIdempotencyKey(value)) {
    throw new ActorchainError(
      'INVALID_IDEMPOTENCY_KEY',
      `the Idempotency-Key header must be 1 to ${IDEMPOTENCY_KEY_MAX_CHARS} printable ASCII characters (got ${value.length} characters)`,
    );
  }
  return value;
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

function waitSeconds(value: unknown): number {
  if (value === undefined) return 0;
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 0 && seconds <= MAX_WAIT_SECONDS)) {
    throw new ActorchainError('INVALID_QUERY', `wait must be an integer number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
  }
  return seconds;
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

/**
 * POST /'s answer, written straight to the socket: no ETag (an answer to a POST is not
 * cached, and Express would hash every body for it) and no content-type lookup.
 */
function sendApplied(res: Response, { head, message, state, receipt }: Applied): void {
  const tail = receipt === undefined ? '' : `,"receipt":${receiptJson(receipt)}`;
  const body = Buffer.from(`{"head":"${head}","message":"${message}","state":${state.canonical}${tail}}`);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

function sendError(res: Response, err: ActorchainError): void {
  res.status(err.status).set(err.headers).json(err.toJSON());
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * `Authorization: Bearer <token>`, compared in constant time: both sides are hashed first,
 * so neither the token's content nor its length shows in the comparison's timing.
 */
function requireToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const given = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1];
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return next();
    const message =
      given === undefined
        ? `${req.method} ${req.path} needs Authorization: Bearer <token>; ask the operator for the runtime's token`
        : 'the bearer token is wrong; use the token the runtime was started with (--token or ACTORCHAIN_TOKEN)';
    next(new ActorchainError('UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': 'Bearer' } }));
  };
}

/** POST / takes UTF-8 JSON only. */
const checkContentType: RequestHandler = (req, _res, next) => {
  const given = req.headers['content-type'] ?? 'none';
  // What nearly every client sends, accepted without parsing the media type (with a body, as req.is requires).
  const hasBody = req.headers['transfer-encoding'] !== undefined || !isNaN(Number(req.headers['content-length']));
  if (given === 'application/json' && hasBody) return next();
  // req.is() answers null for a request without a body (curl -X POST with no -d): read the media type itself.
  const mediaType = given.split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json' && !/^application\/[^/\s]+\+json$/.test(mediaType)) {
    return next(new ActorchainError('UNSUPPORTED_MEDIA_TYPE', `Content-Type is ${given}; send application/json`));
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(given)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return next(new ActorchainError('UNSUPPORTED_MEDIA_TYPE', `charset ${charset} is not supported; send UTF-8 JSON`));
  }
  next();
};

/**
 * Read the whole body. gzip, deflate and br are decoded, and the limit applies to the decoded
 * bytes, so a small compressed bomb is refused with 413 as soon as it inflates past
 * --max-body. Errors from reading (size, Content-Encoding, a dropped connection) become codes
 * about the body here, where no other 400 can land.
 */
function readBody(maxBodyBytes: number): RequestHandler {
  const raw = express.raw({ type: () => true, limit: maxBodyBytes, inflate: true });
  return (req, res, next) => raw(req, res, (err?: unknown) => (err === undefined ? next() : next(bodyError(err, req, maxBodyBytes))));
}

function bodyError(err: unknown, req: Request, maxBodyBytes: number): ActorchainError {
  const { status, type, message } = err as { status?: number; type?: string; message: string };
  const encoding = req.headers['content-encoding'];
  if (type === 'entity.too.large') {
    const what = encoding === undefined ? 'the body' : `the body, decoded from ${encoding},`;
    return new ActorchainError('BODY_TOO_LARGE', `${what} is over the ${maxBodyBytes} byte limit (--max-body)`);
  }
  if (type === 'encoding.unsupported') {
    return new ActorchainError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not supported; send the body as is, or with gzip, deflate or br`);
  }
  // zlib's own errors carry no body-parser type.
  if (status === 400 && type === undefined && encoding !== undefined) {
    return new ActorchainError(
      'INVALID_CONTENT_ENCODING',
      `the body is not valid ${encoding} data (${message}); compress it with ${encoding}, or send it uncompressed without Content-Encoding`,
    );
  }
  return new ActorchainError('INVALID_JSON', `the request body could not be read: ${message}`);
}

/**
 * The actor's HTTP surface: the reads over `chain`'s durable view and `POST /` into `sink`.
 * A mirror serves the same reads over its verified copy, with a sink that refuses.
 * Every error is JSON `{"error": {"code", "message"}}`.
 */
export function createApp(chain: Chain, sink: MessageSink, options: HttpOptions, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json spaces', 0);

  // Counted when the answer is sent, by route pattern so the label set stays small.
  app.use((req, res, next) => {
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      options.metrics.httpRequests.inc({ method: req.method, route, status: res.statusCode });
    });
    next();
  });

  // Probes stay open with a token: they tell nothing about the chain.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', (_req, res) => {
    const reason = options.unready();
    if (reason === undefined) return res.json({ ready: true });
    const code: ErrorCode = 'NOT_READY';
    res.status(ERROR_CODES[code].status).json({ error: { code, reason, message: NOT_READY_MESSAGES[reason] } });
  });

  const open: RequestHandler = (_req, _res, next) => next();
  const writes = options.token === null ? open : requireToken(options.token);
  const reads = options.tokenReads ? writes : open;

  const accepted: AcceptedSenders = options.acceptedSenders ?? new Map();
  // A mirror refuses before reading anything: messages go to its primary.
  const refuse: RequestHandler | undefined = sink.refusal
    ? (_req, _res, next) => {
        const err = sink.refusal!();
        options.metrics.messages.inc({ outcome: err.code });
        next(err);
      }
    : undefined;
  app.post(
    '/',
    ...(refuse ? [refuse] : []),
    ...(writes === open ? [] : [writes]),
    checkContentType,
    readBody(options.maxBodyBytes),
    async (req, res) => {
      const key = idempotencyKey(req);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // Before the body is looked at: a signed request that does not hold is refused whatever it holds.
      const sender = accepted.size === 0 ? undefined : verifiedSender(signable(req), body, accepted);
      const canonical = parseMessage(body);
      const timer = options.metrics.messageSeconds.startTimer();
      try {
        const { applied, repeated } = await sink.submit!(canonical, key, sender);
        if (repeated) res.set('Idempotent-Replayed', 'true');
        sendApplied(res, applied);
        options.metrics.messages.inc({ outcome: repeated ? 'repeated' : 'committed' });
      } catch (err) {
        options.metrics.messages.inc({ outcome: err instanceof ActorchainError ? err.code : 'INTERNAL_ERROR' });
        if (err instanceof ActorchainError && (REFUSALS.has(err.code) || FAULTS.has(err.code))) {
          const fields = {
            code: err.code,
            messageHash: createHash('sha256').update(canonical).digest('hex'),
            client: req.socket.remoteAddress,
            ...(err.reason === undefined ? {} : { reason: err.reason }),
            ...(err.detail === undefined ? {} : { detail: err.detail }),
          };
          if (REFUSALS.has(err.code)) logger.debug(fields, `message refused: ${err.message}`);
          else logger.warn(fields, `message failed: ${err.message}`);
        }
        throw err;
      } finally {
        timer();
      }
    },
  );

  app.get('/metrics', reads, async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });

  // Reads serve the durable view: a client never sees what a crash could still take back.
  app.get('/head', reads, (_req, res) => {
    const { head, length } = chain.durable;
    res.json({ head, length, durable: options.durable });
  });

  app.get('/state', reads, (_req, res) => {
    const { head, state } = chain.durable;
    sendJsonText(res, { head: `"${head}"`, state: state.canonical });
  });

  app.get('/chain', reads, async (req, res) => {
    const limit = pageLimit(req.query.limit);
    const wait = waitSeconds(req.query.wait);
    const after = req.query.after === undefined ? undefined : requireHash(req.query.after, 'after');
    const until = req.query.until === undefined ? undefined : requireHash(req.query.until, 'until');
    if (after !== undefined && until !== undefined) {
      throw new ActorchainError('INVALID_QUERY', 'after and until exclude each other: page forward with after, backward with until');
    }
    if (until !== undefined) {
      if (chain.positionOf(until) === undefined) throw new ActorchainError('NOT_FOUND', `no entry ${until} in this chain`);
      res.json(await chain.pageUntil(until, limit));
      return;
    }
    const position = after === undefined ? -1 : chain.positionOf(after);
    if (position === undefined) throw new ActorchainError('NOT_FOUND', `no entry ${after} in this chain`);
    // A long poll: nothing durable follows `after` yet, so hold the request until something
    // does or the wait ends. A client that goes away is forgotten at once.
    if (wait > 0 && position + 1 >= chain.durable.length) {
      const gone = new AbortController();
      res.once('close', () => gone.abort());
      await chain.waitForDurable(position + 1, wait * 1000, gone.signal);
      if (gone.signal.aborted) return;
      if (chain.waitsEnded) {
        // Closing the connection keeps a follower from asking again at once while the server stops.
        throw new ActorchainError('ACTOR_UNAVAILABLE', 'the runtime is shutting down; ask again later', { headers: { Connection: 'close' } });
      }
      if (position + 1 >= chain.durable.length) {
        res.json({ head: chain.durable.head, entries: [], next: null });
        return;
      }
    }
    res.json(await chain.page(after, limit));
  });

  app.get('/chain/:hash', reads, async (req, res) => {
    const hash = requireHash(req.params.hash, 'the hash');
    const bytes = await chain.entryBytes(hash);
    if (bytes === undefined) throw new ActorchainError('NOT_FOUND', `no entry ${hash} in this chain`);
    // An entry never changes: its hash is its validator (a repeat with If-None-Match gets a
    // 304), and caches may keep it for good. Express then skips hashing the body for an ETag.
    res.set({ ETag: `"${hash}"`, 'Cache-Control': 'public, max-age=31536000, immutable' });
    res.type('application/json').send(bytes);
  });

  // A live upgrade replaces the code behind the chain: never open, so it needs a token to exist.
  app.post(
    '/upgrade',
    ...(refuse ? [refuse] : []),
    (_req, _res, next) => {
      if (options.token === null || !sink.upgrade) {
        return next(new ActorchainError('UPGRADE_NOT_ALLOWED', 'POST /upgrade needs a runtime started with --token; upgrade this one offline (stop it, then actorchain upgrade <data dir> <new.wasm>)'));
      }
      next();
    },
    writes,
    (req, _res, next) => {
      if (!req.is('application/wasm')) return next(new ActorchainError('UNSUPPORTED_MEDIA_TYPE', 'send the component with Content-Type: application/wasm'));
      next();
    },
    (req, res, next) =>
      readComponent(req, res, (err?: unknown) => {
        if (err === undefined) return next();
        const tooLarge = (err as { type?: string }).type === 'entity.too.large';
        next(
          tooLarge
            ? new ActorchainError('BODY_TOO_LARGE', `the component is over the ${MAX_COMPONENT_BYTES} byte limit of POST /upgrade; nothing was changed`)
            : bodyError(err, req, MAX_COMPONENT_BYTES),
        );
      }),
    async (req, res) => {
      const applied = await sink.upgrade!(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      const body: Record<string, unknown> = { upgrade: applied.upgrade, head: applied.head, state: applied.state.value };
      if (applied.receipt !== undefined) body.receipt = applied.receipt;
      res.json(body);
    },
  );

  app.use(treeRouter(options.treeService ?? chainTreeService(chain), reads));
  if (options.componentService) app.use(componentRouter(options.componentService, reads));

  app.use(explorerRouter());

  // The routes above are the whole API: other methods on them are 405 with Allow, the rest 404.
  const allowed: Record<string, string> = {
    '/': 'POST',
    '/upgrade': 'POST',
    '/head': 'GET, HEAD',
    '/state': 'GET, HEAD',
    '/chain': 'GET, HEAD',
    '/metrics': 'GET, HEAD',
    '/healthz': 'GET, HEAD',
    '/readyz': 'GET, HEAD',
    '/explorer': 'GET, HEAD',
    '/identity': 'GET, HEAD',
    '/checkpoint': 'GET, HEAD',
    '/proof/inclusion': 'GET, HEAD',
    '/proof/consistency': 'GET, HEAD',
    '/component': 'GET, HEAD',
  };
  app.use((req) => {
    const allow = allowed[req.path.replace(/(.)\/$/, '$1')] ?? (/^\/(chain|component)\/[^/]+\/?$/.test(req.path) ? 'GET, HEAD' : undefined);
    if (allow !== undefined) {
      const message = `${req.method} is not allowed on ${req.path}; use ${allow}`;
      throw new ActorchainError('METHOD_NOT_ALLOWED', message, { headers: { Allow: allow } });
    }
    throw new ActorchainError('NOT_FOUND', `no route ${req.method} ${req.path}`);
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ActorchainError) return sendError(res, err);
    const status = (err as { status?: number }).status;
    if (status === 400) return sendError(res, new ActorchainError('INVALID_PATH', `the request path is malformed: ${(err as Error).message}`));
    logger.error({ err }, 'unexpected error');
    sendError(res, new ActorchainError('INTERNAL_ERROR'));
  });

  return app;
}
