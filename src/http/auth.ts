/**
 * Who may ask: the bearer token (--token) checked in constant time, and a request as its
 * RFC 9421 signature covers it (message-signature.ts checks signed deliveries).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Request, RequestHandler } from 'express';
import { ActorchainError } from '../errors.js';
import type { SignableRequest } from './message-signature.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * `Authorization: Bearer <token>`, compared in constant time: both sides are hashed first,
 * so neither the token's content nor its length shows in the comparison's timing.
 */
export function tokenCheck(token: string): (req: IncomingMessage, path: string) => ActorchainError | undefined {
  const expected = digest(token);
  return (req, path) => {
    const given = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1];
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return undefined;
    const message =
      given === undefined
        ? `${req.method} ${path} needs Authorization: Bearer <token>; ask the operator for the runtime's token`
        : 'the bearer token is wrong; use the token the runtime was started with (--token or ACTORCHAIN_TOKEN)';
    return new ActorchainError('UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': 'Bearer' } });
  };
}

/** tokenCheck as the Express routes' middleware. */
export function requireToken(token: string): RequestHandler {
  const check = tokenCheck(token);
  return (req: Request, _res, next) => next(check(req, req.path));
}

/**
 * A request as its RFC 9421 signature sees it: @target-uri is rebuilt from the scheme (no
 * proxy is trusted: the connection's own), Host and the request target as sent.
 */
export function signable(req: IncomingMessage): SignableRequest {
  const scheme = (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
  return {
    method: req.method ?? '',
    targetUri: `${scheme}://${req.headers.host ?? ''}${(req as Partial<Request>).originalUrl ?? req.url ?? ''}`,
    field: (name) => {
      const values = req.headersDistinct[name];
      return values === undefined ? undefined : values.join(', ');
    },
  };
}
