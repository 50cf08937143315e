/**
 * How answers go out: POST /'s answer and JSON built from JSON texts without re-serialising
 * them, every error as `{"error": {"code", "message"}}` with its status, the 404/405 for a
 * path outside the API, and which codes are a component's refusals and faults (for the log).
 */
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Applied } from '../actor/actor.js';
import { receiptJson } from '../chain/notary.js';
import { ActorchainError, type ErrorCode } from '../errors.js';

/** Codes by which the component refused a message (logged at debug): the client can send another. */
export const REFUSALS: ReadonlySet<ErrorCode> = new Set(['MESSAGE_REJECTED', 'SEND_NOT_ALLOWED']);
/** Codes by which the component failed on a message (logged at warn): a bug in the component. */
export const FAULTS: ReadonlySet<ErrorCode> = new Set([
  'STATE_REJECTED',
  'STATE_NOT_JSON',
  'SEND_NOT_JSON',
  'COMPONENT_TRAP',
  'COMPONENT_OUT_OF_MEMORY',
  'WORKER_CRASHED',
  'COMPONENT_TIMEOUT',
]);

/** Codes by which a component given to POST /upgrade is not fit to run (its load errors): the client's fault. */
const UNFIT_COMPONENT: ReadonlySet<ErrorCode> = new Set(['NOT_A_COMPONENT', 'MISSING_EXPORTS', 'UNSUPPORTED_IMPORTS', 'UNSUPPORTED_ENCODING', 'MEMORY_LIMIT_TOO_LOW']);

/** A load error of the component POST /upgrade was given, answered 422 (same code): the bytes sent are at fault, not the runtime. */
export function asUnfitComponent(err: unknown): unknown {
  if (!(err instanceof ActorchainError) || !UNFIT_COMPONENT.has(err.code)) return err;
  return new ActorchainError(err.code, err.message, {
    cause: err.cause,
    related: err.related,
    reason: err.reason,
    detail: err.detail,
    headers: { ...err.headers },
    status: 422,
  });
}

/**
 * A JSON reply whose members are already JSON text (hashes are hex, states canonical), sent
 * as it is: no parse and re-serialisation of a state that may be large.
 */
export function sendJsonText(res: Response, members: Record<string, string>): void {
  const body = `{${Object.entries(members)
    .map(([name, text]) => `"${name}":${text}`)
    .join(',')}}`;
  res.type('application/json').send(Buffer.from(body));
}

/**
 * POST /'s answer, written straight to the socket: no ETag (an answer to a POST is not
 * cached, and Express would hash every body for it) and no content-type lookup.
 */
export function sendApplied(res: ServerResponse, { head, message, state, receipt }: Applied): void {
  const tail = receipt === undefined ? '' : `,"receipt":${receiptJson(receipt)}`;
  const body = Buffer.from(`{"head":"${head}","message":"${message}","state":${state.canonical}${tail}}`);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** An error's answer, written straight to the socket (POST / answers without Express). */
export function sendError(res: ServerResponse, err: ActorchainError): void {
  const body = Buffer.from(JSON.stringify(err.toJSON()));
  res.statusCode = err.status;
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** The routes of the API (path: methods): other methods on them are 405 with Allow, any other path 404. */
const ALLOWED: Record<string, string> = {
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

/** The last handler of the app: 405 for a route of the API asked with another method, 404 for the rest. */
export function notInApi(): RequestHandler {
  return (req) => {
    const allow = ALLOWED[req.path.replace(/(.)\/$/, '$1')] ?? (/^\/(chain|component)\/[^/]+\/?$/.test(req.path) ? 'GET, HEAD' : undefined);
    // A method the API allows there, on a route this server does not serve (one it does would have answered).
    if (allow?.split(', ').includes(req.method)) throw new ActorchainError('NOT_FOUND', `${req.method} ${req.path} is not served here`);
    if (allow !== undefined) {
      const message = `${req.method} is not allowed on ${req.path}; use ${allow}`;
      throw new ActorchainError('METHOD_NOT_ALLOWED', message, { headers: { Allow: allow } });
    }
    throw new ActorchainError('NOT_FOUND', `no route ${req.method} ${req.path}`);
  };
}

/** The error handler: a coded error as it is, a malformed path as INVALID_PATH, anything else logged and INTERNAL_ERROR. */
export function answerErrors(logger: Logger): (err: unknown, req: Request, res: Response, next: NextFunction) => void {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ActorchainError) return sendError(res, err);
    const status = (err as { status?: number }).status;
    if (status === 400) return sendError(res, new ActorchainError('INVALID_PATH', `the request path is malformed: ${(err as Error).message}`));
    logger.error({ err }, 'unexpected error');
    sendError(res, new ActorchainError('INTERNAL_ERROR'));
  };
}
