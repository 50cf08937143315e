import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Applied, Submitted } from '../actor/actor.js';
import type { Chain } from '../chain/chain.js';
import { ActorchainError, ERROR_CODES, type ErrorCode } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { explorerRouter } from '../explorer/route.js';
import { answerErrors, asUnfitComponent, notInApi } from './answers.js';
import { requireToken } from './auth.js';
import { chainRouter } from './chain-routes.js';
import { componentRouter, type ComponentService } from './component-routes.js';
import type { AcceptedSenders } from './message-signature.js';
import { countedRefusal, isMessageRequest, messageRoute } from './message-route.js';
import { bodyError, MAX_COMPONENT_BYTES, readComponent } from './request.js';
import { chainTreeService, treeRouter, type TreeService } from './tlog-routes.js';

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

/** Who applies `POST /` messages: the actor, or nobody (a mirror refuses them with `refusal()`). */
export type MessageSink =
  | { submit(canonical: string, key?: string, sender?: string): Promise<Submitted>; upgrade?(component: Buffer): Promise<Applied & { upgrade: string }>; refusal?: never }
  | { refusal(): ActorchainError; submit?: never; upgrade?: never };

/** The server's request listener, which an Express app can also mount (`app.use`). */
export type HttpApp = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

/**
 * The actor's HTTP surface: the reads over `chain`'s durable view and `POST /` into `sink`.
 * A mirror serves the same reads over its verified copy, with a sink that refuses.
 * Every error is JSON `{"error": {"code", "message"}}`. `POST /` is served by message-route.ts
 * before Express sees the request; Express serves the rest.
 */
export function createApp(chain: Chain, sink: MessageSink, options: HttpOptions, logger: Logger): HttpApp {
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

  // A mirror refuses before reading anything: messages go to its primary.
  const refuse: RequestHandler | undefined = sink.refusal ? (_req, _res, next) => next(countedRefusal(sink, options.metrics)) : undefined;
  // POST / is served before the app sees it (see the end); this route takes the request
  // targets only Express's URL parsing maps to `/` (an absolute URL, say).
  const messages = messageRoute(
    sink,
    { maxBodyBytes: options.maxBodyBytes, metrics: options.metrics, token: options.token, acceptedSenders: options.acceptedSenders ?? new Map() },
    logger,
  );
  app.post('/', (req, res) => messages.answer(req, res));

  app.get('/metrics', reads, async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });

  app.use(chainRouter(chain, options.durable, reads));

  // A live upgrade replaces the code behind the chain: never open, so it needs a token to exist.
  app.post(
    '/upgrade',
    ...(refuse ? [refuse] : []),
    (_req, _res, next) => {
      if (options.token === null || !sink.upgrade) {
        return next(
          new ActorchainError(
            'UPGRADE_NOT_ALLOWED',
            'POST /upgrade needs a runtime started with --token; upgrade this one offline (stop it, then actorchain upgrade <data dir> <new.wasm>)',
          ),
        );
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
      const applied = await sink.upgrade!(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)).catch((err: unknown) => {
        throw asUnfitComponent(err);
      });
      const body: Record<string, unknown> = { upgrade: applied.upgrade, head: applied.head, state: applied.state.value };
      if (applied.receipt !== undefined) body.receipt = applied.receipt;
      res.json(body);
    },
  );

  app.use(treeRouter(options.treeService ?? chainTreeService(chain), reads));
  if (options.componentService) app.use(componentRouter(options.componentService, reads));

  app.use(explorerRouter());
  app.use(notInApi());
  app.use(answerErrors(logger));

  return (req, res, next) => {
    if (isMessageRequest(req)) return messages.serve(req, res);
    // Express makes the plain request and answer its own (their prototypes) as it takes them.
    app(req as express.Request, res as express.Response, next as express.NextFunction);
  };
}
