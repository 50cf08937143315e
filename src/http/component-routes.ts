/**
 * The code behind the chain, served by hash so a verifier needs nothing but the URL:
 *
 *   GET /component          the component in use (application/wasm, its exact bytes)
 *   GET /component/<hash>   any component the chain has used (its genesis', each upgrade's)
 *
 * A verifier checks the bytes against the hash the chain names: nothing here is taken on trust.
 */
import express, { type RequestHandler, type Response } from 'express';
import { ActorchainError } from '../errors.js';
import { HASH_PATTERN } from '../json/canonical.js';

export interface ComponentService {
  /** The hash of the component in use. */
  current(): string;
  /** The bytes of a component the chain has used, or undefined for one it never used. */
  read(hash: string): Promise<Uint8Array | undefined>;
}

export function componentRouter(service: ComponentService, reads: RequestHandler): express.Router {
  const router = express.Router();

  const send = async (res: Response, hash: string): Promise<void> => {
    const bytes = await service.read(hash);
    if (bytes === undefined) throw new ActorchainError('NOT_FOUND', `this chain never used the component ${hash}`);
    res
      .type('application/wasm')
      .set('ETag', `"${hash}"`)
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };

  router.get('/component', reads, async (_req, res) => {
    await send(res, service.current());
  });

  router.get('/component/:hash', reads, async (req, res) => {
    const hash = String(req.params.hash);
    if (!HASH_PATTERN.test(hash)) throw new ActorchainError('INVALID_HASH', `${JSON.stringify(hash)} is not a component hash: give 64 lowercase hex characters`);
    await send(res, hash);
  });

  return router;
}
