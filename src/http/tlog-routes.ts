/**
 * The accountable-history routes, the same on a runtime and on a mirror:
 *
 *   GET /identity                            {"origin", "key", "genesis"}
 *   GET /checkpoint                          the latest signed checkpoint (C2SP tlog-checkpoint), text/plain
 *   GET /proof/inclusion?index=<i>&size=<n>  {"index", "size", "proof": [base64…]}  RFC 6962 PATH(i, D[n])
 *   GET /proof/consistency?old=<m>&size=<n>  {"old", "size", "proof": [base64…]}    RFC 6962 PROOF(m, D[n])
 *
 * Proofs are for trees of durable entries only: a size beyond them is PROOF_OUT_OF_RANGE.
 */
import express, { type RequestHandler } from 'express';
import { ActorchainError } from '../errors.js';
import type { MerkleTree } from '../tlog/merkle.js';

export interface TreeService {
  /** What GET /identity answers; undefined before the chain has a genesis. */
  identity(): Record<string, string | boolean> | undefined;
  /** The newest signed checkpoint (note text), covering durable entries only. */
  checkpoint(): string | undefined;
  /** Entries durable: the largest tree size a proof may be asked for. */
  durableSize(): number;
  tree: MerkleTree;
}

function sizeParam(value: unknown, name: string): number {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new ActorchainError('INVALID_QUERY', `${name} must be a non-negative integer (got ${JSON.stringify(value ?? null)})`);
  return n;
}

function notYet(what: string): ActorchainError {
  return new ActorchainError('NOT_FOUND', `no ${what} yet: the chain has no durable entries; ask again once it has`);
}

export function treeRouter(service: TreeService, reads: RequestHandler): express.Router {
  const router = express.Router();

  router.get('/identity', reads, (_req, res) => {
    const identity = service.identity();
    if (identity === undefined) throw notYet('identity');
    res.json(identity);
  });

  router.get('/checkpoint', reads, (_req, res) => {
    const note = service.checkpoint();
    if (note === undefined) throw notYet('checkpoint');
    res.type('text/plain; charset=utf-8').send(note);
  });

  const sizeWithin = (size: number): number => {
    const durable = service.durableSize();
    if (size < 1 || size > durable) {
      throw new ActorchainError('PROOF_OUT_OF_RANGE', `size ${size} is not a tree this log has: it holds trees of 1 to ${durable} durable entries`);
    }
    return size;
  };

  router.get('/proof/inclusion', reads, (req, res) => {
    const index = sizeParam(req.query.index, 'index');
    const size = sizeWithin(sizeParam(req.query.size, 'size'));
    if (index >= size) throw new ActorchainError('PROOF_OUT_OF_RANGE', `index ${index} is not a leaf of the tree of size ${size} (leaves 0 to ${size - 1})`);
    res.json({ index, size, proof: service.tree.inclusionProof(index, size).map((node) => node.toString('base64')) });
  });

  router.get('/proof/consistency', reads, (req, res) => {
    const old = sizeParam(req.query.old, 'old');
    const size = sizeWithin(sizeParam(req.query.size, 'size'));
    if (old < 1 || old > size) throw new ActorchainError('PROOF_OUT_OF_RANGE', `old ${old} must be from 1 to size (${size})`);
    res.json({ old, size, proof: service.tree.consistencyProof(old, size).map((node) => node.toString('base64')) });
  });

  return router;
}

/** The runtime's own: its notary signs the durable tree. */
export function chainTreeService(chain: {
  readonly tree: MerkleTree;
  readonly notary: { checkpoint(size: number): { note: string }; origin: string; verifierKey: string } | undefined;
  readonly durableLength: number;
  hashAt(position: number): string | undefined;
}): TreeService {
  const durableSize = () => chain.durableLength;
  return {
    tree: chain.tree,
    durableSize,
    identity: () => {
      const genesis = chain.hashAt(0);
      const notary = chain.notary;
      return genesis === undefined || notary === undefined ? undefined : { origin: notary.origin, key: notary.verifierKey, genesis };
    },
    checkpoint: () => (durableSize() === 0 || chain.notary === undefined ? undefined : chain.notary.checkpoint(durableSize()).note),
  };
}
