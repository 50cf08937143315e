/**
 * The chain's read routes, over its durable view (a client never sees what a crash could
 * still take back), the same on a runtime and on a mirror:
 *
 *   GET /head                          {"head", "length", "durable"}
 *   GET /state                         {"head", "state"}
 *   GET /chain?after=|until=&limit=&wait=   a page of entries, forward or backward; wait: a long poll
 *   GET /chain/<hash>                  the entry's canonical bytes (its SHA-256 is <hash>)
 */
import express, { type RequestHandler } from 'express';
import type { Chain } from '../chain/chain.js';
import { ActorchainError } from '../errors.js';
import { HASH_PATTERN } from '../json/canonical.js';
import { sendJsonText } from './answers.js';

export const DEFAULT_PAGE_LIMIT = 1000;
export const MAX_PAGE_LIMIT = 10_000;
/** The longest `GET /chain?wait=` a client may ask for, in seconds. */
export const MAX_WAIT_SECONDS = 60;

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

/** GET /head, /state, /chain and /chain/<hash>; `reads` guards them (the token, when reads need it). */
export function chainRouter(chain: Chain, durable: boolean, reads: RequestHandler): express.Router {
  const router = express.Router();
  // Reads serve the durable view: a client never sees what a crash could still take back.
  router.get('/head', reads, (_req, res) => {
    const { head, length } = chain.durable;
    res.json({ head, length, durable: durable });
  });

  router.get('/state', reads, (_req, res) => {
    const { head, state } = chain.durable;
    sendJsonText(res, { head: `"${head}"`, state: state.canonical });
  });

  router.get('/chain', reads, async (req, res) => {
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

  router.get('/chain/:hash', reads, async (req, res) => {
    const hash = requireHash(req.params.hash, 'the hash');
    const bytes = await chain.entryBytes(hash);
    if (bytes === undefined) throw new ActorchainError('NOT_FOUND', `no entry ${hash} in this chain`);
    // An entry never changes: its hash is its validator (a repeat with If-None-Match gets a
    // 304), and caches may keep it for good. Express then skips hashing the body for an ETag.
    res.set({ ETag: `"${hash}"`, 'Cache-Control': 'public, max-age=31536000, immutable' });
    res.type('application/json').send(bytes);
  });
  return router;
}
