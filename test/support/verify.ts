/**
 * Test support: `actorchain verify`'s whole check (src/verify/verify-chain.ts: components,
 * checkpoint, every entry replayed) run in the test's process, for tests whose subject is not
 * the verify command: "and the chain verifies" as a last check. The verify-* files, and every
 * test of what verify prints, drive the CLI.
 *
 *   const { summary } = await verifies(dataDir, { component });
 *   await assert.rejects(verifies(dataDir, { component }), { code: 'CHAIN_CORRUPT', message: /line 5/ });
 */
import { verifyChain, type VerifiedChain, type VerifyChainOptions } from '../../src/verify/verify-chain.js';

/** Verify `source` (a data dir, a chain file or a runtime's URL); rejects with verify's ActorchainError. */
export function verifies(source: string, options: VerifyChainOptions = {}): Promise<VerifiedChain> {
  return verifyChain(source, options);
}
