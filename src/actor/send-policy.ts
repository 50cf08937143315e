/**
 * Where `send` may reach. A component names any URL it likes; without a policy the runtime
 * would POST wherever it is told, inside the operator's network (server-side request
 * forgery). The operator lists origins with --allow-send; everything else is refused before
 * the message is committed.
 *
 * Origins are compared after WHATWG URL normalization, so `HTTP://Peer:80` and
 * `http://peer` are the same origin, and `http://peer:8080` is another one.
 */
import { ActorchainError } from '../errors.js';

/** The origin of an http(s) URL (`http://host:port`, default ports folded), or undefined. */
export function httpOrigin(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
}

/** Normalize one --allow-send value; it must be a bare origin (no path, query, fragment or credentials). */
export function allowedOrigin(raw: string): string {
  const origin = httpOrigin(raw.trim());
  const url = origin === undefined ? undefined : new URL(raw.trim());
  if (url === undefined || url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new ActorchainError('INVALID_OPTION', `--allow-send takes an origin, http(s)://host[:port] with nothing after it (got ${JSON.stringify(raw)})`);
  }
  return origin!;
}

/** Whether a send to `to` may go out: its origin is one of `allowed` (already normalized). */
export function sendAllowed(to: string, allowed: readonly string[]): boolean {
  const origin = httpOrigin(to);
  return origin !== undefined && allowed.includes(origin);
}
