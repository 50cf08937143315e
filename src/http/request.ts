/**
 * What a request brings, read and checked before anything is applied: POST /'s body (its
 * media type, its size once decoded, its JSON turned into the message's canonical text),
 * the Idempotency-Key header, and POST /upgrade's component bytes. Each problem is a coded
 * error about the request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { IDEMPOTENCY_KEY_MAX_CHARS, isIdempotencyKey, isJsonObject } from '../chain/entry.js';
import { ActorchainError } from '../errors.js';
import { canonicalOfParsed } from '../json/canonical.js';
import { isCanonicalJsonBytes } from '../json/canonical-scan.js';
import { findDuplicateKey } from '../json/duplicate-keys.js';

/** The largest component POST /upgrade takes (a componentize-js actor is about 12 MB). */
export const MAX_COMPONENT_BYTES = 256 * 2 ** 20;
export const readComponent = express.raw({ type: 'application/wasm', limit: MAX_COMPONENT_BYTES });

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

/** The Idempotency-Key header, if given: once, 1 to 255 printable ASCII characters. */
export function idempotencyKey(req: IncomingMessage): string | undefined {
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

/** POST / takes UTF-8 JSON only: the error for any other body, or undefined. */
export function contentTypeError(req: IncomingMessage): ActorchainError | undefined {
  const given = req.headers['content-type'] ?? 'none';
  // What nearly every client sends, accepted without parsing the media type (with a body, as req.is requires).
  const hasBody = req.headers['transfer-encoding'] !== undefined || !isNaN(Number(req.headers['content-length']));
  if (given === 'application/json' && hasBody) return undefined;
  // req.is() answers null for a request without a body (curl -X POST with no -d): read the media type itself.
  const mediaType = given.split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json' && !/^application\/[^/\s]+\+json$/.test(mediaType)) {
    return new ActorchainError('UNSUPPORTED_MEDIA_TYPE', `Content-Type is ${given}; send application/json`);
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(given)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return new ActorchainError('UNSUPPORTED_MEDIA_TYPE', `charset ${charset} is not supported; send UTF-8 JSON`);
  }
  return undefined;
}

/**
 * Read the whole body. gzip, deflate and br are decoded, and the limit applies to the decoded
 * bytes, so a small compressed bomb is refused with 413 as soon as it inflates past
 * --max-body. Errors from reading (size, Content-Encoding, a dropped connection) become codes
 * about the body here, where no other 400 can land.
 */
export function bodyReader(maxBodyBytes: number): (req: IncomingMessage, res: ServerResponse) => Promise<Buffer> {
  // body-parser reads a plain IncomingMessage as well as Express's request.
  const raw = express.raw({ type: () => true, limit: maxBodyBytes, inflate: true }) as unknown as (
    req: IncomingMessage & { body?: unknown },
    res: ServerResponse,
    next: (err?: unknown) => void,
  ) => void;
  return (req: IncomingMessage & { body?: unknown }, res) =>
    new Promise((resolve, reject) =>
      raw(req, res, (err?: unknown) => {
        if (err !== undefined) return reject(bodyError(err, req, maxBodyBytes));
        resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      }),
    );
}

export function bodyError(err: unknown, req: IncomingMessage, maxBodyBytes: number): ActorchainError {
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
