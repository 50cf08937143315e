/**
 * `POST /`, the route every message takes, served without Express: the server's request
 * listener hands it the request before the Express app sees it (`isMessageRequest`), and the
 * app's own `POST /` route calls the same handler for the request targets only a URL parser
 * maps to `/`. Express's request handling (its router, and the prototypes it gives each
 * request and answer) cost about 90 µs of the main thread a request on this machine, more
 * than the rest of the path; see docs/architecture.md. Only Node's own request and answer are
 * used here, so the answers are the same from either entry point.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ActorchainError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { FAULTS, REFUSALS, sendApplied, sendError } from './answers.js';
import { signable, tokenCheck } from './auth.js';
import { verifiedSender, type AcceptedSenders } from './message-signature.js';
import { bodyReader, contentTypeError, idempotencyKey, parseMessage } from './request.js';
import type { MessageSink } from './app.js';

export interface MessageRouteOptions {
  maxBodyBytes: number;
  metrics: Metrics;
  /** The bearer token POST / needs; null leaves it open. */
  token: string | null;
  acceptedSenders: AcceptedSenders;
}

export interface MessageRoute {
  /** Serve the request from the server's listener: counted for GET /metrics here. */
  serve(req: IncomingMessage, res: ServerResponse): void;
  /** Serve it from the Express app's `POST /` route, whose own middleware counts it. */
  answer(req: IncomingMessage, res: ServerResponse): void;
}

/** Whether the request is `POST /` as clients send it (the path alone, or with a query). */
export function isMessageRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url === '/' || req.url?.startsWith('/?') === true);
}

/** A mirror's refusal of a write, counted as the message's outcome; undefined for a runtime's sink. */
export function countedRefusal(sink: MessageSink, metrics: Metrics): ActorchainError | undefined {
  if (!sink.refusal) return undefined;
  const refusal = sink.refusal();
  metrics.messages.inc({ outcome: refusal.code });
  return refusal;
}

/** The handler of `POST /`: read, check, submit to `sink`, answer the verdict or the error. */
export function messageRoute(sink: MessageSink, options: MessageRouteOptions, logger: Logger): MessageRoute {
  const { metrics, acceptedSenders } = options;
  const token = options.token === null ? undefined : tokenCheck(options.token);
  const readBody = bodyReader(options.maxBodyBytes);

  /** Everything before the message reaches the actor: a coded error for the first check that fails. */
  async function read(req: IncomingMessage, res: ServerResponse): Promise<{ canonical: string; key?: string; sender?: string }> {
    // A mirror refuses before reading anything: messages go to its primary.
    const refusal = countedRefusal(sink, metrics);
    if (refusal) throw refusal;
    const unauthorized = token?.(req, '/');
    if (unauthorized) throw unauthorized;
    const unsupported = contentTypeError(req);
    if (unsupported) throw unsupported;
    const body = await readBody(req, res);
    const key = idempotencyKey(req);
    // Before the body is looked at: a signed request that does not hold is refused whatever it holds.
    const sender = acceptedSenders.size === 0 ? undefined : verifiedSender(signable(req), body, acceptedSenders);
    return { canonical: parseMessage(body), key, sender };
  }

  async function apply(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { canonical, key, sender } = await read(req, res);
    const timer = metrics.messageSeconds.startTimer();
    try {
      const { applied, repeated } = await sink.submit!(canonical, key, sender);
      if (repeated) res.setHeader('Idempotent-Replayed', 'true');
      sendApplied(res, applied);
      metrics.messages.inc({ outcome: repeated ? 'repeated' : 'committed' });
    } catch (err) {
      metrics.messages.inc({ outcome: err instanceof ActorchainError ? err.code : 'INTERNAL_ERROR' });
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
  }

  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    apply(req, res).catch((err: unknown) => {
      if (!(err instanceof ActorchainError)) logger.error({ err }, 'unexpected error');
      // Nothing is left to answer with once the answer has started: the connection is closed.
      if (res.headersSent) return res.destroy();
      sendError(res, err instanceof ActorchainError ? err : new ActorchainError('INTERNAL_ERROR'));
    });
  };
  return {
    answer,
    serve(req, res) {
      // Counted when the answer is sent, as the app counts its routes.
      res.once('finish', () => metrics.httpRequests.inc({ method: 'POST', route: '/', status: res.statusCode }));
      answer(req, res);
    },
  };
}
