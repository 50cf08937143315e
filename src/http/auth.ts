/**
 * Who may ask: the bearer token (--token) checked in constant time, and a request as its
 * RFC 9421 signature covers it (message-signature.ts checks signed deliveries).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
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
export function requireToken(token: string): RequestHandler {
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

/** A request as its RFC 9421 signature sees it: @target-uri is rebuilt from the scheme, Host and path. */
export function signable(req: Request): SignableRequest {
  return {
    method: req.method,
    targetUri: `${req.protocol}://${req.headers.host ?? ''}${req.originalUrl}`,
    field: (name) => {
      const values = req.headersDistinct[name];
      return values === undefined ? undefined : values.join(', ');
    },
  };
}
